"""Which code files a project needs: one processor per device, one file per event action,
and the feedback function when rules send feedback to devices."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from dtwin_gui.core import project as files
from dtwin_gui.core.project import Project

FEEDBACK_FEATURE = "return_feedback_to_device"


class CodeKind(StrEnum):
    PROCESSOR = "processor"
    ACTION = "action"
    FEEDBACK = "feedback"


#: The function each kind must define and the arguments the runtime passes to it.
ENTRY_POINTS: dict[CodeKind, tuple[str, tuple[str, ...]]] = {
    CodeKind.PROCESSOR: ("process", ("event",)),
    CodeKind.ACTION: ("action", ("event", "rule")),
    CodeKind.FEEDBACK: ("feedback", ("event", "payload")),
}


@dataclass(frozen=True)
class CodeTarget:
    """One code file of the project: what it is for and where it lives."""

    kind: CodeKind
    #: device id, action name, or "feedback"
    name: str
    #: path relative to the project root (POSIX separators)
    rel_path: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def function(self) -> str:
        return ENTRY_POINTS[self.kind][0]

    @property
    def params(self) -> tuple[str, ...]:
        return ENTRY_POINTS[self.kind][1]

    @property
    def signature(self) -> str:
        return f"def {self.function}({', '.join(self.params)})"

    def path(self, root: Path) -> Path:
        return Path(root) / self.rel_path


def processor_target(device_id: str) -> CodeTarget:
    return CodeTarget(CodeKind.PROCESSOR, device_id, files.processor_file(device_id))


def action_target(name: str) -> CodeTarget:
    return CodeTarget(CodeKind.ACTION, name, files.action_file(name))


FEEDBACK_TARGET = CodeTarget(CodeKind.FEEDBACK, "feedback", files.FEEDBACK_FILE)


def feedback_needed(project: Project) -> bool:
    """Whether the runtime calls the feedback function (feature on and a rule sends some)."""
    return project.feature(FEEDBACK_FEATURE) and any(
        rule.feedback_device for rule in project.events
    )


def code_targets(project: Project) -> list[CodeTarget]:
    """Every code file ``project`` uses: processors, then actions, then feedback.

    The feedback file is listed when the runtime would call it, or when it exists anyway.
    """
    targets = [processor_target(device_id) for device_id in dict.fromkeys(project.device_ids)]
    targets += [action_target(name) for name in project.action_names]
    if feedback_needed(project) or FEEDBACK_TARGET.path(project.root).is_file():
        targets.append(FEEDBACK_TARGET)
    return targets
