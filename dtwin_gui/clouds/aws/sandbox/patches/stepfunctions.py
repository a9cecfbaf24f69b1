"""Step Functions calls the aws provider makes but moto lacks.

* ``ValidateStateMachineDefinition``: the definition must be JSON with ``StartAt`` and
  ``States``, every state a known ``Type``, every ``StartAt``/``Next``/``Default`` naming a
  state (nested ``Parallel`` branches and ``Map`` processors included). Problems are
  reported as ``ERROR`` diagnostics with ``result: FAIL``, like AWS; a full ASL validation
  (paths, intrinsic functions, JSONata) is not attempted.
* ``ListStateMachineVersions``: always empty (the sandbox never publishes versions).
"""

from __future__ import annotations

import json

from dtwin_gui.clouds.aws.sandbox.gateway import Request, Response
from dtwin_gui.clouds.aws.sandbox.patches._common import header, json_response

_TARGET = "AWSStepFunctions."
_JSON10 = "application/x-amz-json-1.0"
_STATE_TYPES = {"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}


def _diagnostic(code: str, message: str, location: str | None = None) -> dict:
    entry = {"severity": "ERROR", "code": code, "message": message}
    if location:
        entry["location"] = location
    return entry


def _check_machine(machine: object, location: str, out: list[dict]) -> None:
    if not isinstance(machine, dict):
        out.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "must be an object", location))
        return
    states = machine.get("States")
    start = machine.get("StartAt")
    if not isinstance(states, dict) or not states:
        out.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "States is required", location))
        return
    if not isinstance(start, str):
        out.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "StartAt is required", location))
    elif start not in states:
        out.append(
            _diagnostic(
                "MISSING_TRANSITION_TARGET",
                f"StartAt {start!r} is not a state",
                f"{location}/StartAt",
            )
        )
    for name, state in states.items():
        where = f"{location}/States/{name}"
        if not isinstance(state, dict) or state.get("Type") not in _STATE_TYPES:
            out.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "unknown or missing Type", where))
            continue
        targets = [state.get("Next"), state.get("Default")]
        targets += [c.get("Next") for c in state.get("Choices") or [] if isinstance(c, dict)]
        for target in targets:
            if target is not None and target not in states:
                out.append(
                    _diagnostic("MISSING_TRANSITION_TARGET", f"{target!r} is not a state", where)
                )
        for i, branch in enumerate(state.get("Branches") or []):
            _check_machine(branch, f"{where}/Branches[{i}]", out)
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                _check_machine(state[key], f"{where}/{key}", out)


def validate_definition(definition: object) -> list[dict]:
    """Diagnostics for a state machine definition (a JSON string); empty when valid."""
    if not isinstance(definition, str):
        return [_diagnostic("SCHEMA_VALIDATION_FAILED", "definition is required")]
    try:
        machine = json.loads(definition)
    except ValueError as exc:
        return [_diagnostic("INVALID_JSON_DESCRIPTION", f"definition is not JSON: {exc}")]
    diagnostics: list[dict] = []
    _check_machine(machine, "", diagnostics)
    return diagnostics


def _interceptor(request: Request) -> Response | None:
    target = header(request, "X-Amz-Target") or ""
    if request.method != "POST" or not target.startswith(_TARGET):
        return None
    operation = target[len(_TARGET) :]
    if operation == "ValidateStateMachineDefinition":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = {}
        diagnostics = validate_definition(body.get("definition"))
        result = "FAIL" if diagnostics else "OK"
        return json_response(
            200, {"result": result, "diagnostics": diagnostics, "truncated": False}, _JSON10
        )
    if operation == "ListStateMachineVersions":
        return json_response(200, {"stateMachineVersions": []}, _JSON10)
    return None


def install(gateway, emulator) -> None:
    gateway.add_interceptor(_interceptor)
