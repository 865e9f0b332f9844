"""Stage "freshness": for questions about the present, say when the newest evidence is well before
the as-of date (the situation may have changed since) — unless the question names its own past period."""

from __future__ import annotations

from qa.pipeline import STAGES, Services, State
from qa.settings import Settings, TimeSettings


class FreshnessStage:
    name = "freshness"
    uses_index = False
    passages_needed = 0

    def __init__(self, settings: TimeSettings) -> None:
        self.freshness_days = settings.freshness_days

    def run(self, state: State, snapshot=None) -> None:
        answer, plan = state.answer, state.plan
        if answer is None or not (plan.present and answer.answerable):
            return
        if any(not w.relative and w.end < plan.as_of for w in plan.windows):
            return  # the question names its own past period: old evidence is what it asks for
        dates = [d for d in (c.passage.chunk.article.effective_date for c in answer.citations) if d is not None]
        if not dates:
            return
        lag = (plan.as_of - max(dates)).days
        if lag > self.freshness_days:
            state.freshness_note = (f"The newest source is {lag} days older than the as-of date ({plan.as_of}); "
                                    "the situation may have changed since.")


@STAGES.register("freshness")
def _freshness(settings: Settings, services: Services) -> FreshnessStage:
    return FreshnessStage(settings.time)
