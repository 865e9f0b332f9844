"""The build side, and the only face the query side sees.

``qa/`` imports from ``index`` alone (a test walks its imports): what it needs to open and
read an index, learn the live version, build, and encode text is exported here.
"""

from index.build import BuildError, BuildReport, build_index
from index.dates import DateMention
from index.encoders import Encoder, ModelUnavailable, make_encoder
from index.errors import NewsQAError
from index.ingest import cli as ingest_cli
from index.registry import Registry, UnknownChoice
from index.settings import PROJECT_ROOT, IndexSettings
from index.stores import BuildInProgress, IndexReader, IndexUnavailable, Store, open_store
from index.types import Article, ArticleMeta, Facets, Filters, Manifest, Skipped, StoredChunk

__all__ = [
    "PROJECT_ROOT", "Article", "ArticleMeta", "BuildError", "BuildInProgress", "BuildReport", "DateMention", "Encoder",
    "Facets", "Filters", "IndexReader", "IndexSettings", "IndexUnavailable", "Manifest", "ModelUnavailable", "NewsQAError", "Registry", "Skipped",
    "Store", "StoredChunk", "UnknownChoice", "build_index", "ingest_cli", "live_version", "make_encoder", "open_index", "open_store",
]


def open_index(location) -> IndexReader:
    """A reader of the live version at ``location``; raises ``IndexUnavailable`` saying why and what to do."""
    return open_store(location).open()


def live_version(location) -> str | None:
    """The id of the version now live at ``location`` (None before the first build)."""
    return open_store(location).live_version()
