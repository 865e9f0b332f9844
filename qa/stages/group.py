"""Stage "group": /search results as articles — one per article with a snippet and its other matching
passages, the matching articles ordered (relevance, newest, oldest) and cut to the requested page.

``group=passage`` keeps the passage list (in the same orders, paged by ``offset``). When results are grouped, retrieval
brings every matching passage of its candidate pool (see the retrieve stage), so the total and the
date order cover every matching article found, not just a page of them.
"""

from __future__ import annotations

from qa.grouping import ArticleResult, group_by_article, order
from qa.holder import Snapshot
from qa.pipeline import STAGES, Services, State
from qa.settings import SearchSettings, Settings
from qa.snippets import Snippets


class GroupStage:
    name = "group"
    uses_index = True  # snippets read stored sentence vectors
    passages_needed = 0

    def __init__(self, settings: SearchSettings) -> None:
        self.settings = settings

    def run(self, state: State, snapshot: Snapshot) -> None:
        request = state.request
        page = slice(request.offset, request.offset + request.top_k)
        if request.group != "article":  # each passage on its own, in the order asked
            ordered = order([ArticleResult(p) for p in state.passages], request.sort)
            state.passages = [r.best for r in ordered][page]
            return
        found = group_by_article(state.passages)
        state.total = len(found)
        state.total_exact = state.pool_complete
        state.articles = order(found, request.sort)[page]
        Snippets(request.question, state.query_vector, snapshot.index, self.settings.snippet_max_words).fill(
            state.articles)
        # The response's passages are the page's: each article's best, then its others.
        state.passages = [p for r in state.articles for p in (r.best, *r.more)]


@STAGES.register("group")
def _group(settings: Settings, services: Services) -> GroupStage:
    return GroupStage(settings.search)
