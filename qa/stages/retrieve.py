"""Stage "retrieve": the registered retrievers' rankings, fused, rescored, cut into distinct passages."""

from __future__ import annotations

from index import Encoder, Filters, IndexReader
from qa.holder import Snapshot
from qa.passages import distinct_passages
from qa.pipeline import STAGES, Services, State
from qa.retrievers import FUSIONS, MODES, RETRIEVERS, Hits, Retriever
from qa.settings import RetrievalSettings, Settings

#: Retrievers the index can run together in one call (``IndexReader.hybrid_search``): one round trip
#: instead of one per retriever on a database store.
TOGETHER = frozenset({"dense", "sentence", "keyword"})


class RetrieveStage:
    name = "retrieve"
    uses_index = True
    passages_needed = 0

    def __init__(self, settings: RetrievalSettings, encoder: Encoder) -> None:
        self.settings = settings
        self.encoder = encoder
        self.fuse = FUSIONS.get(settings.fusion)
        mode = settings.retrieval_mode
        self.retriever_names = MODES.get(mode) or tuple(name.strip() for name in mode.split(","))
        for name in self.retriever_names:
            RETRIEVERS.get(name)  # an unknown name fails at start-up, not on the first question
        self.together = set(self.retriever_names) <= TOGETHER

    def run(self, state: State, snapshot: Snapshot) -> None:
        request, plan = state.request, state.plan
        index = snapshot.index
        retrievers = [RETRIEVERS.create(name, index, self.settings) for name in self.retriever_names]
        state.query_vector = vector = self.encoder.encode([request.question])[0]
        top_k = max(request.top_k, state.passages_needed)
        depth = max(self.settings.candidates, top_k)
        while True:
            fused = self.fuse(self.rankings(retrievers, request.question, vector, depth, plan.filters, index),
                              self.settings)
            for rescorer in plan.rescorers():
                fused = rescorer.rescore(fused, index)
            state.passages = distinct_passages(fused, top_k, index)
            # Near-duplicates (syndicated copies) can fill every candidate: look deeper until top_k
            # distinct passages are found or every chunk has been considered.
            if len(state.passages) >= top_k or len(fused) < depth or depth >= index.chunk_count():
                return
            depth *= 4

    def rankings(self, retrievers: list[Retriever], question: str, vector, depth: int,
                 filters: Filters | None, index: IndexReader) -> dict[str, tuple[Hits, float]]:
        """Each retriever's ranked list with its fusion weight; the built-in ones in one call to the index."""
        if self.together:
            found = index.hybrid_search(question, vector, depth, filters, self.settings.title_weight,
                                        [r.name for r in retrievers])
            return {r.name: (found[r.name], r.weight) for r in retrievers}
        return {r.name: (r.search(question, vector, depth, filters), r.weight) for r in retrievers}


@STAGES.register("retrieve")
def _retrieve(settings: Settings, services: Services) -> RetrieveStage:
    return RetrieveStage(settings.retrieval, services.encoder)
