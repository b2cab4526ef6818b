"""``linclass check FILE:FUNC``: the verdicts, ``--json``, and the exit status.

Until ``check`` is one of ``linclass.cli.COMMANDS``, the command module is driven through a
parser built here as ``linclass.cli.build_parser`` builds its commands'.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from linclass import cli
from linclass.cli import check as check_cli
from linclass.cli._common import common_parser

LEARNER = Path(__file__).parent / "fixtures_check" / "learner_code.py"


def main(argv):
    parser = argparse.ArgumentParser(prog="linclass")
    subparsers = parser.add_subparsers(dest="command", required=True)
    check_cli.add_parser(subparsers, common_parser())
    args = parser.parse_args(argv)
    return check_cli.run(args)


def target(name):
    return f"{LEARNER}:{name}"


def test_correct_function_passes_with_a_verdict_per_check(capsys):
    assert main(["check", target("svm_loss_vectorized"), "--no-speed"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == f"Checking {target('svm_loss_vectorized')}"
    assert lines[1] == "  signature: f(W, X, y, reg) -> (loss, dW) (detected)"
    assert lines[2].startswith("  loss:      svm (detected), compared with "
                               "linclass.losses.reference.svm")
    verdicts = [line for line in lines if line[:4] in ("PASS", "FAIL", "skip", "info")]
    assert len(verdicts) == 8 and all(v.startswith("PASS") for v in verdicts)
    assert verdicts[0].startswith("PASS  the lecture's examples: cat 2.9, car 0, frog 12.9")
    assert lines[-1] == "All 8 checks passed."
    assert "may print" in captured.err  # the learner's prints kept off stdout


def test_failure_shows_case_values_and_hint_and_exits_1(capsys):
    assert main(["check", target("svm_loss_with_half_penalty_gradient"), "--no-speed"]) == 1
    out = capsys.readouterr().out
    block = out.split("FAIL  random cases against the reference, float64")[1].split("FAIL")[0]
    assert "case:     random float64, N=8, D=5, C=3, reg=0.1" in block
    assert "expected" in block and "obtained" in block
    assert "hint:     your gradient is exactly 2x too small for the penalty term" in block
    assert out.splitlines()[-1].startswith("4 of 8 checks FAILED: random_float64, ")


def test_json_is_one_object(capsys):
    assert main(["check", target("softmax_loss_vectorized_unstable"), "--json",
                 "--no-speed"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["passed"] is False and result["loss"] == "softmax"
    assert result["target"] == target("softmax_loss_vectorized_unstable")
    (large,) = [c for c in result["checks"] if c["status"] == "failed"]
    assert large["name"] == "large_scores" and "overflows" in large["hint"]
    assert large["mismatches"][0]["quantity"] == "loss"


def test_flags_name_the_loss_and_signature(capsys):
    assert main(["check", target("softmax_scores"), "--loss", "softmax", "--signature",
                 "scores", "--json", "--no-speed"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["loss_source"], result["signature_source"]) == ("given", "given")


def test_speed_up_against_a_naive_file(capsys):
    assert main(["check", target("svm_loss_vectorized"), "--naive",
                 target("svm_loss_naive")]) == 0
    speed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("info")]
    assert len(speed) == 1 and "faster than svm_loss_naive (your naive version)" in speed[0]


@pytest.mark.parametrize("argv, message", [
    (["check", str(LEARNER)], "FILE:FUNC"),
    (["check", "missing_file.py:svm_loss_naive"], "an existing Python file"),
    (["check", f"{LEARNER}:svm_loss_fast"], "It defines:"),
    (["check", target("svm_loss_naive"), "--loss", "hinge"], "--loss must be one of"),
    (["check", target("svm_loss_vectorized"), "--naive", "nope.py:f"],
     "an existing Python file"),
])
def test_usage_errors_exit_2(argv, message, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
    assert captured.err.splitlines()[-1].startswith("linclass: ")


def test_bad_signature_flag_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["check", target("svm_loss_naive"), "--signature", "W"])
    assert exit_info.value.code == 2


def test_a_file_that_raises_on_import_fails_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy as np\n1 / 0\n")
    assert main(["check", f"{bad}:f"]) == 1
    assert capsys.readouterr().err == ("linclass: running bad.py raised ZeroDivisionError: "
                                       "division by zero\n")


def test_help_says_the_file_is_run_and_names_every_loss():
    from linclass.losses import LOSSES

    parser = argparse.ArgumentParser(prog="linclass")
    text = " ".join(check_cli.add_parser(parser.add_subparsers(), common_parser())
                    .format_help().split())
    assert "runs its code" in text
    names = text.split("--loss LOSS the loss it implements: ")[1].split(" (default")[0]
    assert set(names.replace(" or ", ", ").split(", ")) == set(LOSSES)


def test_through_linclass_main(capsys):
    assert "check" in cli.COMMANDS
    assert cli.main(["check", target("softmax_scores_modifying_scores"), "--no-speed"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  inputs left unchanged: modified scores" in out
    assert cli.main(["check", target("softmax_scores"), "--json", "--no-speed"]) == 0
    assert json.loads(capsys.readouterr().out)["passed"] is True
    assert cli.main(["check", "nope.py:f"]) == 2
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["check"])
    assert exit_info.value.code == 2


@pytest.mark.skipif("check" not in cli.COMMANDS, reason="'check' not yet registered")
def test_registered_command_exit_status():
    command = [sys.executable, "-m", "linclass", "check", target("svm_loss_vectorized"),
               "--no-speed", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and json.loads(done.stdout)["passed"] is True
    done = subprocess.run(command[:4] + [target("svm_loss_naive_without_division_by_n"),
                                         "--no-speed"], capture_output=True, text=True)
    assert done.returncode == 1 and "you do not divide by N" in done.stdout
    done = subprocess.run(command[:4] + ["nope.py:f"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("linclass: ")


def test_command_module_imports_no_numpy_work():
    # the checker (and the learner's file) load only when the command runs
    code = "import sys, linclass.cli.check; print('linclass.check' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
