"""Stage "corroborate": for each quoted sentence, other stories stating the same fact or another value."""

from __future__ import annotations

from index import Encoder
from qa.corroborate import Corroborator
from qa.holder import Snapshot
from qa.pipeline import STAGES, Services, State
from qa.settings import CorroborationSettings, Settings


class CorroborateStage:
    name = "corroborate"
    uses_index = True
    passages_needed = 0

    def __init__(self, settings: CorroborationSettings, encoder: Encoder) -> None:
        self.enabled = settings.corroboration
        self.corroborator = Corroborator(settings)
        self.encoder = encoder

    def run(self, state: State, snapshot: Snapshot) -> None:
        answer = state.answer
        if not self.enabled or answer is None or answer.method != "extractive":
            return
        index = snapshot.index
        quotes = []
        for c in answer.citations:
            article = c.passage.chunk.article
            vector = index.sentence_vectors(article.article_id, [c.start], article.revision).get(c.start)
            if vector is None:  # a sentence the index holds no vector of: embed it now
                vector = self.encoder.encode([c.quote])[0]
            quotes.append((c.quote, vector, article))
        # Every quote's similar sentences in one call: one round trip on a database store.
        for c, found in zip(answer.citations, self.corroborator.check_many(quotes, index, state.plan.as_of)):
            c.corroborated_by, c.conflicting = found


@STAGES.register("corroborate")
def _corroborate(settings: Settings, services: Services) -> CorroborateStage:
    return CorroborateStage(settings.corroborate, services.encoder)
