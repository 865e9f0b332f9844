#!/usr/bin/env python
"""Evaluate time-aware retrieval and answers on the dated Wikinews dev set. See `--help`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.news import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
