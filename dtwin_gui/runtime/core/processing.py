"""Running the user's code: processors, event actions and feedback shapers.

The user's file is loaded from its path (its folder goes on ``sys.path`` so it may import
modules next to it). A call never lets the user's exception escape: it becomes a failed
:class:`Outcome` naming the device, the trace id, the error and the line in the user's file,
and the next message is processed as usual.

Limitation: sibling modules are imported by their plain name, so two user folders loaded
into one process (the in-process pipeline) must not both ship a helper of the same name.
Inside the clouds each function holds one user folder, so this never arises there.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dtwin_gui.runtime.core.log import FunctionLog
from dtwin_gui.runtime.core.ports import Invoker
from dtwin_gui.runtime.core.records import RecordError, check_record

_RUNTIME_DIR = Path(__file__).resolve().parents[1]


class UserCodeError(RuntimeError):
    """The user's file cannot be loaded (missing, syntax error, failing import, no function)."""

    def __init__(self, message: str, *, path: Path, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


# --------------------------------------------------------------------------- loading


def load_function(path: str | Path, name: str, *, role: str = "processor") -> Callable:
    """The function ``name`` defined by the Python file at ``path``."""
    path = Path(path).resolve()
    if not path.is_file():
        raise UserCodeError(f"{role} code not found: {path}", path=path)
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:12]
    module_name = f"dtwin_user_{role.replace('-', '_')}_{digest}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise UserCodeError(f"{path} is not a Python file that can be imported", path=path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and pickling in user code need this
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(module_name, None)
        raise UserCodeError(
            f"{path.name} line {exc.lineno}: syntax error: {exc.msg}", path=path, line=exc.lineno
        ) from exc
    except Exception as exc:
        sys.modules.pop(module_name, None)
        line, _ = _user_position(exc, path.parent)
        raise UserCodeError(
            f"{path.name} line {line}: importing it failed: {type(exc).__name__}: {exc}",
            path=path,
            line=line,
        ) from exc
    function = getattr(module, name, None)
    if not callable(function):
        raise UserCodeError(
            f"{path.name} must define a function {name}(...); none was found", path=path
        )
    return function


def load_processor(path: str | Path) -> Callable[[dict], dict]:
    """``process(event) -> dict`` from ``processors/<device_id>/process.py``."""
    return load_function(path, "process", role="processor")


def load_action(path: str | Path) -> Callable[[dict, dict], dict | None]:
    """``action(event, rule) -> dict | None`` from ``event_actions/<name>/action.py``."""
    return load_function(path, "action", role="action")


def load_feedback(path: str | Path) -> Callable[[dict, dict], dict]:
    """``feedback(event, payload) -> dict`` from ``event_feedback/feedback.py``."""
    return load_function(path, "feedback", role="event-feedback")


# --------------------------------------------------------------------------- calling


@dataclass(frozen=True)
class UserCall:
    """What a call into user code gave: its value, or the error and where it happened."""

    ok: bool
    value: object = None
    error: str | None = None
    line: int | None = None
    file: str | None = None


def _code_dir(function: Callable) -> Path | None:
    try:
        return Path(inspect.getfile(function)).resolve().parent
    except (TypeError, OSError):
        return None


