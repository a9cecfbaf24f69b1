"""Make :class:`~dtwin_gui.deploy.orchestrator.Deployment` objects the way the GUI wants them:
with the user's Terraform settings. Blocking only in what the Deployment itself does."""

from __future__ import annotations

from pathlib import Path

from dtwin_gui.app import deploy
from dtwin_gui.clouds.base import Connection, Connections
from dtwin_gui.core.run_events import Sink
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.settings import load_settings


def open_deployment(
    project_root: Path, connections: Connections | Connection, sink: Sink | None = None
) -> Deployment:
    """A Deployment of ``project_root`` over ``connections`` using the saved app settings."""
    settings = load_settings().terraform_settings()
    return deploy.open_deployment(Path(project_root), connections, sink=sink, settings=settings)
