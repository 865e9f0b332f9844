#!/usr/bin/env python
"""Evaluate retrieval and answers on the SQuAD v1.1 dev set. See `--help`.

``--index postgresql://user@host/db`` evaluates the PostgreSQL store (the corpus is built into
that database); without it the index is a folder cached under the work folder.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.runner import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
