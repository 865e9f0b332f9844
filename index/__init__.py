"""The build side, and the only face the query side sees.

``qa/`` imports from ``index`` alone (a test walks its imports): what it needs to open and
read an index, learn the live version, build, ingest feeds, and encode text is exported here.
"""

from index.ann import VectorIndexError
from index.build import BuildError, BuildReport, build_index
from index.build_ray import RayUnavailable, RayWorkers
from index.build_ray import connected as ray_connected
from index.dates import DateMention
from index.entities import ENTITY_KINDS, ENTITY_MODEL, Entity, entity_key, entity_name, load_entity_pipeline
from index.encoders import Encoder, ModelUnavailable, make_encoder
from index.errors import NewsQAError
from index.formats.urls import is_web_url
from index.ingest import IngestOptions, IngestReport, Outcome, ingest_feeds
from index.registry import Registry, UnknownChoice
from index.settings import PROJECT_ROOT, IndexSettings
from index.stores import (
    ArticleLookup, BatchedSearch, DeferredVectors, BuildInProgress, DateMentions, EntityMentions, FacetSource, IndexReader, IndexUnavailable, KeywordSearch, Store,
    RevisionHistory, TermStatistics, VectorSearch, open_store,
)
from index.types import Article, ArticleMeta, Facets, Filters, Manifest, Skipped, StoredChunk

__all__ = [
    "PROJECT_ROOT", "Article", "ArticleLookup", "ArticleMeta", "BatchedSearch", "DeferredVectors", "BuildError", "BuildInProgress", "BuildReport",
    "DateMention", "DateMentions", "ENTITY_KINDS", "ENTITY_MODEL", "Entity", "EntityMentions",
    "Encoder", "FacetSource", "Facets", "Filters", "IndexReader", "IndexSettings", "IndexUnavailable", "IngestOptions",
    "IngestReport", "KeywordSearch", "Manifest", "ModelUnavailable", "NewsQAError", "Outcome", "RayUnavailable",
    "RayWorkers", "Registry", "RevisionHistory", "Skipped", "Store", "StoredChunk", "TermStatistics", "UnknownChoice", "VectorIndexError",
    "VectorSearch", "build_index", "entity_key", "entity_name", "ingest_feeds", "is_web_url", "live_version", "load_entity_pipeline", "make_encoder", "open_index",
    "open_store", "ray_connected",
]


def open_index(location) -> IndexReader:
    """A reader of the live version at ``location``; raises ``IndexUnavailable`` saying why and what to do."""
    return open_store(location).open()


def live_version(location) -> str | None:
    """The id of the version now live at ``location`` (None before the first build)."""
    return open_store(location).live_version()
