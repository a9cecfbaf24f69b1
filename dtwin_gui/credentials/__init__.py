"""Credential sources per cloud, their checks, keyring storage and the saved choices.

Qt-free. Each ``check_*`` function blocks (network, subprocesses): call it on a worker. It
returns a :class:`CheckResult` and never raises for problems a user can fix; those become
``ok=False`` with a sentence saying what failed, why, and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CheckResult:
    """What a credential check found: who you are (``facts``) or why it failed."""

    cloud: str  # "aws" | "azure" | "google"
    ok: bool
    #: Label/value pairs for the page, e.g. ("Account", "123456789012"), ("Region", "...").
    facts: list[tuple[str, str]] = field(default_factory=list)
    #: On failure: what failed, why and what to do. On success: an optional remark.
    message: str = ""
    #: AWS only: the permission preflight (:class:`~dtwin_gui.clouds.aws.preflight.Preflight`).
    preflight: object | None = None

    def fact(self, label: str) -> str:
        return next((v for k, v in self.facts if k == label), "")
