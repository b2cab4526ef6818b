"""``python -m linclass`` (and ``torchrun -m linclass``) runs the command line."""

import sys

from linclass.cli import main

sys.exit(main())
