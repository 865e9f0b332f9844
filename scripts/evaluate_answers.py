#!/usr/bin/env python
"""Answer quality, declines and latency on held-out questions. See `--help`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.answer_eval import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
