"""Retrieval as components: retrievers, fusion methods and rescorers, each kind in one registry.

Importing this package registers every implementation in it.
"""

from qa.retrievers import embedding, fusion, keyword  # noqa: F401 - each module registers itself
from qa.retrievers.base import FUSIONS, MODES, RETRIEVERS, Hits, Rescorer, Retriever, by_score
from qa.retrievers.recency import Recency

__all__ = ["FUSIONS", "MODES", "RETRIEVERS", "Hits", "Recency", "Rescorer", "Retriever", "by_score"]
