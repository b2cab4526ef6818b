"""``linclass search`` on scikit-learn's digits: outputs, parallel = serial, divergence, errors."""

import csv
import json

import numpy as np
import pytest

import linclass.model_file
from linclass.cli import main
from linclass.search import sample_trials

COLUMNS = ("trial", "reg_strength", "lr", "epochs", "train_accuracy", "val_accuracy",
           "diverged", "seconds")


def search(capsys, tmp_path, *flags):
    code = main(["search", "--data", "digits", "--json", "--out", str(tmp_path), *flags])
    captured = capsys.readouterr()
    return code, (json.loads(captured.out) if code == 0 else None), captured.err


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_search_writes_table_plot_and_best_model(capsys, tmp_path):
    code, result, _ = search(capsys, tmp_path, "--trials", "4", "--lr", "1e-3:1e-1",
                             "--reg-strength", "1e-4:1e-2")
    assert code == 0
    assert set(result) == {"best", "trials", "csv", "plot", "model", "seconds"}
    assert set(result["best"]) == {"lr", "reg_strength", "val_accuracy"}

    rows = read_csv(result["csv"])
    assert tuple(rows[0]) == COLUMNS and len(rows) == 4 == len(result["trials"])
    for row in rows:
        assert 1e-3 <= float(row["lr"]) <= 1e-1 and 1e-4 <= float(row["reg_strength"]) <= 1e-2
    best = max(rows, key=lambda row: float(row["val_accuracy"]))
    assert result["best"]["lr"] == float(best["lr"])
    assert result["best"]["val_accuracy"] == float(best["val_accuracy"]) >= 0.9

    with open(result["plot"], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    model = linclass.model_file.load(result["model"])
    assert model.classifier.lr == result["best"]["lr"]
    assert model.classifier.reg_strength == result["best"]["reg_strength"]


def test_parallel_trials_equal_serial_ones(capsys, tmp_path):
    flags = ("--trials", "4", "--grid", "--lr", "1e-3:1e-2", "--reg-strength", "1e-3:1e-1",
             "--epochs", "3")
    _, serial, _ = search(capsys, tmp_path / "serial", *flags, "--jobs", "1")
    _, parallel, _ = search(capsys, tmp_path / "parallel", *flags, "--jobs", "2")
    assert [t["lr"] for t in serial["trials"]] == [1e-3, 1e-2, 1e-3, 1e-2]  # a 2 x 2 grid
    assert [t["reg_strength"] for t in serial["trials"]] == [1e-3, 1e-3, 1e-1, 1e-1]
    for a, b in zip(serial["trials"], parallel["trials"], strict=True):
        assert {k: v for k, v in a.items() if k != "seconds"} == \
               {k: v for k, v in b.items() if k != "seconds"}


def test_diverged_trials_are_marked_not_fatal(capsys, tmp_path):
    code, result, _ = search(capsys, tmp_path, "--trials", "4", "--grid", "--lr", "1e-2:1e6",
                             "--epochs", "3")
    assert code == 0
    diverged = [t["diverged"] for t in result["trials"]]
    assert diverged == [False, True, False, True]
    assert result["best"]["lr"] == 1e-2
    rows = read_csv(result["csv"])
    assert [r["diverged"] for r in rows] == ["False", "True", "False", "True"]
    assert rows[1]["val_accuracy"] == ""


def test_all_trials_diverged_is_an_error_with_the_table_written(capsys, tmp_path):
    code, _, err = search(capsys, tmp_path, "--trials", "2", "--lr", "1e5:1e6", "--epochs", "2")
    assert code == 1
    assert err.startswith("linclass: all 2 trials diverged") and "lower --lr" in err
    assert "Traceback" not in err
    assert len(read_csv(tmp_path / "trials.csv")) == 2
    assert not (tmp_path / "model.npz").exists()


@pytest.mark.parametrize("flags", [
    ("--lr", "1e-1:1e-3"), ("--lr", "abc"), ("--lr", "0:1"), ("--reg-strength=-1:1",),
    ("--trials", "0"), ("--jobs", "-2"),
])
def test_bad_flag_values_are_usage_errors(capsys, tmp_path, flags):
    with pytest.raises(SystemExit) as exit_info:
        main(["search", "--data", "digits", "--out", str(tmp_path), *flags])
    assert exit_info.value.code == 2
    assert "must be" in capsys.readouterr().err


def test_no_validation_split_is_a_usage_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["search", "--data", "digits", "--out", str(tmp_path / "s"), "--val-size", "0"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.startswith("linclass search: --val-size: must be > 0")
    assert not (tmp_path / "s").exists()


def test_random_trials_are_log_uniform_and_seeded():
    ranges = {"lr": (1e-4, 1e-1), "reg_strength": (1e-3, 1e1)}
    pairs = sample_trials(ranges, 2000, rng=np.random.default_rng(0))
    log_lr = np.log10([p["lr"] for p in pairs])
    log_reg = np.log10([p["reg_strength"] for p in pairs])
    assert log_lr.min() >= -4 and log_lr.max() <= -1 and log_reg.min() >= -3
    # uniform in the exponent: each decade gets about a third of the learning rates
    counts = np.histogram(log_lr, bins=[-4, -3, -2, -1])[0]
    assert np.all(np.abs(counts - 2000 / 3) < 100)
    assert pairs == sample_trials(ranges, 2000, rng=np.random.default_rng(0))
