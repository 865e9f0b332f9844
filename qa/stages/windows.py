"""Stage "windows": after retrieval, each passage carries how it speaks about the question's windows
(the answer prefers such sentences), and when none does the plan's notes say so: the answer then
comes from the best evidence there is, not from nothing."""

from __future__ import annotations

from qa.holder import Snapshot
from qa.pipeline import STAGES, Services, State
from qa.settings import Settings
from qa.time_evidence import WindowEvidence, empty_window_note


class WindowsStage:
    name = "windows"
    uses_index = True
    passages_needed = 0

    def run(self, state: State, snapshot: Snapshot) -> None:
        plan = state.plan
        scored = [r for r in plan.evidence if isinstance(r, WindowEvidence)]
        if not plan.windows or not scored:
            return
        found = scored[0].found
        for p in state.passages:
            p.time_evidence = found.get(p.chunk.id, 0.0)
        if state.passages and not any(p.time_evidence > 0 for p in state.passages):
            dated = [p.chunk.article.effective_date for p in state.passages if p.chunk.article.effective_date]
            plan.notes.append(empty_window_note(plan.windows, max(dated) if dated else None))


@STAGES.register("windows")
def _windows(settings: Settings, services: Services) -> WindowsStage:
    return WindowsStage()
