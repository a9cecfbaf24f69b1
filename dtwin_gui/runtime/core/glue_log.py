"""What the glue logs through: structured events (event name, sentence, fields).

A function passes its own :class:`~.log.FunctionLog` (it has this shape); without one the glue
writes the same one-JSON-object-per-line entries to the ``dtwin.runtime.glue`` logger (on
stdout, through :func:`~.log.runtime_logger`), so its lines never break a function's
structured log. No secret is ever a field.
"""

from __future__ import annotations

import json
import logging
from typing import Protocol

from dtwin_gui.runtime.core.log import log_time, runtime_logger

LOGGER_NAME = "dtwin.runtime.glue"


class GlueLog(Protocol):
    def info(self, event: str, message: str, **fields: object) -> None: ...

    def warning(self, event: str, message: str, **fields: object) -> None: ...

    def error(self, event: str, message: str, **fields: object) -> None: ...


class JsonLineLog:
    """The default :class:`GlueLog`: JSON lines in the shape of :mod:`.log`."""

    def __init__(self, function: str = "glue") -> None:
        self.function = function
        # Through the runtime's own logger: the same stdout lines whether or not a
        # FunctionLog was made first (it once depended on that, and on test order).
        self._logger = runtime_logger(LOGGER_NAME.removeprefix("dtwin.runtime."))

    def info(self, event: str, message: str, **fields: object) -> None:
        self._emit(logging.INFO, event, message, fields)

    def warning(self, event: str, message: str, **fields: object) -> None:
        self._emit(logging.WARNING, event, message, fields)

    def error(self, event: str, message: str, **fields: object) -> None:
        self._emit(logging.ERROR, event, message, fields)

    def _emit(self, level: int, event: str, message: str, fields: dict) -> None:
        if not self._logger.isEnabledFor(level):
            return
        entry = {
            "time": log_time(),
            "level": logging.getLevelName(level),
            "function": self.function,
            "trace_id": fields.pop("trace_id", None),
            "device_id": fields.pop("device_id", None),
            "event": event,
            "message": message,
            **fields,
        }
        self._logger.log(level, "%s", json.dumps(entry, ensure_ascii=False, default=str))


def device_of(payload: object) -> str | None:
    """The payload's ``device_id`` when it has one (so failures can be found by device)."""
    device = payload.get("device_id") if isinstance(payload, dict) else None
    return device if isinstance(device, str) else None
