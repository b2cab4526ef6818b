"""The command line's manners: log lines off a terminal, bars that describe their epoch,
``--json`` failures, one-line usage errors naming the flag, a closed stdout, no folders left
behind, evaluate's split and confusion matrix, lazy command modules."""

import io
import json
import os
import subprocess
import sys

import pytest

from linclass import cli
from linclass.cli import COMMANDS, main
from linclass.cli._common import Progress, StageProgress


def linclass(*args, env=None):
    return subprocess.run([sys.executable, "-m", "linclass", *map(str, args)],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def test_off_a_terminal_progress_is_log_lines_with_rate_and_eta(tmp_path):
    done = linclass("train", "--solver", "minibatch", "--epochs", "4", "--out",
                    tmp_path / "m.npz", env={"LINCLASS_PROGRESS_SECONDS": "0"})
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("linclass: training")]
    assert [line.split()[2] for line in lines[:4]] == ["1/4", "2/4", "3/4", "4/4"]
    assert all("epoch/s" in line for line in lines)
    assert "ETA" in lines[0] and "done in" in lines[-1]
    assert any(line.startswith("linclass: features (train): ") for line in
               done.stderr.splitlines())


def test_a_bar_shows_the_numbers_of_the_epoch_it_counts():
    stream = io.StringIO()
    progress = StageProgress()
    progress.current = Progress(3, "training", "epoch", stream=stream)
    progress.current.interval = 0
    progress.stage = "training"
    for epoch, val in enumerate([0.5, 0.7, 0.6]):
        progress.epoch({"epoch": epoch, "epochs": 3, "loss": 1.0, "val_accuracy": val})
        progress("training", epoch + 1, 3)
    lines = stream.getvalue().splitlines()
    assert [line.split()[2] for line in lines[:3]] == ["1/3", "2/3", "3/3"]
    assert [line.rsplit("val=", 1)[1] for line in lines[:3]] == ["0.500", "0.700", "0.600"]


def test_a_growing_total_never_makes_the_percentage_go_back():
    stream = io.StringIO()
    bar = Progress(10, "loading", "img", stream=stream)
    bar.interval = 0
    bar.update(5)
    bar.set_total(20)  # an archive read as it streams
    bar.update(5)
    lines = stream.getvalue().splitlines()
    assert "(50%)" in lines[0] and "%" not in lines[1] and "10 img" in lines[1]


def test_json_failure_is_one_object_on_stdout_and_one_line_on_stderr(tmp_path):
    done = linclass("train", "--data", tmp_path / "missing", "--out", tmp_path / "m.npz",
                    "--json")
    assert done.returncode == 1
    error = json.loads(done.stdout)
    assert set(error) == {"error", "kind"} and error["kind"] == "DataError"
    assert "not found" in error["error"]
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith("linclass: ")


@pytest.mark.parametrize(("flags", "named"), [
    (["--features", "hog+sift"], "--features"),
    (["--reg-strength", "lots"], "--reg-strength"),
    (["--epochs", "2.5"], "--epochs"),
    (["--out", "."], "--out"),
    (["--out", "no/such/folder/m.npz"], "--out"),
])
def test_usage_errors_are_one_line_naming_the_flag(capsys, flags, named):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *flags])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "usage:" not in err
    assert err.startswith(f"linclass train: {named}: ")


def test_usage_error_with_json_prints_the_object_too(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--json", "--lr", "-1"])
    captured = capsys.readouterr()
    assert json.loads(captured.out)["kind"] == "usage"
    assert "--lr: must be a finite number > 0" in captured.err


def test_unwritable_out_is_refused_before_any_work(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        with pytest.raises(SystemExit) as exit_info:
            main(["train", "--out", str(locked / "m.npz")])
        assert exit_info.value.code == 2 and "--out: must be writable" in \
            capsys.readouterr().err
    finally:
        locked.chmod(0o700)


def test_messages_name_flags_not_parameters(tmp_path):
    done = linclass("train", "--val-size", "5000", "--out", tmp_path / "m.npz")
    assert done.returncode == 1
    assert done.stderr.startswith("linclass: --val-size must be") and "val_size" not in done.stderr


def test_a_closed_stdout_ends_quietly_with_exit_0():
    process = subprocess.Popen([sys.executable, "-m", "linclass", "gradcheck"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # as `| head` does once it has read enough
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert b"Broken pipe" not in err and b"Traceback" not in err


def test_a_failed_search_removes_the_folder_it_created(tmp_path):
    out = tmp_path / "new" / "search"
    done = linclass("search", "--data", tmp_path / "missing", "--out", out)
    assert done.returncode == 1 and "not found" in done.stderr
    assert not out.exists()


def test_evaluate_states_the_split_and_prints_the_confusion_matrix(tmp_path):
    model = tmp_path / "m.npz"
    assert linclass("train", "--solver", "minibatch", "--epochs", "2", "--out",
                    model).returncode == 0
    done = linclass("evaluate", "--model", model)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "on 1,797 rows of digits" in lines[0] and "no train/test parts" in lines[0]
    start = lines.index(next(line for line in lines if line.startswith("confusion matrix")))
    matrix = [[int(v) for v in line.split()[2:]] for line in lines[start + 2:start + 12]]
    assert sum(map(sum, matrix)) == 1797


def test_help_imports_no_command_module():
    code = ("import sys\nfrom linclass.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('linclass.cli.') or "
            "m in ('sklearn', 'scipy', 'torch', 'matplotlib')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip().splitlines()[-1] == "['linclass.cli._common']"
    for name in ("check", "cache", "export", "train", "search", "evaluate"):
        assert name in COMMANDS and name in done.stdout


def test_a_missing_command_module_is_one_line(monkeypatch, capsys):
    monkeypatch.setitem(cli.COMMANDS, "absent", "a command not installed")
    with pytest.raises(SystemExit) as exit_info:
        main(["absent"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "linclass.cli.absent is missing" in err


@pytest.mark.parametrize("command", ["train", "search"])
def test_a_bad_combination_of_settings_is_a_usage_error_in_flags(capsys, tmp_path, command):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--solver", "exact", "--loss", "svm", "--out", str(tmp_path / "x")])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"linclass {command}: --loss must be 'least_squares' with --solver "
                          "exact") and "Use --loss least_squares" in err
    assert not (tmp_path / "x").exists()
