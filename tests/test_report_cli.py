"""``linclass report`` end to end: a model file and a data source in, a page out."""

import csv
import json
import signal
import subprocess
import sys
import time

import pytest
from PIL import Image

from linclass.cli import main


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "digits.npz"
    assert main(["train", "--data", "digits", "--epochs", "3", "--out", str(path)]) == 0
    return path


def test_report_command_writes_the_page_and_lists_it(model_file, tmp_path, capsys):
    search = tmp_path / "search.csv"
    with open(search, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["trial", "lr", "reg_strength", "train_accuracy", "val_accuracy",
                         "diverged", "seconds"])
        writer.writerow([0, 1e-3, 1e-4, 0.9, 0.85, False, 0.2])
        writer.writerow([1, 1e-1, 1e-2, "", "", True, 0.1])
    capsys.readouterr()
    code = main(["report", "--model", str(model_file), "--data", "digits", "--out",
                 str(tmp_path / "page"), "--search", str(search), "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["index"] == str(tmp_path / "page" / "index.html")
    assert result["files"][0] == result["index"] and result["n_images"] == 1797
    assert result["split"] is None  # the digits have no parts: read whole
    names = [f.rsplit("/", 1)[1] for f in result["files"][1:]]
    assert names[0] == "templates.png" and names[-1] == "search.png"
    assert "learning_curves.png" in names  # the history stored in the model file
    for name in names:
        with Image.open(tmp_path / "page" / name) as png:
            assert png.format == "PNG" and min(png.size) > 100


def test_report_command_failures_are_one_line(model_file, tmp_path, capsys):
    assert main(["report", "--model", str(tmp_path / "missing.npz"), "--data", "digits",
                 "--out", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("linclass: ") and "\n" not in err and "missing.npz" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--data", "digits", "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2  # --model is required: a usage error
    assert not (tmp_path / "x").exists()


def test_train_with_report_writes_the_page(tmp_path, capsys):
    code = main(["train", "--data", "digits", "--epochs", "2", "--out",
                 str(tmp_path / "m.npz"), "--report", str(tmp_path / "page"), "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["report"] == str(tmp_path / "page" / "index.html")
    text = (tmp_path / "page" / "index.html").read_text()
    assert "templates.png" in text and "learning_curves.png" in text


def _write_split_folder(root, dataset, per_class):
    """An image folder root/<split>/<class>/<i>.png with per_class[split] images per class."""
    for split, n in per_class.items():
        for k, name in enumerate(dataset.class_names):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i, image in enumerate(dataset.images[dataset.labels == k][:n]):
                Image.fromarray(image[:, :, 0]).save(folder / f"{i}.png")


def test_report_reads_the_test_part_by_default_and_says_so(model_file, tmp_path, capsys):
    import linclass as lc

    _write_split_folder(tmp_path / "data", lc.data.load("digits"), {"train": 3, "test": 2})
    capsys.readouterr()
    assert main(["report", "--model", str(model_file), "--data", str(tmp_path / "data"),
                 "--out", str(tmp_path / "page")]) == 0
    line = capsys.readouterr().out.strip()
    assert f"on 20 images of {tmp_path / 'data' / 'test'} (--split test)" in line, line
    assert main(["report", "--model", str(model_file), "--data", str(tmp_path / "data"),
                 "--split", "train", "--out", str(tmp_path / "page"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["split"], result["n_images"]) == ("train", 30)
    assert main(["report", "--model", str(model_file), "--out", str(tmp_path / "page")]) == 0
    assert "of digits (scikit-learn) (the whole source: it has no train/test parts)" in (
        capsys.readouterr().out)


def test_report_in_korean(model_file, tmp_path, capsys):
    capsys.readouterr()
    assert main(["report", "--model", str(model_file), "--data", "digits", "--lang", "ko",
                 "--out", str(tmp_path / "ko"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["lang"] == "ko"
    page = (tmp_path / "ko" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ko">' in page and "<h2>혼동 행렬</h2>" in page
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--model", str(model_file), "--lang", "fr", "--out", str(tmp_path)])
    assert exit_info.value.code == 2
    assert "--lang" in capsys.readouterr().err


def _usage_error(argv, capsys):
    """The last line of a usage error (exit 2), which names the flag."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


def test_bad_out_and_search_are_usage_errors_before_any_work(model_file, tmp_path, capsys):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    base = ["report", "--model", str(tmp_path / "never-read.npz"), "--data", "digits"]
    line = _usage_error([*base, "--out", str(a_file)], capsys)
    assert "--out" in line and str(a_file) in line
    assert "--out" in _usage_error([*base, "--out", str(a_file / "x")], capsys)
    out = ["--out", str(tmp_path / "page")]
    line = _usage_error([*base, *out, "--search", str(tmp_path / "none.csv")], capsys)
    assert "--search" in line
    assert f"cannot read {tmp_path / 'none.csv'}: No such file or directory" in line
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    assert "it needs a header with lr, reg_strength, val_accuracy" in _usage_error(
        [*base, *out, "--search", str(bad)], capsys)
    bad.write_text("lr,reg_strength,val_accuracy\nfast,1,0.5\n")
    assert "has a value that is not a number" in _usage_error(
        [*base, *out, "--search", str(bad)], capsys)
    assert not (tmp_path / "page").exists()


def test_a_features_only_model_is_refused_by_name(tmp_path, capsys):
    import numpy as np

    import linclass as lc

    X = np.random.default_rng(0).random((30, 4), dtype=np.float32)
    lc.save(lc.LinearClassifier(epochs=1).fit(X, np.arange(30) % 3), tmp_path / "f.npz")
    assert main(["report", "--model", str(tmp_path / "f.npz"), "--out",
                 str(tmp_path / "page")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"linclass: {tmp_path / 'f.npz'} holds a LinearClassifier on "
                          "features, not an image model; save one with `linclass train`")
    assert not (tmp_path / "page").exists()


def test_an_interrupted_report_removes_the_folder_it_created(model_file, tmp_path):
    out = tmp_path / "page"
    proc = subprocess.Popen([sys.executable, "-m", "linclass", "report", "--model",
                             str(model_file), "--data", "digits", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not out.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert out.exists(), "the report never created its folder"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert not out.exists()
