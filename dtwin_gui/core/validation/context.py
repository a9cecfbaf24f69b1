"""Shared state of one validation run: loaded files and the problems found so far."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dtwin_gui.core.jsonloc import JsonSyntaxError, LocatedJson, format_path, loads_located
from dtwin_gui.core.jsonloc import Path as JPath
from dtwin_gui.core.problems import Problem, Severity

FORMAT_DOC = "docs/project-format.md"


@dataclass
class Context:
    """Collects problems; loads each JSON file once, remembering value positions."""

    root: Path
    problems: list[Problem] = field(default_factory=list)
    _docs: dict[str, LocatedJson | None] = field(default_factory=dict)

    # --- reporting -----------------------------------------------------------------------
    def report(
        self,
        severity: Severity,
        file: str,
        path: JPath | str,
        message: str,
        hint: str,
        *,
        line: int | None = None,
        column: int | None = None,
        code: str = "",
    ) -> None:
        if isinstance(path, tuple):
            if line is None:
                doc = self._docs.get(file)
                pos = doc.position(path) if doc else None
                if pos:
                    line, column = pos
            path = format_path(path)
        problem = Problem(severity, file, path, message, hint, line, column, code)
        if problem not in self.problems:
            self.problems.append(problem)

    def error(self, file: str, path: JPath | str, message: str, hint: str, **kw) -> None:
        self.report(Severity.ERROR, file, path, message, hint, **kw)

    def warning(self, file: str, path: JPath | str, message: str, hint: str, **kw) -> None:
        self.report(Severity.WARNING, file, path, message, hint, **kw)

    # --- files ---------------------------------------------------------------------------
    def exists(self, rel: str) -> bool:
        """Whether ``rel`` is a file; False for a name no file can have (too long for the
        file system, a NUL byte...): the rule that built ``rel`` reports the bad name."""
        try:
            return (self.root / rel).is_file()
        except (OSError, ValueError):
            return False

    def json(self, rel: str, *, required: bool = False) -> LocatedJson | None:
        """The located document of ``rel``, or None (missing or broken: reported once)."""
        if rel in self._docs:
            return self._docs[rel]
        doc = None
        path = self.root / rel
        if not path.is_file():
            if required:
                self.error(
                    rel,
                    "",
                    "required file is missing",
                    f"create {rel}; its format is described in {FORMAT_DOC}",
                    code="missing-file",
                )
        else:
            try:
                doc = loads_located(path.read_text(encoding="utf-8"))
            except UnicodeDecodeError as exc:
                self.error(
                    rel,
                    "",
                    f"the file is not UTF-8 text ({exc.reason})",
                    "save the file with UTF-8 encoding",
                    code="encoding",
                )
            except JsonSyntaxError as exc:
                self.error(
                    rel,
                    "",
                    f"invalid JSON: {exc.reason}",
                    "fix the syntax at this position (JSON needs double quotes, "
                    "no trailing commas, no comments)",
                    line=exc.line,
                    column=exc.column,
                    code="json-syntax",
                )
            except OSError as exc:
                self.error(
                    rel,
                    "",
                    f"cannot read the file: {exc.strerror}",
                    "check the file's permissions",
                    code="unreadable",
                )
        self._docs[rel] = doc
        return doc

    def position(self, rel: str, path: JPath) -> tuple[int, int] | None:
        doc = self._docs.get(rel)
        return doc.position(path) if doc else None
