"""What every command shares: the parser's manners, common flags, argument types, output and
progress.

Manners (one place for every command):

- a usage error (bad flag value, unknown name, unwritable ``--out``) is one line on stderr
  naming the flag, exit status 2; the usage block only with ``--help``;
- any other failure is one line ``linclass: ...`` on stderr, exit status 1; with ``--json``
  also one JSON object ``{"error": ..., "kind": ...}`` on stdout;
- progress: bars on a terminal, else a log line on stderr every
  ``LINCLASS_PROGRESS_SECONDS`` seconds (default :data:`LOG_SECONDS`).
"""

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

from linclass.errors import LinclassError

#: Seconds between two progress log lines when stderr is not a terminal.
LOG_SECONDS = 5.0


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line naming the flag (exit status 2).

    With ``--json`` among the arguments the error is also printed as one JSON object on
    stdout.
    """

    #: Set by :func:`linclass.cli.main` when ``--json`` is among the arguments.
    json_errors = False

    def error(self, message):
        message = re.sub(r"^argument ([^:]+): ", r"\1: ", message)
        usage_error(f"{self.prog}: {message} (see '{self.prog} --help')", "usage")


def usage_error(line, kind):
    """Print the one-line ``line`` (and the JSON object with ``--json``), exit status 2."""
    if Parser.json_errors:
        emit_json({"error": line, "kind": kind})
    print(line, file=sys.stderr)
    sys.exit(2)


def check_usage(args, check):
    """Run ``check()`` (a validation that reads no data); a ``ValueError`` is a usage error:
    one line naming the flags, exit status 2."""
    try:
        check()
    except ValueError as error:
        line = fail_line(error, args.flag_names).removeprefix("linclass: ")
        usage_error(f"linclass {args.command}: {line}", "usage")


def add_model_argument(parser, help="model file written by 'linclass train' (.npz)"):
    """``--model MODEL``, the model file every command that reads one takes."""
    parser.add_argument("--model", required=True, metavar="MODEL", help=help)


def common_parser():
    """Flags every command takes: ``--seed``, ``--json``, ``--debug``."""
    from linclass.config import TrainConfig

    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--seed", type=integer, default=TrainConfig.seed,
                        help="random seed (default: %(default)s)")
    parent.add_argument("--json", action="store_true",
                        help="print exactly one JSON object on stdout (also on failure)")
    parent.add_argument("--debug", action="store_true", help="show tracebacks on failure")
    return parent


def fail_line(error, flags=None):
    """The one-line message for a failure; ``flags`` maps Python parameter names to the flags
    that set them, so that the message names flags (``val_size must`` -> ``--val-size must``,
    ``skip_bad=True`` -> ``--skip-bad``, ``solver='exact'`` -> ``--solver exact``)."""
    if isinstance(error, LinclassError | ValueError | OSError):
        text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        for name, flag in (flags or {}).items():
            name = re.escape(name)
            text = re.sub(rf"(?<![\w-]){name}=True\b", flag, text)
            text = re.sub(rf"(?<![\w-]){name}='([^']*)'", rf"{flag} \1", text)
            text = re.sub(rf"(?<![\w-]){name}(?= must\b)", flag, text)
        return f"linclass: {text}"
    return (f"linclass: internal error: {type(error).__name__}: {error} "
            "(rerun with --debug for the traceback and report it)")


def flag_names(parser):
    """``{dest: '--flag'}`` of a parser's optional arguments (first long option string)."""
    names = {}
    for action in parser._actions:
        long = [s for s in action.option_strings if s.startswith("--")]
        if long and action.dest not in names:
            names[action.dest] = long[0]
    return names


# -- argument types ----------------------------------------------------------------------------


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


def integer(text):
    """argparse type: any integer."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {text!r}") from None


def output_file(text):
    """argparse type: a file path that can be written: not a directory, in an existing
    writable directory (checked before any work)."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"must be a file name, got the directory {text!r}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise argparse.ArgumentTypeError(f"must be in an existing directory, got {text!r} "
                                         f"({parent} does not exist)")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise argparse.ArgumentTypeError(f"must be writable, got {text!r} (permission denied)")
    return text


