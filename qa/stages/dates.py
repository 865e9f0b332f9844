"""Stage "dates": each citation lists the dates its quote mentions (stored at build time, relative
ones resolved against the article's date), so a reader sees which day a sentence is about."""

from __future__ import annotations

from qa.holder import Snapshot
from qa.pipeline import STAGES, Services, State
from qa.settings import Settings


class DatesStage:
    name = "dates"
    uses_index = True
    passages_needed = 0

    def run(self, state: State, snapshot: Snapshot) -> None:
        citations = state.answer.citations if state.answer else []
        if not citations:
            return
        mentioned = snapshot.index.date_mentions([c.passage.chunk.id for c in citations])
        for c in citations:
            c.dates = [m for m in mentioned.get(c.passage.chunk.id, []) if c.start <= m.start and m.end <= c.end]


@STAGES.register("dates")
def _dates(settings: Settings, services: Services) -> DatesStage:
    return DatesStage()
