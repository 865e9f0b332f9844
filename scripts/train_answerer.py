#!/usr/bin/env python
"""Train the answer sentence scorer and write qa/answering/sentence_model.json. See `--help`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.answer_training import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
