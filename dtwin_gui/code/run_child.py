"""Child process of a test run: load the user's file, call it once, print the result.

Run as ``python -m dtwin_gui.code.run_child`` with a JSON request on stdin::

    {"kind": "processor" | "action" | "feedback", "path": "/abs/file.py",
     "name": "<device id or action name>", "args": {"event": {...}, ...}}

It writes one JSON object to its original stdout: ``{"ok", "output"}`` or ``{"ok": false,
"error", "line", "file"}``. Whatever the user's code prints goes to stderr, so it can never
corrupt the result. Loading and calling use the cloud runtime's own functions, so a test
run behaves as the deployed function does.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from dtwin_gui.runtime.core.events import FeedbackError, build_feedback
from dtwin_gui.runtime.core.processing import (
    UserCodeError,
    _user_position,
    call_user,
    load_action,
    load_feedback,
    load_processor,
    run_processor,
)

_LOADERS = {"processor": load_processor, "action": load_action, "feedback": load_feedback}


def _failed(error: str, line: int | None = None, file: str | None = None) -> dict:
    return {"ok": False, "error": error, "line": line, "file": file}


def _call(kind: str, function, name: str, args: dict) -> dict:
    event = args["event"]
    if kind == "processor":
        outcome = run_processor(function, event, name)
        if not outcome.ok:
            return _failed(outcome.error or "the processor failed", outcome.line, outcome.file)
        return {"ok": True, "output": outcome.record}
    second = args["rule"] if kind == "action" else args["payload"]
    call = call_user(function, dict(event), dict(second))
    if not call.ok:
        return _failed(call.error or f"{kind}() failed", call.line, call.file)
    if kind == "feedback":
        try:  # the runtime's checks of a feedback message, applied to the value we got
            return {"ok": True, "output": build_feedback(event, second, lambda *_: call.value)}
        except FeedbackError as exc:
            return _failed(str(exc))
    return {"ok": True, "output": call.value}


def run(request: dict) -> dict:
    """Load and call the user's function as described by ``request``."""
    kind = request["kind"]
    path = Path(request["path"])
    try:
        try:
            function = _LOADERS[kind](path)
        except UserCodeError as exc:
            return _failed(str(exc), exc.line, exc.path.name)
        return _call(kind, function, request.get("name", ""), request["args"])
    except BaseException as exc:  # SystemExit, KeyboardInterrupt raised by the user's code
        line, file = _user_position(exc, path.resolve().parent)
        return _failed(f"the code stopped the test run: {type(exc).__name__}: {exc}", line, file)


def main() -> int:
    result_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # anything written to fd 1 from now on (prints, C code) goes to stderr
    sys.stdout = sys.stderr
    try:
        request = json.load(sys.stdin)
        result = run(request)
    except Exception as exc:
        result = _failed(f"the test run could not start: {type(exc).__name__}: {exc}")
    sys.stderr.flush()
    result_out.write(json.dumps(result, default=repr))
    result_out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
