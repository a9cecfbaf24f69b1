"""A warm Lambda 'container': runs one function package's handler for many invocations.

Executed by file path (``python lambda_worker.py CODE_DIR HANDLER``) so that it imports
nothing from the dtwin installation: the package in CODE_DIR is first on ``sys.path``, as in
Lambda. Standard library only.

Protocol: the host writes one JSON line per invocation on stdin
(``{"event": ..., "request_id": ..., "deadline_ms": ...}``); the worker answers one JSON line
on the protocol pipe (the original stdout): ``{"ok": true, "result": ...}`` or
``{"ok": false, "error": {"errorType", "errorMessage", "stackTrace"}}``. Anything the
function prints goes to stderr, which the host collects as the function's log. After each
invocation, before its answer, the worker writes ``END RequestId: <id>`` on stderr (as Lambda
does), so the host knows every line of that invocation has reached the log.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback

END_MARKER = "END RequestId: "


class Context:
    """The parts of the Lambda context object functions commonly use."""

    def __init__(self, request_id: str, deadline_ms: float) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        region = os.environ.get("AWS_REGION", "us-east-1")
        account = os.environ.get("DTWIN_SANDBOX_ACCOUNT", "123456789012")
        self.invoked_function_arn = (
            f"arn:aws:lambda:{region}:{account}:function:{self.function_name}"
        )
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "sandbox"
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int(self._deadline_ms - time.time() * 1000))


def main() -> int:
    code_dir, handler_spec = sys.argv[1], sys.argv[2]
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)  # the function's prints go to the log stream, not the protocol
    sys.stdout = sys.stderr
    sys.path.insert(0, code_dir)
    module_name, _, func_name = handler_spec.rpartition(".")
    try:
        handler = getattr(importlib.import_module(module_name), func_name)
    except Exception as exc:  # reported on every invocation, like Lambda's init error
        init_error = _error(exc)
        handler = None
    for line in sys.stdin:
        request = json.loads(line)
        answer = None
        if handler is None:
            reply = {"ok": False, "error": init_error}
        else:
            context = Context(request["request_id"], request["deadline_ms"])
            try:
                result = handler(request["event"], context)
                # Encoded once; an unserialisable result is the function's error.
                answer = json.dumps({"ok": True, "result": result})
            except Exception as exc:
                reply = {"ok": False, "error": _error(exc)}
        sys.stderr.write(f"\n{END_MARKER}{request['request_id']}\n")
        sys.stderr.flush()
        protocol.write((answer or json.dumps(reply, default=str)) + "\n")
    return 0


def _error(exc: BaseException) -> dict:
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc),
    }


if __name__ == "__main__":
    sys.exit(main())
