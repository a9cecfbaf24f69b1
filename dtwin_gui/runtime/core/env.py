"""Environment contracts: each function declares the variables it reads, in one place.

Terraform modules set exactly these variables (a test parses the HCL to prove parity); a
function whose required variable is missing fails at start with a message naming it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class MissingEnvironment(RuntimeError):
    """A required environment variable is not set."""


@dataclass(frozen=True)
class EnvVar:
    name: str
    required: bool
    meaning: str
    secret: bool = False


@dataclass(frozen=True)
class EnvContract:
    """The variables one function reads."""

    role: str
    variables: tuple[EnvVar, ...]
    #: Groups of optional variables of which at least one must be set.
    one_of: tuple[tuple[str, ...], ...] = ()

    def names(self) -> list[str]:
        return [v.name for v in self.variables]

    def required(self) -> list[str]:
        return [v.name for v in self.variables if v.required]

    def load(self, environ: Mapping[str, str]) -> dict[str, str | None]:
        """The declared variables from ``environ``; raise if a required one is missing."""
        missing = [n for n in self.required() if not environ.get(n)]
        missing += [
            " or ".join(group) for group in self.one_of if not any(environ.get(n) for n in group)
        ]
        if missing:
            raise MissingEnvironment(
                f"function {self.role!r} cannot start: required environment variable(s) "
                f"{', '.join(missing)} not set"
            )
        return {v.name: environ.get(v.name) or None for v in self.variables}

    def to_json(self) -> list[dict]:
        return [
            {"name": v.name, "required": v.required, "meaning": v.meaning, "secret": v.secret}
            for v in self.variables
        ]
