#!/usr/bin/env python3
"""Run ``processFile.py`` from a checkout (the installed console script does the same)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lsstlite.tasks.processFile import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
