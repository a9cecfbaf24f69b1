"""S3 conditional writes made atomic, as S3 makes them.

moto checks ``If-None-Match: *`` / ``If-Match`` of ``PutObject`` and ``DeleteObject`` and
then writes, without a lock between the two: two writers racing for one lock object (the
twin's deploy lock, Terraform's ``.tflock``) could both be told they made it. This
interceptor passes every conditional S3 write to moto one at a time, so the check and the
write are one step, as on S3. Other requests are not touched.
"""

from __future__ import annotations

import threading

from dtwin_gui.clouds.aws.sandbox.gateway import Request, Response
from dtwin_gui.clouds.aws.sandbox.patches._common import header, service_of

_CONDITIONAL = ("if-none-match", "if-match")


class ConditionalWrites:
    def __init__(self, gateway) -> None:
        self.gateway = gateway
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response | None:
        if request.method not in ("PUT", "DELETE") or service_of(request) != "s3":
            return None
        if not any(header(request, name) for name in _CONDITIONAL):
            return None
        with self._lock:
            return self.gateway.forward(request)


def install(gateway, emulator) -> None:
    gateway.add_interceptor(ConditionalWrites(gateway))
