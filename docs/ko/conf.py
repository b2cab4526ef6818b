"""Sphinx configuration of the Korean site (built into docs/_build/html/ko)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conf_common import configure  # noqa: E402

configure(globals(), "ko")
