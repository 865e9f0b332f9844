"""Index stores: protocols in ``base``, one package or file per implementation, chosen by location.

A folder path selects the folder store; URL schemes (``postgresql://``) select others as they
are added here.
"""

from __future__ import annotations

from pathlib import Path

from index.stores.base import BuildInProgress, IndexReader, IndexUnavailable, IndexWriter, Store
from index.stores.folder import FolderStore

__all__ = ["BuildInProgress", "IndexReader", "IndexUnavailable", "IndexWriter", "Store", "open_store"]


def open_store(location: Path | str, keep_versions: int = 2) -> Store:
    """The store at ``location`` (settings reject URL schemes no store supports)."""
    return FolderStore(Path(location), keep_versions)
