"""Structured function logs: one JSON object per line on stdout.

Every line carries ``level``, ``function``, ``trace_id``, ``device_id``, ``event`` (a short
machine-readable name such as ``rejected`` or ``processor-failed``) and ``message`` (a
sentence for people), plus any extra fields. Cloud log services (CloudWatch, Application
Insights, Cloud Logging) index JSON lines, so a failure can be found by device or trace id.
On a real Azure Function App the lines go through Python's logging to the Functions host
(the documented way into Application Insights), elsewhere to stdout.
"""

from __future__ import annotations

import json
import logging
import sys

LOGGER_NAME = "dtwin.runtime"


def log_time() -> str:
    """Now as an entry's ``time`` (UTC, milliseconds): a function's log file in the sandbox
    has no timestamps of its own, and Status reads when a hop last carried a message."""
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING}


class _StdoutHandler(logging.Handler):
    """Writes the message to the *current* ``sys.stdout`` (test capture swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(record.getMessage() + "\n")
        except Exception:  # pragma: no cover - logging must never break a function
            self.handleError(record)


def runtime_logger(child: str | None = None) -> logging.Logger:
    """The ``dtwin.runtime`` logger (or its ``child``), writing JSON lines to stdout.

    Configured on first use of *any* runtime logger, so every ``dtwin.runtime.*`` line (a
    function's, the glue's) takes the same path whichever was used first: to stdout once,
    never also to the platform's root handler.
    """
    logger = logging.getLogger(LOGGER_NAME)
    if on_azure_functions():
        # The Python worker sends what reaches the root logger to the host, which keeps it
        # in Application Insights under the function's invocation: one JSON line each.
        logger.setLevel(logging.DEBUG)
    elif not any(isinstance(h, _StdoutHandler) for h in logger.handlers):
        logger.addHandler(_StdoutHandler())
        # The platform's root handler would print each line a second time, unstructured.
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
    return logger.getChild(child) if child else logger


def on_azure_functions() -> bool:
    """On a real Function App (App Service sets ``WEBSITE_INSTANCE_ID``; the sandbox's host
    does not): the lines go through Python's logging to the host, not to stdout."""
    import os

    return bool(os.environ.get("WEBSITE_INSTANCE_ID"))


def level_from_env(value: str | None) -> int:
    """The level named by ``DTWIN_LOG_LEVEL`` (DEBUG, INFO or WARNING; default INFO)."""
    return _LEVELS.get((value or "INFO").strip().upper(), logging.INFO)


class FunctionLog:
    """The log of one function (``function`` is its topology or deployed name)."""

    def __init__(self, function: str, *, level: int | str = logging.INFO) -> None:
        self.function = function
        self.level = level_from_env(level) if isinstance(level, str) else level
        self._logger = runtime_logger()

    def enabled(self, level: int) -> bool:
        return level >= self.level

    def debug(self, event: str, message: str, **fields: object) -> None:
        self._emit(logging.DEBUG, event, message, fields)

    def info(self, event: str, message: str, **fields: object) -> None:
        self._emit(logging.INFO, event, message, fields)

    def warning(self, event: str, message: str, **fields: object) -> None:
        self._emit(logging.WARNING, event, message, fields)

    def error(self, event: str, message: str, **fields: object) -> None:
        self._emit(logging.ERROR, event, message, fields)

    def _emit(self, level: int, event: str, message: str, fields: dict) -> None:
        if level < self.level:
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
        self.write(level, entry)

    def write(self, level: int, entry: dict) -> None:
        """Send one structured entry (subclasses may also keep it)."""
        line = json.dumps(entry, ensure_ascii=False, sort_keys=False, default=str)
        self._logger.log(level, "%s", line)
