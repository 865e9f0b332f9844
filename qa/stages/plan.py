"""Stage "plan": how the question is read in time — the as-of date (clamped to a sane range), the
windows the question names (evidence, never a cut), and the recency preference for the rest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

from index import Filters
from qa.pipeline import STAGES, Plan, Services, State
from qa.retrievers import Recency
from qa.settings import Settings, TimeSettings
from qa.time_evidence import TimeEvidenceSettings, WindowEvidence, candidate_filters
from qa.timeframe import asks_for_present, time_windows

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
        self.evidence = TimeEvidenceSettings(settings.time_evidence_weight, settings.time_evidence_lag_days,
                                             settings.time_evidence_mention_weight)

    def run(self, state: State, snapshot=None) -> None:
        request = state.request
        state.plan = self.plan(request.question, request.filters, request.as_of)

    def plan(self, question: str, filters: Filters | None, as_of: date | None) -> Plan:
        """Filters with the as-of date, the windows the question names, and recency for the rest.

        Only the caller's parameters filter; windows from the question's words are evidence in the
        ranking (a rescorer, and retrievals restricted to each window that add candidates;
        qa/time_evidence.py). A window replaces recency (the question said when); otherwise a
        present-tense question gets ``recency_weight_present`` and any other ``recency_weight_default``
        (both measured on the Wikinews dev set). Out-of-range as-of dates are clamped, and the notes say so.
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
        for window in time_windows(question, as_of) if s.time_windows else []:
            if window.planned or ((filters.published_after is None or window.end >= filters.published_after)
                                  and (filters.published_before is None or window.start <= filters.published_before)):
                plan.windows.append(window)
            else:
                plan.notes.append(f"'{window.phrase}' ({window.start} to {window.end}) does not overlap the "
                                  "requested dates; it was not used")
        if plan.windows and self.evidence.weight > 0:
            plan.evidence.append(WindowEvidence(plan.windows, self.evidence))
            plan.also_within = [replace(filters, **{name: span}) for window in plan.windows
                                for name, span in candidate_filters(window, self.evidence.lag_days,
                                                                    self.evidence.mention_weight > 0)]
            return plan
        weight = s.recency_weight_present if plan.present else s.recency_weight_default
        plan.recency = Recency(as_of, weight, s.recency_half_life_days) if weight > 0 else None
        return plan


@STAGES.register("plan")
def _plan(settings: Settings, services: Services) -> PlanStage:
    return PlanStage(settings.time)
