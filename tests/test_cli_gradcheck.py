"""``linclass gradcheck``: the table, ``--json``, and the exit status."""

import json
import os
import subprocess
import sys

import pytest

import linclass as lc
from linclass.cli import main
from linclass.losses import LOSSES
from linclass.regularizers import REGULARIZERS

CHECK_KEYS = {"loss", "reg", "param", "max_relative_error", "worst_index", "verdict", "passed"}


def test_table_for_every_loss_and_regularizer(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["loss", "reg", "param"]
    assert "max rel. error" in out[0]
    rows = [line.split() for line in out[1:-1]]
    assert len(rows) == len(LOSSES) * len(REGULARIZERS) * 2
    assert {(r[0], r[1], r[2]) for r in rows} == {
        (loss, reg, p) for loss in LOSSES for reg in REGULARIZERS for p in ("W", "b")}
    for r in rows:
        assert float(r[3]) < 1e-4
    assert out[-1] == "all checks passed"


def test_json_is_one_object(capsys):
    assert main(["gradcheck", "--json", "--loss", "svm", "--loss", "softmax",
                 "--reg", "l2", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    result = json.loads(out)  # exactly one JSON document on stdout
    assert set(result) == {"passed", "dtype", "seed", "checks"}
    assert result["passed"] is True and result["dtype"] == "float64" and result["seed"] == 4
    assert [(c["loss"], c["reg"], c["param"]) for c in result["checks"]] == [
        ("svm", "l2", "W"), ("svm", "l2", "b"), ("softmax", "l2", "W"), ("softmax", "l2", "b")]
    for c in result["checks"]:
        assert set(c) == CHECK_KEYS
        assert c["max_relative_error"] < 1e-7 and c["verdict"] == "good"


def test_exit_1_when_a_check_fails(monkeypatch, capsys):
    # a deliberately broken loss (dscores off by a factor 2) registered like a real one
    def broken(scores, y, margin=1.0, smoothing=0.0):
        loss, dscores = lc.losses.softmax(scores, y)
        return loss, 2 * dscores

    def weighted_broken(scores, y, weights, *, margin=1.0, smoothing=0.0):
        loss, dscores = lc.losses.WEIGHTED["softmax"](scores, y, weights, margin=margin)
        return loss, 2 * dscores

    monkeypatch.setitem(LOSSES, "broken", broken)
    monkeypatch.setitem(lc.losses.WEIGHTED, "broken", weighted_broken)
    assert main(["gradcheck", "--loss", "broken", "--loss", "svm", "--reg", "none"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[-1] for line in out[1:3]] == ["wrong", "wrong"]
    assert out[-1] == "some checks FAILED"

    assert main(["gradcheck", "--json", "--loss", "broken", "--reg", "l2"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["passed"] is False
    assert {c["verdict"] for c in result["checks"]} == {"wrong"}


def test_float32_runs_in_float32_and_exit_status_follows_passed(capsys):
    code = main(["gradcheck", "--dtype", "float32", "--loss", "softmax", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert result["dtype"] == "float32"
    assert code == (0 if result["passed"] else 1)
    # float32 round-off shows: no check is as good as in float64
    assert all(c["max_relative_error"] > 1e-7 for c in result["checks"])


@pytest.mark.parametrize("argv", [["--loss", "hinge"], ["--reg", "l3"],
                                  ["--dtype", "float16"], ["--seed", "x"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["gradcheck", *argv])
    assert excinfo.value.code == 2
    err = capsys.readouterr().err
    assert f"{argv[0]}: " in err and len(err.strip().splitlines()) == 1  # one line, the flag


def test_console_script():
    # the installed entry point, as a user runs it
    script = os.path.join(os.path.dirname(sys.executable), "linclass")
    done = subprocess.run([script, "gradcheck", "--json", "--loss", "one_vs_all"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["passed"] and len(result["checks"]) == len(REGULARIZERS) * 2
    done = subprocess.run([script, "gradcheck", "--loss", "nope"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert "invalid choice: 'nope'" in done.stderr
