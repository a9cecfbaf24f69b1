"""Turning the older project's cloud-specific functions into dtwin's provider-neutral code.

The older project kept one function per device (processors), per event action and one for
feedback, written for one cloud: AWS ``lambda_handler(event, context)``, Google
``main(request)`` or Azure Functions v2 HTTP apps. dtwin wants ``process(event)``,
``action(event, rule)`` and ``feedback(event, payload)``.

The original code is only parsed with :mod:`ast`, never imported. Where its shape allows, it
is kept unchanged as ``legacy_handler.py`` and a generated wrapper calls it, renaming the
record keys (``device_id``/``timestamp`` <-> ``iotDeviceId``/``time``). Otherwise the
original is kept for reference, a pass-through is written, and the report says what to port.
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from string import Template
from typing import Literal

from dtwin_gui.core.importer.safe_extract import Action, ImportEntry

Kind = Literal["processor", "action", "feedback"]

#: Per cloud: the older project's folder of functions and the file holding the entry point.
CLOUD_LAYOUTS: dict[str, tuple[str, str]] = {
    "aws": ("lambda_functions", "lambda_function.py"),
    "google": ("cloud_functions", "main.py"),
    "azure": ("azure_functions", "function_app.py"),
}
CLOUD_TITLES = {"aws": "AWS Lambda", "google": "Google Cloud Functions", "azure": "Azure Functions"}
FALLBACK_ORDER = ("aws", "google", "azure")
FEEDBACK_FOLDERS = ("event-feedback", "event_feedback")
#: The older tool's processor for devices without their own.
DEFAULT_PROCESSOR = "_default"
LEGACY_FILE = "legacy_handler.py"
#: Modules that talk to a cloud: a feedback function importing one sent the message itself.
CLOUD_SDKS = frozenset({"boto3", "botocore", "google", "azure", "paho", "awsiot", "awscrt"})
#: Build output of the older tool, never worth carrying over.
_JUNK_SUFFIXES = (".zip", ".pyc")


@dataclass(frozen=True)
class KindInfo:
    """What dtwin expects of one kind of user code."""

    folder: str
    file: str
    signature: str
    passthrough: str
    title: str


KINDS: dict[str, KindInfo] = {
    "processor": KindInfo(
        "processors/{name}",
        "process.py",
        "def process(event: dict) -> dict:",
        "return event",
        "Processor for {name}",
    ),
    "action": KindInfo(
        "event_actions/{name}",
        "action.py",
        "def action(event: dict, rule: dict) -> dict | None:",
        "return None",
        "Event action {name}",
    ),
    "feedback": KindInfo(
        "event_feedback",
        "feedback.py",
        "def feedback(event: dict, payload: dict) -> dict:",
        "return dict(payload)",
        "Feedback to devices",
    ),
}


def target_folder(kind: Kind, name: str) -> str:
    """Where dtwin keeps the code of ``kind`` named ``name`` (relative to the project)."""
    return KINDS[kind].folder.format(name=name)


def target_file(kind: Kind, name: str) -> str:
    """The file dtwin loads for ``kind`` named ``name``, e.g. ``processors/d1/process.py``."""
    return f"{target_folder(kind, name)}/{KINDS[kind].file}"


# --------------------------------------------------------------------------- finding code


@dataclass(frozen=True)
class FunctionSource:
    """One function folder of the older project."""

    cloud: str
    kind: Kind
    name: str
    folder: str
    files: tuple[str, ...]

    @property
    def entry_file(self) -> str | None:
        """The file holding the entry point, when present."""
        expected = f"{self.folder}/{CLOUD_LAYOUTS[self.cloud][1]}"
        return expected if expected in self.files else None


def find_function_sources(paths: Iterable[str]) -> list[FunctionSource]:
    """Group ``paths`` (relative to the project root) into the function folders they form."""
    groups: dict[tuple[str, Kind, str, str], list[str]] = {}
    for path in paths:
        key = _function_key(path)
        if key is not None:
            groups.setdefault(key, []).append(path)
    return [
        FunctionSource(cloud, kind, name, folder, tuple(sorted(files)))
        for (cloud, kind, name, folder), files in sorted(groups.items())
    ]


def _function_key(path: str) -> tuple[str, Kind, str, str] | None:
    parts = path.split("/")
    cloud = next((c for c, (top, _) in CLOUD_LAYOUTS.items() if parts[0] == top), None)
    if cloud is None or len(parts) < 3:
        return None
    if parts[1] in FEEDBACK_FOLDERS:
        return cloud, "feedback", "feedback", "/".join(parts[:2])
    kinds: dict[str, Kind] = {"processors": "processor", "event_actions": "action"}
    if parts[1] in kinds and len(parts) >= 4:
        return cloud, kinds[parts[1]], parts[2], "/".join(parts[:3])
    return None


def cloud_preference(layer_2_provider: str | None) -> tuple[str, ...]:
    """Clouds in the order their code is preferred: the L2 cloud, then AWS, Google, Azure."""
    first = (layer_2_provider,) if layer_2_provider in CLOUD_LAYOUTS else ()
    return tuple(dict.fromkeys((*first, *FALLBACK_ORDER)))


def choose_sources(
    sources: Iterable[FunctionSource], preference: tuple[str, ...]
) -> tuple[dict[tuple[Kind, str], FunctionSource], list[FunctionSource]]:
    """Per (kind, name) the source of the most preferred cloud; the others come second."""
    ranked = sorted(sources, key=lambda s: (s.kind, s.name, preference.index(s.cloud)))
    chosen: dict[tuple[Kind, str], FunctionSource] = {}
    passed_over: list[FunctionSource] = []
    for source in ranked:
        if (source.kind, source.name) in chosen:
            passed_over.append(source)
        else:
            chosen[source.kind, source.name] = source
    return chosen, passed_over


# --------------------------------------------------------------------------- reading code


@dataclass
class CodeShape:
    """What :mod:`ast` tells about a piece of older code (it is never imported)."""

    error: str | None = None
    functions: dict[str, int] = field(default_factory=dict)
    async_functions: set[str] = field(default_factory=set)
    decorated: list[str] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    env_vars: list[str] = field(default_factory=list)
    import_time_calls: list[str] = field(default_factory=list)

    def has(self, name: str, params: int) -> bool:
        """Whether a plain top-level function ``name`` takes ``params`` positional args."""
        return self.functions.get(name, -1) >= params and name not in self.async_functions

    def third_party(self, local_modules: set[str]) -> list[str]:
        """Imported modules that are neither the standard library nor files alongside."""
        return sorted(
            name
            for name in self.imports
            if name not in sys.stdlib_module_names and name not in local_modules
        )


def analyse(text: str) -> CodeShape:
    """Parse ``text`` and describe its entry points, imports and import-time effects."""
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        return CodeShape(error=f"line {exc.lineno}, column {exc.offset}: {exc.msg}")
    shape = CodeShape()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            shape.functions[node.name] = _positional_count(node.args)
            if isinstance(node, ast.AsyncFunctionDef):
                shape.async_functions.add(node.name)
            if node.decorator_list:
                shape.decorated.append(node.name)
    aliases = _import_aliases(tree, shape)
    shape.env_vars = _env_vars(tree)
    shape.import_time_calls = _import_time_calls(tree, aliases)
    return shape


def _positional_count(args: ast.arguments) -> int:
    if args.vararg is not None:
        return 99
    return len(args.posonlyargs) + len(args.args)


def _import_aliases(tree: ast.Module, shape: CodeShape) -> dict[str, str]:
    """Record imported top-level modules; return local name -> module for third-party ones."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                shape.imports.add(top)
                aliases[alias.asname or top] = top
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top = node.module.split(".")[0]
            if top != "__future__":
                shape.imports.add(top)
                for alias in node.names:
                    aliases[alias.asname or alias.name] = top
    return {name: top for name, top in aliases.items() if top not in sys.stdlib_module_names}


