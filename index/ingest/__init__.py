"""News as it is published: RSS/Atom feeds and the pages they link to, into the corpus folder.

``feeds`` reads feeds, ``fetch`` downloads politely, ``corpus`` writes articles in the seed
format, ``pipeline`` ties them together (``ingest_feeds``). Pages are read by
``index.formats.html`` and named by ``index.formats.urls``, as the build reads saved pages.
"""

from index.ingest.pipeline import IngestOptions, IngestReport, Outcome, ingest_feeds

__all__ = ["IngestOptions", "IngestReport", "Outcome", "ingest_feeds"]
