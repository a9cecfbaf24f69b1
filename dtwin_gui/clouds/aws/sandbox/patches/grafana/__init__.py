"""Amazon Managed Grafana, emulated in memory (moto has none).

Two faces, as in AWS:

* the control plane (``grafana`` service, rest-json) that Terraform's ``aws_grafana_workspace``
  and our SDK steps call: workspaces (ACTIVE at once, deleted at once), configuration,
  authentication, permissions, tags, API keys, service accounts and their tokens;
* the Grafana HTTP API of each workspace, served by the gateway at
  ``http://127.0.0.1:<port>/_grafana/<workspace-id>/api/...``. ``DescribeWorkspace`` gives
  ``127.0.0.1:<port>/_grafana/<id>`` as the endpoint (AWS: ``<id>.grafana-workspace.<region>
  .amazonaws.com``), so clients build ``<scheme>://<endpoint>/api/...`` the same way for both.
  It serves data sources, dashboards, search, health and the data source proxy, checks the
  ``Bearer`` key (an API key or a service account token of that workspace, not expired) and
  the key's role (Viewer reads, Editor saves dashboards, Admin manages data sources).

Known gap: ``UntagResource`` sees only the last ``tagKeys`` value (the gateway keeps one value
per query parameter).

Modules: :mod:`.model` (objects, errors), :mod:`.api` (control-plane operations),
:mod:`.http_api` (the Grafana HTTP API), :mod:`.routing` (paths to operations, the hook).
"""

from __future__ import annotations

from dtwin_gui.clouds.aws.sandbox.patches.grafana.api import GrafanaBackend
from dtwin_gui.clouds.aws.sandbox.patches.grafana.http_api import GrafanaHttp, handle_http
from dtwin_gui.clouds.aws.sandbox.patches.grafana.model import ApiError
from dtwin_gui.clouds.aws.sandbox.patches.grafana.routing import handle_control, install, is_grafana

__all__ = [
    "ApiError",
    "GrafanaBackend",
    "GrafanaHttp",
    "handle_control",
    "handle_http",
    "install",
    "is_grafana",
]