def _env_vars(tree: ast.Module) -> list[str]:
    """Names of environment variables read with os.environ[...], .get(...) or os.getenv."""
    found: list[str] = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Subscript) and _dotted(node.value).endswith("environ"):
            name = _constant_str(node.slice)
        elif isinstance(node, ast.Call) and node.args:
            callee = _dotted(node.func)
            if callee.endswith("environ.get") or callee.endswith("getenv"):
                name = _constant_str(node.args[0])
        if name and name not in found:
            found.append(name)
    return found


def _import_time_calls(tree: ast.Module, aliases: dict[str, str]) -> list[str]:
    """Calls into third-party modules made when the module loads (outside functions)."""
    calls: list[str] = []
    for statement in tree.body:
        if isinstance(
            statement,
            ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom,
        ):
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                callee = _dotted(node.func)
                if callee and callee.split(".")[0] in aliases:
                    calls.append(f"line {node.lineno}: {callee}(...)")
    return calls


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def _constant_str(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Style:
    """How the wrapper calls the older code."""

    call: str
    callee: str
    description: str
    needs_request: bool = False


STYLES: dict[str, Style] = {
    "process": Style(
        "_legacy().process(old_event)",
        "legacy_handler.process",
        "its process(event) function is called directly (the older entry point only "
        "forwarded the result, which dtwin now does itself)",
    ),
    "aws": Style(
        "_legacy().lambda_handler(old_event, None)",
        "legacy_handler.lambda_handler",
        "its lambda_handler(event, context) is called with context=None",
    ),
    "gcp": Style(
        "_legacy().main(_Request(old_event))",
        "legacy_handler.main",
        "its main(request) is called with a small stand-in for the Flask request "
        "(get_json(), .json, .data)",
        needs_request=True,
    ),
}


def choose_style(source: FunctionSource, shape: CodeShape) -> str | None:
    """The wrapping style for ``source``, or None when it must be ported by hand."""
    if shape.error or source.cloud == "azure":
        return None
    if source.kind == "feedback" and shape.imports & CLOUD_SDKS:
        return None  # it published the message itself; dtwin sends it now
    if shape.has("process", 1):
        return "process"
    if source.cloud == "aws" and shape.has("lambda_handler", 2):
        return "aws"
    if source.cloud == "google" and shape.has("main", 1):
        return "gcp"
    return None


@dataclass
class Output:
    """Files to write (path in the new project -> bytes) and the report entries."""

    files: dict[str, bytes] = field(default_factory=dict)
    entries: list[ImportEntry] = field(default_factory=list)

    def write(self, source: str, target: str, data: bytes, action: Action, message: str) -> None:
        """Record a file to write and its report entry."""
        self.files[target] = data
        self.entries.append(ImportEntry(source, target, action, message))

    def note(self, source: str, target: str | None, action: Action, message: str) -> None:
        """Record a report entry without a file."""
        self.entries.append(ImportEntry(source, target, action, message))


def convert_function(
    source: FunctionSource, kind: Kind, name: str, read: Callable[[str], bytes]
) -> Output:
    """Convert ``source`` into dtwin's code for ``kind`` named ``name``.

    ``name`` differs from ``source.name`` when the older default processor is reused for a
    device. ``read`` returns the bytes of a file of the older project.
    """
    out = Output()
    folder = target_folder(kind, name)
    entry = source.entry_file
    if entry is None:
        _needs_port(out, source, kind, name, None, None, _missing_entry_reason(source))
        _copy_siblings(out, source, folder, read, reserved={KINDS[kind].file})
        return out
    raw = read(entry)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    shape = analyse(text) if text is not None else CodeShape(error="not UTF-8 text")
    style = choose_style(source, shape)
    local = _local_modules(source)
    if style is None:
        original = f"{folder}/original_{entry.rsplit('/', 1)[-1]}"
        out.write(entry, original, raw, "copied", "the older code, kept for reference")
        reason = _port_reason(source, shape, original.rsplit("/", 1)[-1])
        _needs_port(out, source, kind, name, entry, original, reason)
    else:
        legacy = f"{folder}/{LEGACY_FILE}"
        out.write(entry, legacy, raw, "copied", "the older code, unchanged; the wrapper loads it")
        code = render_wrapper(kind, name, entry, STYLES[style], shape, bool(shape.imports & local))
        out.write(
            entry,
            target_file(kind, name),
            code.encode("utf-8"),
            "wrapped",
            f"wrapped from {CLOUD_TITLES[source.cloud]}: {STYLES[style].description}; record "
            "keys are renamed device_id/timestamp <-> iotDeviceId/time",
        )
        _flag_environment(out, entry, legacy, shape, local)
    _copy_siblings(out, source, folder, read, reserved={KINDS[kind].file, LEGACY_FILE})
    return out


def _local_modules(source: FunctionSource) -> set[str]:
    modules = set()
    for path in source.files:
        rest = path[len(source.folder) + 1 :].split("/")
        if len(rest) == 1 and rest[0].endswith(".py"):
            modules.add(rest[0][:-3])
        elif len(rest) > 1:
            modules.add(rest[0])
    return modules


def _missing_entry_reason(source: FunctionSource) -> str:
    expected = CLOUD_LAYOUTS[source.cloud][1]
    return (
        f"the older folder {source.folder}/ has no {expected}, so its entry point is unknown; "
        "port its logic by hand"
    )


def _port_reason(source: FunctionSource, shape: CodeShape, original: str) -> str:
    """Exactly what the user must port, for code that cannot be wrapped."""
    kind_info = KINDS[source.kind]
    goal = f"{kind_info.signature.removeprefix('def ').removesuffix(':')}"
    if shape.error:
        return f"{original} does not parse ({shape.error}); fix it and port it into {goal}"
    if source.cloud == "azure":
        routes = ", ".join(shape.decorated) or "the HTTP function"
        hint = (
            " Its process(event) function can likely move over as it is."
            if shape.has("process", 1)
            else ""
        )
        return (
            f"Azure Functions code ({routes}) needs the Functions host and cannot be wrapped. "
            f"Port it into {goal}: take the record from the event argument instead of "
            "req.get_json(), read event['device_id'] and event['timestamp'] instead of "
            "iotDeviceId and time, and return a dict instead of a func.HttpResponse." + hint
        )
    if source.kind == "feedback" and shape.imports & CLOUD_SDKS:
        sdks = ", ".join(sorted(shape.imports & CLOUD_SDKS))
        return (
            f"the older feedback code sends the message itself ({sdks}); dtwin now sends it. "
            f"Move only the reshaping of the message (if any) into {goal}; until then the "
            "payload of the rule is sent unchanged"
        )
    expected = {"aws": "lambda_handler(event, context)", "google": "main(request)"}[source.cloud]
    return (
        f"{original} defines neither {expected} nor process(event); port its logic into {goal} "
        "(the record uses device_id/timestamp instead of iotDeviceId/time)"
    )


def _needs_port(
    out: Output,
    source: FunctionSource,
    kind: Kind,
    name: str,
    entry: str | None,
    original: str | None,
    reason: str,
) -> None:
    origin = entry or source.folder + "/"
    code = render_passthrough(kind, name, origin, original, reason)
    out.write(origin, target_file(kind, name), code.encode("utf-8"), "needs-attention", reason)


def _flag_environment(
    out: Output, entry: str, legacy: str, shape: CodeShape, local: set[str]
) -> None:
    """Warn about what the older code expects from the older tool's runtime."""
    problems = []
    if shape.env_vars:
        problems.append(
            "reads environment variables that only the older tool set: " + ", ".join(shape.env_vars)
        )
    if shape.import_time_calls:
        problems.append(
            "calls other packages when it loads (" + "; ".join(shape.import_time_calls) + ")"
        )
    third_party = [name for name in shape.third_party(local) if name != "functions_framework"]
    if third_party:
        problems.append("imports packages dtwin does not provide: " + ", ".join(third_party))
    if problems:
        out.note(
            entry,
            legacy,
            "needs-attention",
            "the older code " + "; it ".join(problems) + ". Remove what forwarded records to "
            "the older pipeline (dtwin stores what your code returns) so it loads and runs "
            "anywhere, or move its logic into the generated file.",
        )


def _copy_siblings(
    out: Output,
    source: FunctionSource,
    folder: str,
    read: Callable[[str], bytes],
    reserved: set[str],
) -> None:
    """Carry the other files of the function folder along (helpers, data)."""
    for path in source.files:
        if path == source.entry_file:
            continue
        relative = path[len(source.folder) + 1 :]
        if path.endswith(_JUNK_SUFFIXES):
            out.note(path, None, "ignored", "build output of the older tool")
            continue
        if relative in reserved:
            renamed = f"{folder}/original_{relative}"
            out.write(
                path,
                renamed,
                read(path),
                "needs-attention",
                f"renamed: dtwin uses the name {relative} itself; update imports of it",
            )
        elif relative == "requirements.txt":
            out.write(
                path,
                f"{folder}/{relative}",
                read(path),
                "needs-attention",
                "third-party packages for this function; check that they are still needed",
            )
        else:
            out.write(path, f"{folder}/{relative}", read(path), "copied", "file of the function")


def passthrough_output(kind: Kind, name: str, source: str, message: str) -> Output:
    """A pass-through for ``kind`` named ``name`` where the older project had no code."""
    out = Output()
    code = render_passthrough(kind, name, None, None, None)
    out.write(source, target_file(kind, name), code.encode("utf-8"), "converted", message)
    return out


# --------------------------------------------------------------------------- generated code

_WRAPPER_HEAD = Template('''\
${header}
"""$title, imported from the older project.

The older code is kept unchanged in legacy_handler.py; this wrapper calls it. dtwin records
name the device and the time ``device_id`` and ``timestamp``, the older code used
``iotDeviceId`` and ``time``: the wrapper renames them on the way in and back on the way
out. To go native, move the logic here and delete legacy_handler.py.
"""

import functools
import importlib.util
import json
${extra_imports}\
from pathlib import Path

LEGACY_FILE = Path(__file__).with_name("legacy_handler.py")
MODULE_NAME = "$module"
TO_OLD = {"device_id": "iotDeviceId", "timestamp": "time"}
TO_NEW = {old: new for new, old in TO_OLD.items()}
''')

_STAND_IN = '''

def _identity(function):
    return function


def _stand_in_functions_framework() -> None:
    """The older code imports functions_framework, which only Cloud Functions provides.

    Elsewhere, a stand-in whose decorators change nothing lets the module load.
    """
    if "functions_framework" in sys.modules or importlib.util.find_spec("functions_framework"):
        return
    stand_in = types.ModuleType("functions_framework")
    stand_in.http = stand_in.cloud_event = stand_in.typed = _identity
    sys.modules["functions_framework"] = stand_in
'''

_LOADER = Template('''

@functools.cache
def _legacy():
    """Load legacy_handler.py by its path (this folder is not a package), once."""
${prepare}\
    spec = importlib.util.spec_from_file_location(MODULE_NAME, LEGACY_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE_NAME] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[MODULE_NAME]
        raise RuntimeError(f"legacy_handler.py failed to load: {exc!r}") from exc
    return module


def _rename(record: dict, names: dict) -> dict:
    return {names.get(key, key): value for key, value in record.items()}


def _unwrap(result):
    """The older code's reply as data: HTTP-style replies are decoded."""
    if isinstance(result, tuple):  # Flask style: (body, status)
        result = result[0] if result else None
    if isinstance(result, dict) and "statusCode" in result and "body" in result:
        result = result["body"]  # API Gateway style
    if hasattr(result, "get_data"):  # Flask response object
        result = result.get_data()
    if isinstance(result, bytes | bytearray):
        result = result.decode("utf-8")
    if isinstance(result, str):
        result = _decode(result)
    return result


def _decode(text: str):
    """JSON text as data, empty text as None, any other text unchanged."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
''')

_REQUEST = '''

class _Request:
    """The part of a Flask request that Cloud Functions code usually reads."""

    method = "POST"

    def __init__(self, payload: dict) -> None:
        self.json = payload
        self.data = json.dumps(payload).encode("utf-8")
        self.headers = {"Content-Type": "application/json"}
        self.args: dict = {}

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> dict:
        return self.json

    def get_data(self, as_text: bool = False):
        return self.data.decode("utf-8") if as_text else self.data
'''

_ENTRY: dict[str, Template] = {
    "processor": Template('''

def process(event: dict) -> dict:
    """Run the older code on ``event``; return the record with dtwin's key names."""
    old_event = _rename(event, TO_OLD)
    result = _unwrap($call)
    if result is None:
        result = old_event  # the older code returned nothing: keep its in-place changes
    if not isinstance(result, dict):
        returned = type(result).__name__
        raise TypeError(f"$callee returned {returned}, not a dict")
    record = _rename(result, TO_NEW)
    for key in ("device_id", "timestamp", "trace_id"):
        if key in event:
            record.setdefault(key, event[key])
    return record
'''),
    "action": Template('''

def action(event: dict, rule: dict) -> dict | None:
    """Run the older action code on ``event`` (it never received the rule)."""
    old_event = _rename(event, TO_OLD)
    result = _unwrap($call)
    if result is None:
        return None
    if isinstance(result, dict):
        return _rename(result, TO_NEW)
    return {"result": result}
'''),
    "feedback": Template('''

def feedback(event: dict, payload: dict) -> dict:
    """Run the older feedback code; return the message for the device."""
    old_event = _rename(event, TO_OLD)
    old_event["action"] = {
        "feedback": {"type": "mqtt", "iotDeviceId": event.get("device_id"), "payload": payload}
    }
    result = _unwrap($call)
    if result is None:
        return dict(payload)
    if not isinstance(result, dict):
        returned = type(result).__name__
        raise TypeError(f"$callee returned {returned}, not a dict")
    return result
'''),
}


def render_wrapper(
    kind: Kind, name: str, origin: str, style: Style, shape: CodeShape, imports_local: bool
) -> str:
    """The source of a wrapper that calls the older code kept in legacy_handler.py."""
    stand_in = "functions_framework" in shape.imports
    extra = ["import sys\n"] + (["import types\n"] if stand_in else [])
    prepare = ""
    if stand_in:
        prepare += "    _stand_in_functions_framework()\n"
    if imports_local:
        prepare += (
            "    if str(LEGACY_FILE.parent) not in sys.path:\n"
            "        sys.path.insert(0, str(LEGACY_FILE.parent))  # it imports files beside it\n"
        )
    module = "dtwin_legacy_" + re.sub(r"\W", "_", f"{kind}_{name}")
    parts = [
        _WRAPPER_HEAD.substitute(
            header=_origin_comment(origin),
            title=KINDS[kind].title.format(name=name),
            extra_imports="".join(extra),
            module=module,
        ),
        _STAND_IN if stand_in else "",
        _LOADER.substitute(prepare=prepare),
        _REQUEST if style.needs_request else "",
        _ENTRY[kind].substitute(call=style.call, callee=style.callee),
    ]
    return "".join(parts)


def render_passthrough(
    kind: Kind, name: str, origin: str | None, original: str | None, reason: str | None
) -> str:
    """The source of a pass-through, with a to-do when older code awaits porting."""
    info = KINDS[kind]
    title = info.title.format(name=name)
    if origin is None:
        header = "# Generated by dtwin import (the older project had no such code)"
        doc = (
            f'"""{title}: passes data through unchanged.\n\n'
            "Generated by dtwin import, as the older project had none. Edit it to add your "
            'logic.\n"""'
        )
        todo = ""
    else:
        header = _origin_comment(origin)
        kept = f"kept in {original.rsplit('/', 1)[-1]}" if original else "not found"
        explanation = f"Until then it passes data through unchanged. The older code is {kept}. "
        doc = (
            f'"""{title}: to be ported from the older project.\n\n'
            + _wrap_text(explanation + (reason or ""))
            + '\n"""'
        )
        todo = "    # TODO(dtwin import): port the older code here; see the docstring above.\n"
    return f"{header}\n{doc}\n\n\n{info.signature}\n{todo}    {info.passthrough}\n"


def _origin_comment(origin: str) -> str:
    """The header naming the older file, on two lines when one would be too long."""
    line = f"# Generated by dtwin import from {origin}"
    return line if len(line) <= 100 else f"# Generated by dtwin import from\n#   {origin}"


def _wrap_text(text: str, width: int = 88) -> str:
    safe = text.replace("\\", "\\\\").replace('"""', "'''")
    return "\n".join(textwrap.wrap(safe, width=width, break_on_hyphens=False))
