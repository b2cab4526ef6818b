"""The ``linclass`` command line: one module per command, each with ``add_parser`` and ``run``.

:data:`COMMANDS` names every command with its one-line help, so ``linclass --help`` imports no
command module; a command's module is imported only when it runs or its ``--help`` is asked.

Exit status: 0 success (also when stdout is closed early, ``linclass ... | head``), 2 usage
error, 1 any other failure. Failures print one line on stderr (and, with ``--json``, one JSON
object ``{"error": ..., "kind": ...}`` on stdout); ``--debug`` shows the traceback instead.
"""

import importlib
import os
import sys

from linclass import __version__
from linclass.cli._common import Parser, emit_json, fail_line, flag_names

#: Sub-commands: name -> one-line help; each is the module ``linclass.cli.<name>``.
COMMANDS = {
    "train": "train a linear classifier and save the model",
    "evaluate": "measure a model's accuracy on a dataset",
    "predict": "classify image files with a model",
    "search": "search the training settings on the validation split",
    "report": "write a model's figures (PNG) and an index.html",
    "export": "export a model's weights for use elsewhere",
    "cache": "show or clear the data and feature cache",
    "check": "check your own loss function against the lecture's",
    "gradcheck": "check analytic gradients against numerical ones",
    "demo": "open the interactive demo in a browser",
}

DESCRIPTION = "Linear image classifiers from the loss up (CS231n's lecture as software)."


def build_parser(command=None):
    """The parser: every command listed, only ``command``'s module imported (its flags)."""
    parser = Parser(prog="linclass", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"linclass {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                       parser_class=Parser)
    if command is None:
        for name, text in COMMANDS.items():
            subparsers.add_parser(name, help=text, add_help=False)
        return parser, None
    from linclass.cli._common import common_parser

    module = _command_module(command)
    sub = module.add_parser(subparsers, common_parser())
    sub.set_defaults(run=module.run)
    return parser, sub


def _command_module(name):
    try:
        return importlib.import_module(f"linclass.cli.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"linclass.cli.{name}":
            raise
        print(f"linclass: the command '{name}' is not available in this installation "
              f"(linclass.cli.{name} is missing)", file=sys.stderr)
        sys.exit(1)


def _command(argv):
    """The command named in ``argv`` (its first word that is not an option), or ``None``."""
    for word in argv:
        if word == "--":
            return None
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    Parser.json_errors = "--json" in argv
    parser, sub = build_parser(_command(argv))
    args = parser.parse_args(argv)  # without a known command: help, version or usage error
    args.flag_names = flag_names(sub)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("linclass: interrupted; no partial files were left behind.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _closed_stdout()
    except SystemExit:
        raise
    except Exception as error:  # every failure is one line unless --debug
        if args.debug:
            raise
        line = fail_line(error, args.flag_names)
        if args.json and os.environ.get("RANK", "0") == "0":  # one object, from rank 0
            try:
                emit_json({"error": line.removeprefix("linclass: "),
                           "kind": type(error).__name__})
            except BrokenPipeError:
                _closed_stdout()
        print(line, file=sys.stderr)
        return 1


def _closed_stdout():
    """stdout was closed by its reader (``| head``): end quietly, exit 0. stdout is pointed
    at /dev/null so that the interpreter's last flush does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


__all__ = ["COMMANDS", "build_parser", "main"]

if __name__ == "__main__":
    sys.exit(main())
