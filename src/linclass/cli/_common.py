"""What every command shares: common flags, argument types, output and progress."""

import argparse
import json
import sys

from linclass.errors import LinclassError


def common_parser():
    """Flags every command takes: ``--seed``, ``--json``, ``--debug``."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parent.add_argument("--json", action="store_true",
                        help="print exactly one JSON object on stdout")
    parent.add_argument("--debug", action="store_true", help="show tracebacks on failure")
    return parent


def fail_line(error):
    """The one-line message for a failure."""
    if isinstance(error, LinclassError | ValueError | OSError):
        return f"linclass: {error}"
    return (f"linclass: internal error: {type(error).__name__}: {error} "
            "(rerun with --debug for the traceback and report it)")


def _number(parse, kind, lowest, allow_lowest):
    """An argparse type: ``parse(text)`` finite and above ``lowest`` (or equal, if allowed).

    A bad value raises ``ArgumentTypeError``, which argparse turns into a usage error (exit 2).
    """
    bound = f"{'>=' if allow_lowest else '>'} {lowest}"

    def check(text):
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {kind}, got {text!r}") from None
        ok = value >= lowest if allow_lowest else value > lowest
        if not ok or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be {kind} {bound}, got {text!r}")
        return value

    return check


#: argparse types: a finite float > 0, a finite float >= 0, an integer > 0.
positive_float = _number(float, "a finite number", 0, allow_lowest=False)
nonnegative_float = _number(float, "a finite number", 0, allow_lowest=True)
positive_int = _number(int, "an integer", 0, allow_lowest=False)


def emit(args, result, text):
    """Print ``result`` as one JSON object with ``--json``, else the human-readable ``text``."""
    if args.json:
        json.dump(result, sys.stdout)
        sys.stdout.write("\n")
    else:
        print(text)


def progress(total, desc, unit="it"):
    """A tqdm progress bar on stderr, shown only when stderr is a terminal."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, leave=False,
                disable=not sys.stderr.isatty(), dynamic_ncols=True)
