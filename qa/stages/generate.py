"""Stage "generate": optionally, an answer written by a chat endpoint whose every sentence cites a
given passage (qa.generate); off unless NEWSQA_LLM_URL is set, and gated by the extractive answer."""

from __future__ import annotations

import logging

from qa.answer import Answer, Citation
from qa.generate import ChatGenerator, GeneratorError, check_citations
from qa.passages import Passage
from qa.pipeline import STAGES, Services, State
from qa.settings import GeneratorSettings, Settings

log = logging.getLogger(__name__)


class GenerateStage:
    name = "generate"
    uses_index = False  # a remote call: the index snapshot is released before it

    def __init__(self, settings: GeneratorSettings, passages: int) -> None:
        self.generator = (ChatGenerator(settings.llm_url, settings.llm_model, settings.llm_api_key,
                                        settings.llm_timeout) if settings.llm_url else None)
        self.passages_needed = passages

    def run(self, state: State, snapshot=None) -> None:
        answer = state.answer
        if self.generator is None or answer is None or not answer.answerable:  # the extractive score gates it
            return
        state.answer = self.generate(state.request.question, state.passages[: self.passages_needed],
                                     answer.confidence) or answer

    def generate(self, question: str, passages: list[Passage], confidence: float | None) -> Answer | None:
        """A generated answer whose every sentence cites a given passage; None to fall back."""
        try:
            raw = self.generator.generate(question, passages)
        except GeneratorError as exc:
            log.warning("%s; using the extractive answer", exc)
            return None
        checked = check_citations(raw, len(passages))
        if checked.dropped:
            log.info("generator: dropped %d sentence(s) without a valid citation", checked.dropped)
        if not checked.text:
            return None
        citations = [Citation(n=n, passage=passages[n - 1], start=passages[n - 1].start, end=passages[n - 1].end,
                              quote=passages[n - 1].text, score=passages[n - 1].score) for n in sorted(checked.cited)]
        return Answer(checked.text, True, None, citations, method="generated", confidence=confidence)


@STAGES.register("generate")
def _generate(settings: Settings, services: Services) -> GenerateStage:
    return GenerateStage(settings.generator, settings.answer.answer_passages)
