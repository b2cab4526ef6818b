"""``linclass train`` and ``search`` with the ``--kmeans-*`` flags, on scikit-learn's digits."""

import json

import pytest

import linclass.model_file
from linclass.cli import main

#: A small codebook on 3x3 patches of the 8x8 digits: a fraction of a second per stage.
FLAGS = ("--features", "kmeans", "--kmeans-centroids", "24", "--kmeans-field", "3",
         "--kmeans-stride", "2", "--kmeans-patches", "3000", "--kmeans-iterations", "4",
         "--kmeans-init", "patches")


def run(capsys, *argv):
    code = main([*argv, "--data", "digits", "--json"])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else None), captured.err


def test_train_flags_reach_the_saved_extractor(capsys, tmp_path):
    out = tmp_path / "model.npz"
    code, result, err = run(capsys, "train", *FLAGS, "--out", str(out))
    assert code == 0, err
    extractor = linclass.model_file.load(out).pipeline.extractors[0]
    assert (extractor.n_centroids, extractor.receptive_field, extractor.stride,
            extractor.n_patches, extractor.max_iter, extractor.centroids) == (
        24, 3, 2, 3000, 4, "patches")
    assert extractor.centroids_.shape == (24, 9)  # gray 3x3 patches
    assert extractor.mirror  # the default
    assert result["val_accuracy"] > 0.8  # well above the 10% of chance


def test_no_mirror_flag_reaches_the_saved_extractor(capsys, tmp_path):
    out = tmp_path / "model.npz"
    code, _, err = run(capsys, "train", *FLAGS, "--no-kmeans-mirror", "--kmeans-whitening",
                       "0.5", "--out", str(out))
    assert code == 0, err
    extractor = linclass.model_file.load(out).pipeline.extractors[0]
    assert (extractor.mirror, extractor.whitening_eps) == (False, 0.5)


def test_search_flags_reach_the_best_model(capsys, tmp_path):
    code, result, err = run(capsys, "search", *FLAGS, "--kmeans-init", "random",
                            "--trials", "2", "--out", str(tmp_path))
    assert code == 0, err
    extractor = linclass.model_file.load(result["model"]).pipeline.extractors[0]
    assert (extractor.n_centroids, extractor.centroids) == (24, "random")


def test_kmeans_flags_need_kmeans_features(capsys, tmp_path):
    code, _, err = run(capsys, "train", "--features", "hog", "--kmeans-centroids", "8",
                       "--out", str(tmp_path / "m.npz"))
    assert code == 1
    assert "--kmeans-* flags need --features with 'kmeans', got 'hog'" in err


@pytest.mark.parametrize("flags", [("--kmeans-centroids", "0"), ("--kmeans-init", "sparse")])
def test_bad_kmeans_flags_are_usage_errors(capsys, tmp_path, flags):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--features", "kmeans", *flags, "--out", str(tmp_path / "m.npz")])
    assert exc.value.code == 2
    assert flags[0] in capsys.readouterr().err
