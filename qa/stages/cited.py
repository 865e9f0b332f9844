"""Stage "cited": the response's passages are the top_k asked for plus every passage an answer cites,
even when top_k is smaller than the number of passages answers draw on."""

from __future__ import annotations

from qa.pipeline import STAGES, Services, State
from qa.settings import Settings


class CitedStage:
    name = "cited"
    uses_index = False
    passages_needed = 0

    def run(self, state: State, snapshot=None) -> None:
        cited = {id(c.passage) for c in state.answer.citations} if state.answer else set()
        state.passages = [p for i, p in enumerate(state.passages) if i < state.request.top_k or id(p) in cited]


@STAGES.register("cited")
def _cited(settings: Settings, services: Services) -> CitedStage:
    return CitedStage()
