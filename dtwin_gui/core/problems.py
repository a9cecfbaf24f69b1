"""Problems found in a project: what is wrong, where, and how to fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding. ``file`` is relative to the project root (POSIX separators).

    ``path`` is a JSON path such as ``$[0].properties[1].name`` for JSON files, or empty for
    code and whole-file findings. ``line``/``column`` are 1-based when known.
    """

    severity: Severity
    file: str
    path: str
    message: str
    hint: str = ""
    line: int | None = None
    column: int | None = None
    code: str = ""

    @property
    def location(self) -> str:
        """``file:line:column path`` as far as known, for humans."""
        where = self.file or "(project)"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.path and self.path != "$":
            where += f" {self.path}"
        return where

    def to_json(self) -> dict:
        data = asdict(self)
        data["severity"] = str(self.severity)
        return data


@dataclass
class ValidationReport:
    """Every problem of a project at once, errors and warnings apart."""

    root: str
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def valid(self) -> bool:
        return not self.errors

    def to_json(self) -> dict:
        return {
            "valid": self.valid,
            "errors": [p.to_json() for p in self.errors],
            "warnings": [p.to_json() for p in self.warnings],
        }
