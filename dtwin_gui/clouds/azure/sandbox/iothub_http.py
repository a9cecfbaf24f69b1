"""The minimal request/response shapes the IoT Hub emulation is written against.

H3's gateway (clouds/azure/sandbox/routes.py) defines the shared AzureRequest/AzureResponse,
Route and FunctionsBus; until it lands the emulation uses these structurally equal local types
(method, path below the route prefix, query, lower-cased headers, raw body). Switch the import
in iothub.py when routes.py lands; the fields are the ones the design note names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class AzureRequest:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def json(self):
        return json.loads(self.body or b"null")


@dataclass(frozen=True)
class AzureResponse:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(cls, status: int, value, headers: dict[str, str] | None = None) -> AzureResponse:
        return cls(
            status,
            json.dumps(value).encode(),
            {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        )


class FunctionsBus(Protocol):
    def deliver_event_grid(self, app: str, function: str, events: list[dict]) -> None: ...