def output_dir(text):
    """argparse type: a directory that exists or can be created (checked before any work)."""
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"must be a directory, got the file {text!r}")
    existing = next(p for p in (path, *path.absolute().parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise argparse.ArgumentTypeError(f"must be writable, got {text!r} ({existing} is not "
                                         "a writable directory)")
    return text


# -- output ------------------------------------------------------------------------------------


def emit_json(result):
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()


def emit(args, result, text):
    """Print ``result`` as one JSON object with ``--json``, else the human-readable ``text``."""
    if args.json:
        emit_json(result)
    else:
        print(text, flush=True)


# -- progress ----------------------------------------------------------------------------------


class Progress:
    """Progress of one stage: a tqdm bar on a terminal, else a log line on stderr every few
    seconds (``stage: done/total unit (percent), rate, ETA``).

    The bar never goes backwards: when the total grows after the start (an archive read as it
    streams), the bar shows counts without a percentage. :meth:`set_postfix` before
    :meth:`update` shows the numbers of the step being counted (the epoch's ``val=``).
    """

    def __init__(self, total, desc, unit="it", *, stream=None):
        self.desc, self.unit, self.total, self.n = desc, unit, total, 0
        self.stream = sys.stderr if stream is None else stream
        self.postfix = {}
        self.bar = None
        self.start = self.last = time.monotonic()
        self.interval = float(os.environ.get("LINCLASS_PROGRESS_SECONDS", LOG_SECONDS))
        self.logged = False
        if _isatty(self.stream):
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=desc, unit=unit, file=self.stream, leave=False,
                            dynamic_ncols=True)

    def set_total(self, total):
        if total != self.total and self.n:
            total = None  # grown after the start: no percentage rather than one going back
        self.total = total
        if self.bar is not None:
            self.bar.total = total
            self.bar.refresh()

    def set_postfix(self, **values):
        self.postfix = values
        if self.bar is not None:
            self.bar.set_postfix(refresh=False, **values)

    def update(self, n=1):
        self.n += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            self._log(now)

    def close(self):
        if self.bar is not None:
            self.bar.close()
        elif self.logged:
            self._log(time.monotonic(), final=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _log(self, now, final=False):
        elapsed = max(now - self.start, 1e-9)
        rate = self.n / elapsed
        count = f"{self.n}/{self.total}" if self.total else f"{self.n}"
        parts = [f"linclass: {self.desc}: {count} {self.unit}"]
        if self.total:
            parts[0] += f" ({100 * self.n / self.total:.0f}%)"
        parts.append(f"{rate:.3g} {self.unit}/s")
        if final:
            parts.append(f"done in {_duration(elapsed)}")
        elif self.total and rate > 0:
            parts.append(f"ETA {_duration((self.total - self.n) / rate)}")
        parts += [f"{k}={v}" for k, v in self.postfix.items()]
        try:
            print(", ".join(parts), file=self.stream, flush=True)
        except OSError:  # a closed stderr does not stop the work
            return
        self.logged = True


def progress(total, desc, unit="it"):
    """A :class:`Progress` for ``total`` steps of ``desc``."""
    return Progress(total, desc, unit)


class StageProgress:
    """The library's ``progress(stage, done, total)`` as one :class:`Progress` per stage (the
    previous stage's closes when the next starts), and ``epoch(info)``, the training callback
    that puts the epoch's loss and validation accuracy on the bar before it is counted."""

    #: Unit shown per stage (``"img"`` when the stage is not listed).
    UNITS = {"training": "epoch", "search": "trial"}

    def __init__(self, enabled=True):
        self.enabled, self.current, self.stage, self.pending = enabled, None, None, None

    def __call__(self, stage, done, total):
        if not self.enabled:
            return
        if stage != self.stage:
            self.close()
            self.stage, self.current = stage, Progress(total, stage, self.UNITS.get(stage, "img"))
        if total != self.current.total:
            self.current.set_total(total)
        if self.pending is not None:
            self.current.set_postfix(**self.pending)
            self.pending = None
        if done > self.current.n:
            self.current.update(done - self.current.n)

    def epoch(self, info):
        """Training callback: the epoch's numbers, shown with the count that follows."""
        shown = {"loss": info.get("loss"), "val": info.get("val_accuracy")}
        self.pending = {k: f"{v:.3f}" for k, v in shown.items() if v is not None}

    def close(self):
        if self.current is not None:
            self.current.close()
        self.current, self.stage = None, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _duration(seconds):
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"
