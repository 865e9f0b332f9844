#!/usr/bin/env python
"""Calibrate NEWSQA_ANSWER_MIN_SCORE on SQuAD dev. See `--help`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.calibrate import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
