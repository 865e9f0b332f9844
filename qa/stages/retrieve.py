"""Stage "retrieve": the registered retrievers' rankings, fused, rescored, cut into distinct passages."""

from __future__ import annotations

from index import BatchedSearch, Encoder, Filters, IndexReader
from qa.holder import Snapshot
from qa.passages import distinct_passages
from qa.pipeline import STAGES, Services, State
from qa.retrievers import FUSIONS, MODES, RETRIEVERS, Hits, Retriever
from qa.retrievers.base import by_score
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
        wanted = max(request.offset + request.top_k, state.passages_needed)  # passages, or articles
        by_article = request.group == "article"
        # Articles, and passages in date order, are taken from every match of the pool, not a relevance page.
        whole_pool = by_article or request.sort != "relevance"
        depth = max(self.settings.candidates, wanted)
        while True:
            rankings = self.rankings(retrievers, request.question, vector, depth, plan.filters, index)
            for within in plan.also_within:
                rankings = merge_rankings(rankings, self.rankings(retrievers, request.question, vector, depth, within,
                                                                  index))
            fused = self.fuse(rankings, self.settings)
            for rescorer in plan.rescorers():
                fused = rescorer.rescore(fused, index)
            as_of = plan.filters.as_of if plan.filters else None
            state.pool_complete = depth >= index.chunk_count() or all(len(hits) < depth for hits, _ in rankings.values())
            if whole_pool:
                # Every matching passage of the pool is kept: the group stage counts, dates and pages all
                # of them. Below the floor, deeper candidates would not match either.
                matching = self.matching(fused)
                floored = len(matching) < len(fused)
                state.passages = distinct_passages(matching, None, index, as_of)
                found = (len({p.chunk.article.article_id for p in state.passages}) if by_article
                         else len(state.passages))
            else:
                floored = False
                state.passages = distinct_passages(fused, wanted, index, as_of)
                found = len(state.passages)
            # Near-duplicates (syndicated copies) and an article's several chunks can fill every candidate:
            # look deeper until enough distinct passages (or articles) are found or every chunk was considered.
            if found >= wanted or floored or len(fused) < depth or state.pool_complete:
                return
            depth *= 4

    def matching(self, fused: Hits) -> Hits:
        """The candidates scoring at least ``search_min_score_ratio`` of the best."""
        if not fused:
            return fused
        floor = max(score for _, score in fused) * self.settings.search_min_score_ratio
        return [hit for hit in fused if hit[1] >= floor]

    def rankings(self, retrievers: list[Retriever], question: str, vector, depth: int,
                 filters: Filters | None, index: IndexReader) -> dict[str, tuple[Hits, float]]:
        """Each retriever's ranked list with its fusion weight; the built-in ones in one call to the index."""
        if self.together and isinstance(index, BatchedSearch):
            found = index.hybrid_search(question, vector, depth, filters, self.settings.title_weight,
                                        [r.name for r in retrievers])
            return {r.name: (found[r.name], r.weight) for r in retrievers}
        return {r.name: (r.search(question, vector, depth, filters), r.weight) for r in retrievers}


def merge_rankings(base: dict[str, tuple[Hits, float]], extra: dict[str, tuple[Hits, float]]) -> dict[str, tuple[Hits, float]]:
    """Each retriever's hits from both, best score per chunk: a restricted retrieval scores like the
    unrestricted one, so its hits rank as if that one had looked deeper."""
    out = {}
    for name, (hits, weight) in base.items():
        best = dict(hits)
        for cid, score in extra.get(name, ([], weight))[0]:
            best[cid] = max(score, best.get(cid, score))
        out[name] = (by_score(best), weight)
    return out


@STAGES.register("retrieve")
def _retrieve(settings: Settings, services: Services) -> RetrieveStage:
    return RetrieveStage(settings.retrieval, services.encoder)
