#!/usr/bin/env python
"""Evaluate claim checks on the Wikinews claims set. See `--help`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.claims import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
