"""Where the open project deploys: the sandbox (default, no account) or the real clouds.

The Credentials page sets it; the Review, Deploy and Status pages read it. The connections
are made by :mod:`dtwin_gui.app.connections` (the sandbox's from the running daemon, the real
clouds' from the saved sign-in choices); making them may start the sandbox or resolve
credentials, so :meth:`TargetChoice.make_connections` (and :meth:`~TargetChoice.make_target`)
block and must be called on a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from dtwin_gui.app import connections as made
from dtwin_gui.clouds.base import Connection, Connections

SANDBOX, AWS = "sandbox", "aws"
#: The sandbox emulates every deployable cloud (AWS and Azure), not AWS alone.
SANDBOX_LABEL = "Sandbox (emulated clouds on this computer)"

#: Makes a deployment's connections: a Connections map, or one connection (one cloud).
Factory = Callable[[], Connections | Connection]


def _sandbox() -> Connections:
    return made.start_sandbox()


class TargetChoice(QObject):
    """The chosen target and a factory for it. ``changed`` fires on every change."""

    changed = Signal()

    def __init__(
        self,
        *,
        sandbox_factory: Factory = _sandbox,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._sandbox_factory = sandbox_factory
        self._aws_factory: Factory | None = None
        self.mode = SANDBOX
        #: One line for headers and the review page, e.g. "AWS · profile dev · eu-west-1".
        self.aws_label = ""

    @property
    def label(self) -> str:
        return SANDBOX_LABEL if self.mode == SANDBOX else self.aws_label

    @property
    def ready(self) -> bool:
        """True when a target can be made (the sandbox always; AWS once credentials are set)."""
        return self.mode == SANDBOX or self._aws_factory is not None

    def use_sandbox(self) -> None:
        if self.mode != SANDBOX:
            self.mode = SANDBOX
            self.changed.emit()

    def use_aws(self, factory: Factory, label: str) -> None:
        """Deploy to the real clouds with ``factory()`` (called on a worker) making the
        connections (see :func:`dtwin_gui.app.connections.from_choices`)."""
        self.mode, self._aws_factory, self.aws_label = AWS, factory, label
        self.changed.emit()

    def make_connections(self) -> Connections:
        """The connections of the deployment. Blocking: call on a worker thread."""
        if self.mode == SANDBOX:
            return Connections.wrap(self._sandbox_factory())
        if self._aws_factory is None:
            raise RuntimeError("no AWS credentials are set: check them on the Credentials page")
        return Connections.wrap(self._aws_factory())

    def make_target(self) -> Any:
        """The deployment's connections, as the Status page's status, trace, live values and
        secrets take them (each part asks the cloud hosting its layer). Blocking: call on a
        worker thread."""
        return self.make_connections()
