#!/usr/bin/env python
"""Evaluate retrieval and answers on the SQuAD v1.1 dev set. See `--help`.

``--index postgresql://user@host/db`` evaluates the PostgreSQL store (the corpus is built into
that database); without it the index is a folder cached under the work folder.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evaluation.runner import main  # noqa: E402


def with_index(argv: list[str]) -> list[str]:
    """``--index LOCATION`` (or ``--index=LOCATION``) becomes the runner's ``--set index_dir=LOCATION``."""
    out, args = [], iter(argv)
    for arg in args:
        if arg == "--index":
            out += ["--set", f"index_dir={next(args, '')}"]
        elif arg.startswith("--index="):
            out += ["--set", "index_dir=" + arg.split("=", 1)[1]]
        else:
            out.append(arg)
    return out


if __name__ == "__main__":
    sys.exit(main(with_index(sys.argv[1:])))