def _user_position(exc: BaseException, user_dir: Path | None) -> tuple[int | None, str | None]:
    """Line and file of the innermost traceback frame in the user's folder.

    Without a known folder: the innermost frame outside this runtime package.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        where = Path(frame.filename).resolve()
        inside_user = user_dir is not None and where.is_relative_to(user_dir)
        outside_runtime = user_dir is None and not where.is_relative_to(_RUNTIME_DIR)
        if inside_user or outside_runtime:
            return frame.lineno, where.name
    return None, None


def call_user(function: Callable, *args: object) -> UserCall:
    """Call user code; its exception becomes a failed :class:`UserCall`, never escapes."""
    try:
        return UserCall(True, function(*args))
    except Exception as exc:
        line, file = _user_position(exc, _code_dir(function))
        return UserCall(False, error=f"{type(exc).__name__}: {exc}", line=line, file=file)


# --------------------------------------------------------------------------- processors


@dataclass(frozen=True)
class Outcome:
    """The result of one processor run."""

    ok: bool
    device_id: str
    trace_id: str
    record: dict | None = None
    error: str | None = None
    line: int | None = None
    file: str | None = None

    def to_json(self) -> dict:
        out: dict = {
            "status": "processed" if self.ok else "failed",
            "device_id": self.device_id,
            "trace_id": self.trace_id,
        }
        if self.ok:
            out["record"] = self.record
        else:
            out.update(error=self.error, line=self.line, file=self.file)
        return out


_GIVE_BACK = "return the event you were given, with your changes"


def _checked_result(result: object, record: dict) -> dict:
    """The processor's result as a record, or :class:`RecordError` saying what is wrong."""
    if not isinstance(result, dict):
        raise RecordError(f"process() returned {type(result).__name__}, not a dict; {_GIVE_BACK}")
    if "device_id" not in result:
        raise RecordError(f"process() returned a dict without device_id; {_GIVE_BACK}")
    out = dict(result)
    for key in ("device_id", "timestamp", "trace_id"):
        if key not in out and key in record:
            out[key] = record[key]  # a dropped reserved key comes back
        elif key in record and out[key] != record[key]:
            raise RecordError(
                f"process() changed {key} from {record[key]!r} to {out[key]!r}; "
                "device_id, timestamp and trace_id must stay as they are"
            )
    try:
        check_record(out)
    except RecordError as exc:
        raise RecordError(f"process() returned an invalid record: {exc}") from None
    return out


def run_processor(process: Callable[[dict], object], record: dict, device_id: str) -> Outcome:
    """Run ``process`` on a copy of ``record``; failures become ``Outcome(ok=False)``."""
    trace_id = record.get("trace_id") if isinstance(record, dict) else None
    trace_id = trace_id if isinstance(trace_id, str) else ""
    try:
        check_record(record)
    except RecordError as exc:
        return Outcome(False, device_id, trace_id, error=f"the input is not a record: {exc}")
    if record["device_id"] != device_id:
        return Outcome(
            False,
            device_id,
            trace_id,
            error=f"a record of {record['device_id']!r} reached the processor of {device_id!r}",
        )
    call = call_user(process, dict(record))
    if not call.ok:
        return Outcome(False, device_id, trace_id, error=call.error, line=call.line, file=call.file)
    try:
        out = _checked_result(call.value, record)
    except RecordError as exc:
        return Outcome(False, device_id, trace_id, error=str(exc))
    return Outcome(True, device_id, trace_id, record=out)


def processor_handler(
    record: dict,
    process: Callable[[dict], object],
    *,
    device_id: str,
    persister: str,
    invoker: Invoker,
    log: FunctionLog,
) -> dict:
    """The processor function's core: run the user's code, then hand the record on.

    A failure of the user's code is logged (device, trace id, error, line) and returned; it
    is not raised, so the platform does not retry a message the code cannot handle.
    """
    outcome = run_processor(process, record, device_id)
    if not outcome.ok:
        where = f" (line {outcome.line} of {outcome.file})" if outcome.line else ""
        log.error(
            "processor-failed",
            f"the processor of {device_id} failed: {outcome.error}{where}",
            device_id=device_id,
            trace_id=outcome.trace_id,
            error=outcome.error,
            line=outcome.line,
            file=outcome.file,
        )
        return outcome.to_json()
    try:
        invoker.invoke(persister, outcome.record, wait=False)
    except Exception as exc:
        log.error(
            "invoke-failed",
            f"could not hand the record to {persister}: {type(exc).__name__}: {exc}",
            device_id=device_id,
            trace_id=outcome.trace_id,
            target=persister,
        )
        raise
    log.debug("processed", "record processed", device_id=device_id, trace_id=outcome.trace_id)
    return outcome.to_json()
