"""``linclass check``: check your own loss function against the lecture and the reference."""

import contextlib
import sys

from linclass.cli._common import emit, fail_line

#: Exit status of a usage error (as argparse's): a bad FILE:FUNC, a missing file or function.
USAGE_ERROR = 2


def add_parser(subparsers, parent):
    p = subparsers.add_parser(
        "check", parents=[parent],
        help="check your own loss function (e.g. the assignment's svm_loss_naive)",
        description="Check a loss function you wrote: the lecture's worked examples, random "
                    "cases against linclass's reference loops (float64 and float32), a "
                    "gradient check, edge cases (one example, every margin satisfied, scores "
                    "that overflow a naive softmax), whether it changes its inputs, and the "
                    "speed-up of a vectorized version. Each failed check shows its first "
                    "failing case, the expected and obtained values and a hint. Accepts the "
                    "CS231n assignment's f(W, X, y, reg) -> (loss, dW) and linclass's "
                    "f(scores, y) -> (loss, dscores). Note: FILE is imported, which runs its "
                    "code, as `python FILE` would. Exit 1 when a check fails, 2 on a usage "
                    "error.")
    p.add_argument("target", metavar="FILE:FUNC",
                   help="the Python file and the function in it, e.g. "
                        "linear_svm.py:svm_loss_naive")
    p.add_argument("--loss", metavar="LOSS",
                   help="the loss it implements: svm, softmax, squared_hinge, "
                        "crammer_singer, one_vs_all or least_squares (default: detected)")
    p.add_argument("--signature", choices=["assignment", "scores"],
                   help="assignment: f(W, X, y, reg) -> (loss, dW); scores: f(scores, y) -> "
                        "(loss, dscores) (default: detected)")
    p.add_argument("--naive", metavar="FILE:FUNC",
                   help="your naive version, to measure the speed-up against (default: "
                        "linclass's reference loop; not measured for a function named *naive*)")
    p.add_argument("--no-speed", dest="speed", action="store_false",
                   help="skip the speed-up measurement (about a second)")
    return p


def run(args):
    from linclass import check
    from linclass.losses import LOSSES

    if args.loss is not None and args.loss not in LOSSES:
        return _usage(f"--loss must be one of {', '.join(LOSSES)}, got {args.loss!r}.")
    # the learner's code may print: keep stdout for the report (one JSON object with --json)
    with contextlib.redirect_stdout(sys.stderr):
        try:
            func = check.load_function(*check.parse_target(args.target))
            naive = None if args.naive is None else check.load_function(
                *check.parse_target(args.naive))
        except ValueError as error:  # no such file or function
            return _usage(str(error))
        except ImportError as error:  # running the file raised: the learner's code fails
            print(f"linclass: {error}", file=sys.stderr)
            return 1
        report = check.check_function(func, args.loss, signature=args.signature, naive=naive,
                                      speed=args.speed, seed=args.seed, target=args.target)
    emit(args, report.to_dict(), str(report))
    return 0 if report.passed else 1


def _usage(message):
    print(fail_line(ValueError(message)), file=sys.stderr)
    return USAGE_ERROR
