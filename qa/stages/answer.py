"""Stage "answer": the best retrieved sentences, verbatim, each with its citation (qa.answer)."""

from __future__ import annotations

from qa.answer import Answerer
from qa.holder import Snapshot
from qa.pipeline import STAGES, Services, State
from qa.settings import AnswerSettings, Settings


class AnswerStage:
    name = "answer"
    uses_index = True

    def __init__(self, settings: AnswerSettings, answerer: Answerer) -> None:
        self.answerer = answerer
        self.passages_needed = settings.answer_passages

    def run(self, state: State, snapshot: Snapshot) -> None:
        state.answer = self.answerer.answer(state.request.question, state.query_vector, state.passages,
                                            snapshot.index)


@STAGES.register("answer")
def _answer(settings: Settings, services: Services) -> AnswerStage:
    return AnswerStage(settings.answer, Answerer(services.encoder, settings.answer))
