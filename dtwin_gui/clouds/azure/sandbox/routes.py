"""The interface between the Azure sandbox gateway and the emulations behind it (issue 14).

An emulation (IoT Hub, Digital Twins, Grafana) is a :class:`Route`: the gateway hands it every
request whose path starts with ``prefix`` (the path it sees is below the prefix) and sends back
what ``handle`` returns; ``None`` means "not mine" (the gateway answers 404). Emulations that
must reach a Function App (IoT Hub routing to the dispatcher) get a :class:`FunctionsBus`.

AzureRequest/AzureResponse are the shapes the emulations were written against
(``iothub_http.py``); they are re-exported here so new code imports them from this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from dtwin_gui.clouds.azure.sandbox.iothub_http import AzureRequest, AzureResponse

__all__ = ["AzureRequest", "AzureResponse", "FunctionsBus", "Route"]


class Route(Protocol):
    #: Path prefix the route serves, e.g. ``/iothub/<hub>``; no trailing slash.
    prefix: str

    def handle(self, request: AzureRequest) -> AzureResponse | None: ...


class FunctionsBus(Protocol):
    """How emulations call the Function Apps the sandbox hosts."""

    def deliver_event_grid(self, app: str, function: str, events: list[dict]) -> None:
        """Deliver Event Grid events to an app's Event Grid-triggered function; raises on failure
        (as Event Grid retries a failed delivery)."""
        ...

    def call_http(
        self, app: str, route: str, body: bytes, headers: Mapping[str, str]
    ) -> AzureResponse:
        """POST ``body`` to ``/<app>/api/<route>`` as the Functions host serves it."""
        ...
