#!/usr/bin/env python
"""Build or update the index from seeds/ (or --corpus DIR). See `--help`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.commands.build import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
