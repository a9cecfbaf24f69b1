"""Make :class:`~dtwin_gui.deploy.orchestrator.Deployment` objects the way the GUI wants them:
with the user's Terraform settings. Blocking only in what the Deployment itself does."""

from __future__ import annotations

from pathlib import Path

from dtwin_gui.clouds.aws.connection import AwsConnection
from dtwin_gui.core.run_events import Sink
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.settings import load_settings


def open_deployment(
    project_root: Path, target: AwsConnection, sink: Sink | None = None
) -> Deployment:
    """A Deployment of ``project_root`` to ``target`` using the saved app settings."""
    settings = load_settings().terraform_settings()
    return Deployment(Path(project_root), target, sink=sink, settings=settings)
