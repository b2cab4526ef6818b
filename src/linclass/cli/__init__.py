"""The ``linclass`` command line: one module per command, each with ``add_parser`` and ``run``.

Exit status: 0 success, 2 usage error (argparse), 1 any other failure. Failures print one
line on stderr; ``--debug`` shows the traceback instead.
"""

import argparse
import importlib
import sys

from linclass import __version__
from linclass.cli._common import common_parser, fail_line

#: Sub-commands, each the module ``linclass.cli.<name>``.
COMMANDS = ("gradcheck", "demo", "train", "evaluate", "predict", "search", "report")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="linclass",
        description="Linear image classifiers from the loss up (CS231n's lecture as software).",
    )
    parser.add_argument("--version", action="version", version=f"linclass {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parent = common_parser()
    for name in COMMANDS:
        module = importlib.import_module(f"linclass.cli.{name}")
        sub = module.add_parser(subparsers, parent)
        sub.set_defaults(run=module.run)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("linclass: interrupted; no partial files were left behind.", file=sys.stderr)
        return 130
    except Exception as error:  # every failure is one line unless --debug
        if args.debug:
            raise
        print(fail_line(error), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
