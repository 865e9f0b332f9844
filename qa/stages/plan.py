"""Stage "plan": how the question is read in time — the as-of date (clamped to a sane range), any
window the question names, and the recency preference for the rest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

from index import Filters
from qa.pipeline import STAGES, Plan, Services, State
from qa.retrievers import Recency
from qa.settings import Settings, TimeSettings
from qa.timeframe import asks_for_present, time_window

#: as_of dates outside [EARLIEST_AS_OF, today] are clamped, and the response says so.
EARLIEST_AS_OF = date(1800, 1, 1)


def today() -> date:
    return datetime.now(timezone.utc).date()


class PlanStage:
    name = "plan"
    uses_index = False
    passages_needed = 0

    def __init__(self, settings: TimeSettings) -> None:
        self.settings = settings

    def run(self, state: State, snapshot=None) -> None:
        request = state.request
        state.plan = self.plan(request.question, request.filters, request.as_of)

    def plan(self, question: str, filters: Filters | None, as_of: date | None) -> Plan:
        """Filters with the as-of date and any window the question names; recency for the rest.

        A window replaces recency (the question said when); otherwise a present-tense question gets
        ``recency_weight_present`` and any other ``recency_weight_default`` (both measured on the
        Wikinews dev set). Out-of-range as-of dates are clamped, and the plan's notes say so.
        """
        s = self.settings
        notes = []
        if as_of is not None and not EARLIEST_AS_OF <= as_of <= today():
            clamped = min(max(as_of, EARLIEST_AS_OF), today())
            notes.append(f"as_of {as_of} is {'in the future' if as_of > clamped else 'before ' + str(clamped)}; "
                         f"answered as of {clamped}")
            as_of = clamped
        as_of = as_of or today()
        filters = replace(filters or Filters(), as_of=as_of)
        plan = Plan(as_of=as_of, filters=filters, present=asks_for_present(question), notes=notes)
        window = time_window(question, as_of) if s.time_windows else None
        if window is not None:
            start = max(window.start, filters.published_after or window.start)
            end = min(window.end, filters.published_before or window.end)
            if start <= end:  # undated articles stay: the window is a reading of the question, not a user filter
                plan.window = window
                plan.filters = replace(filters, window=(window.start, window.end))
                return plan
            plan.notes.append(f"'{window.phrase}' ({window.start} to {window.end}) does not overlap the requested "
                              "dates; it was not applied")
        weight = s.recency_weight_present if plan.present else s.recency_weight_default
        plan.recency = Recency(as_of, weight, s.recency_half_life_days) if weight > 0 else None
        return plan


@STAGES.register("plan")
def _plan(settings: Settings, services: Services) -> PlanStage:
    return PlanStage(settings.time)
