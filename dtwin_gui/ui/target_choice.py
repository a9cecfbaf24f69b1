"""Where the open project deploys: the sandbox (default, no account) or a real AWS account.

The Credentials page sets it; the Review, Deploy and Status pages read it. Making the
:class:`~dtwin_gui.clouds.aws.connection.AwsConnection` may start the sandbox or resolve
credentials, so :meth:`TargetChoice.make_target` blocks and must be called on a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from dtwin_gui.clouds.aws.connection import AwsConnection, sandbox_target

SANDBOX, AWS = "sandbox", "aws"


def _sandbox() -> AwsConnection:
    from dtwin_gui.sandbox.daemon import ensure_running

    info = ensure_running()
    return sandbox_target(info.endpoint, info.region)


class TargetChoice(QObject):
    """The chosen target and a factory for it. ``changed`` fires on every change."""

    changed = Signal()

    def __init__(
        self,
        *,
        sandbox_factory: Callable[[], AwsConnection] = _sandbox,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._sandbox_factory = sandbox_factory
        self._aws_factory: Callable[[], AwsConnection] | None = None
        self.mode = SANDBOX
        #: One line for headers and the review page, e.g. "AWS · profile dev · eu-west-1".
        self.aws_label = ""

    @property
    def label(self) -> str:
        return "Sandbox (emulated AWS on this computer)" if self.mode == SANDBOX else self.aws_label

    @property
    def ready(self) -> bool:
        """True when a target can be made (the sandbox always; AWS once credentials are set)."""
        return self.mode == SANDBOX or self._aws_factory is not None

    def use_sandbox(self) -> None:
        if self.mode != SANDBOX:
            self.mode = SANDBOX
            self.changed.emit()

    def use_aws(self, factory: Callable[[], AwsConnection], label: str) -> None:
        """Deploy to AWS with ``factory()`` (called on a worker) making the target."""
        self.mode, self._aws_factory, self.aws_label = AWS, factory, label
        self.changed.emit()

    def make_target(self) -> AwsConnection:
        """The target to deploy to. Blocking: call on a worker thread."""
        if self.mode == SANDBOX:
            return self._sandbox_factory()
        if self._aws_factory is None:
            raise RuntimeError("no AWS credentials are set: check them on the Credentials page")
        return self._aws_factory()
