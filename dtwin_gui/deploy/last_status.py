"""The last known status of a deployment, kept in its workspace for when the app reopens.

Saved after every status refresh and every deploy/destroy; loaded at once when the Status
page opens (shown as "as of 14:02, refreshing…" until the live probe answers). The report
holds only public outputs (Terraform's sensitive ones never reach it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from dtwin_gui.deploy.status import LayerStatus, ResourceStatus, StatusReport
from dtwin_gui.deploy.workspace import DeploymentWorkspace

log = logging.getLogger(__name__)

FILE_NAME = "last_status.json"
FORMAT = 1


@dataclass
class SavedStatus:
    """A status report and when it was taken (aware UTC)."""

    report: StatusReport
    saved_at: datetime


def last_status_file(workspace: DeploymentWorkspace):
    return workspace.root / FILE_NAME


def report_to_json(report: StatusReport) -> dict:
    data = report.to_json()
    data["setup"] = [r.__dict__ for r in report.setup]
    return data


def report_from_json(data: dict) -> StatusReport:
    """Inverse of :func:`report_to_json`; ``KeyError``/``TypeError`` on a broken document."""
    layers = {
        key: LayerStatus(
            layer=value["layer"],
            cloud=value["cloud"],
            state=value["state"],
            resources=[ResourceStatus(**r) for r in value.get("resources", [])],
            missing=list(value.get("missing", [])),
        )
        for key, value in data["layers"].items()
    }
    return StatusReport(
        target=data["target"],
        twin_name=data["twin_name"],
        layers=layers,
        outputs=dict(data.get("outputs") or {}),
        setup=[ResourceStatus(**r) for r in data.get("setup", [])],
    )


def save_last_status(
    workspace: DeploymentWorkspace, report: StatusReport, *, now: datetime | None = None
) -> SavedStatus:
    """Write ``report`` (atomically, 0600) as the deployment's last known status."""
    moment = now or datetime.now(UTC)
    workspace.write_json(
        last_status_file(workspace),
        {"format": FORMAT, "saved_at": moment.isoformat(), "report": report_to_json(report)},
    )
    return SavedStatus(report, moment)


def load_last_status(workspace: DeploymentWorkspace) -> SavedStatus | None:
    """The saved status, or None when there is none; a broken file is logged and ignored."""
    path = last_status_file(workspace)
    if not path.exists():
        return None
    data = workspace.read_json(path, None)
    try:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a saved status of this version")
        moment = datetime.fromisoformat(data["saved_at"])
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return SavedStatus(report_from_json(data["report"]), moment)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        log.warning("ignoring the last status in %s: it cannot be read (%s)", path, exc)
        return None
