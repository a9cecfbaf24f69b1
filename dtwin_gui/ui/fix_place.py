"""Where a failed plan or run is fixed, when that is another page of the app.

A run that fails because the project is invalid, or because a layer is on a cloud this
version cannot deploy, does not get better by trying again: the page offers "Go to Twin" or
"Go to Layers" instead. Read from the run's typed events (the failed phase and the project
diagnostics), never from message text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dtwin_gui.core.project import PROVIDERS
from dtwin_gui.core.run_events import DiagnosticEvent, LogEvent, PhaseEvent

LAYERS, TWIN = "layers", "twin"
#: The button text per place.
GO_TO = {LAYERS: "Go to Layers", TWIN: "Go to Twin"}


@dataclass
class FailureClues:
    """What a run's events said about how it failed (fed one event at a time)."""

    failed_phase: str = ""
    problems: list[DiagnosticEvent] = field(default_factory=list)
    crashed: bool = False  # an unexpected error (its traceback went to the run log)

    def feed(self, event) -> None:
        if isinstance(event, PhaseEvent) and event.state == "failed":
            self.failed_phase = self.failed_phase or event.phase
        elif (
            isinstance(event, DiagnosticEvent)
            and event.category == "project"
            and event.severity == "error"
        ):
            self.problems.append(event)
        elif isinstance(event, LogEvent) and event.source == "dtwin" and event.level == "error":
            self.crashed = True

    @property
    def place(self) -> str | None:
        """:data:`LAYERS`, :data:`TWIN` or None (the fix is not on another page)."""
        if self.failed_phase != "validate":
            return None
        if self.problems:
            on_layers = all(p.address.startswith(PROVIDERS) for p in self.problems)
            return LAYERS if on_layers else TWIN
        # The project is valid: what validate refuses then is the choice of clouds.
        return None if self.crashed else LAYERS

    def message(self, fallback: str) -> str:
        """The first problem itself, rather than only how many there are."""
        if not self.problems:
            return fallback
        first = self.problems[0]
        more = len(self.problems) - 1
        where = f" ({first.address})" if first.address else ""
        text = f"{first.summary}{where}"
        if more:
            text += f", and {more} more problem{'s' if more != 1 else ''}"
        return text

    def hint(self, fallback: str) -> str:
        """What to do, in the app's words (the engine's hint names the CLI)."""
        place = self.place
        if place == TWIN:
            return (
                "the Twin page lists the problems with their place: fix them, then make "
                "the plan again"
            )
        if place == LAYERS and self.problems:
            return "choose a cloud this version can deploy for that layer on the Layers page"
        return fallback
