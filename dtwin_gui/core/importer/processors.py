"""Turning the older project's cloud-specific functions into dtwin's provider-neutral code.

The older project kept one function per device (processors), per event action and one for
feedback, written for one cloud: AWS ``lambda_handler(event, context)``, Google
``main(request)``, Azure Functions v2 HTTP apps, or (later versions, every cloud) the
user's logic alone in ``process.py``. dtwin wants ``process(event)``,
``action(event, rule)`` and ``feedback(event, payload)``.

The original code is only parsed with :mod:`ast`, never imported. A ``process.py`` that
already has dtwin's shape and reads no renamed key is taken as it is. Otherwise, where its
shape allows, it is kept unchanged as ``legacy_handler.py`` and a generated wrapper calls
it, renaming the record keys (``device_id``/``timestamp`` <-> ``iotDeviceId``/``time``,
and renamed properties). Otherwise the original is kept for reference, a marked
placeholder is written, and the report says what to port.

Finding the sources lives in :mod:`.function_sources`, reading them in :mod:`.code_shape`
and the generated code in :mod:`.wrappers`; their public names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dtwin_gui.core.importer.code_shape import (
    CLOUD_SDKS,
    STYLES,
    CodeShape,
    Style,
    analyse,
    choose_style,
    uses_old_keys,
)
from dtwin_gui.core.importer.function_sources import (
    CLOUD_LAYOUTS,
    CLOUD_TITLES,
    DEFAULT_PROCESSOR,
    FEEDBACK_FOLDERS,
    KINDS,
    PROCESS_FILE,
    FunctionSource,
    Kind,
    KindInfo,
    choose_sources,
    cloud_preference,
    find_function_sources,
    source_at,
    target_file,
    target_folder,
)
from dtwin_gui.core.importer.safe_extract import Action, ImportEntry
from dtwin_gui.core.importer.wrappers import (
    GENERATED_MARKER,
    marker_line,
    render_passthrough,
    render_wrapper,
)

__all__ = [
    "CLOUD_LAYOUTS",
    "CLOUD_SDKS",
    "CLOUD_TITLES",
    "DEFAULT_PROCESSOR",
    "FEEDBACK_FOLDERS",
    "GENERATED_MARKER",
    "KINDS",
    "STYLES",
    "CodeShape",
    "FunctionSource",
    "Kind",
    "KindInfo",
    "Output",
    "Style",
    "analyse",
    "choose_sources",
    "choose_style",
    "cloud_preference",
    "convert_function",
    "find_function_sources",
    "marker_line",
    "passthrough_output",
    "render_passthrough",
    "render_wrapper",
    "source_at",
    "target_file",
    "target_folder",
]

LEGACY_FILE = "legacy_handler.py"
#: Build output of the older tool, never worth carrying over.
_JUNK_SUFFIXES = (".zip", ".pyc")


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
    source: FunctionSource,
    kind: Kind,
    name: str,
    read: Callable[[str], bytes],
    renames: dict[str, str] | None = None,
) -> Output:
    """Convert ``source`` into dtwin's code for ``kind`` named ``name``.

    ``name`` differs from ``source.name`` when the older default processor is reused for a
    device. ``read`` returns the bytes of a file of the older project. ``renames`` maps
    older property names to the new ones: wrapped code still sees the older names.
    """
    renames = renames or {}
    out = Output()
    folder = target_folder(kind, name)
    found = [path for path in source.entry_candidates if path in source.files]
    if not found:
        _needs_port(out, source, kind, name, None, None, _missing_entry_reason(source))
        _copy_siblings(out, source, None, folder, read, reserved={KINDS[kind].file})
        return out
    # The first candidate that can be called wins; a process.py of helpers (no process())
    # beside a lambda_function.py is just a helper.
    read_entries = [(path, *_read_code(read, path)) for path in found]
    entry, raw, shape = read_entries[0]
    style = None
    for path, data, path_shape in read_entries:
        style = choose_style(source, path_shape, path)
        if style is not None:
            entry, raw, shape = path, data, path_shape
            break
    local = _local_modules(source)
    native = (
        kind == "processor"
        and style == "process"
        and entry.endswith("/" + PROCESS_FILE)
        and not uses_old_keys(shape, set(renames))
        and not shape.imports & local
    )
    if style is None:
        original = f"{folder}/original_{entry.rsplit('/', 1)[-1]}"
        out.write(entry, original, raw, "copied", "the older code, kept for reference")
        reason = _port_reason(source, shape, original.rsplit("/", 1)[-1], entry)
        _needs_port(out, source, kind, name, entry, original, reason)
    elif native:
        target = target_file(kind, name)
        out.write(
            entry,
            target,
            raw,
            "copied",
            "already dtwin's shape: process(event), reading no key that dtwin names "
            "differently; taken as it is",
        )
        _flag_environment(out, entry, target, shape, local)
    else:
        legacy = f"{folder}/{LEGACY_FILE}"
        out.write(entry, legacy, raw, "copied", "the older code, unchanged; the wrapper loads it")
        imports_local = bool(shape.imports & local)
        code = render_wrapper(kind, name, entry, STYLES[style], shape, imports_local, renames)
        renamed = "".join(f", {new} <-> {old}" for old, new in sorted(renames.items()))
        out.write(
            entry,
            target_file(kind, name),
            code.encode("utf-8"),
            "wrapped",
            f"wrapped from {CLOUD_TITLES[source.cloud]}: {STYLES[style].description}; record "
            f"keys are renamed device_id/timestamp <-> iotDeviceId/time{renamed}",
        )
        _flag_environment(out, entry, legacy, shape, local)
    _copy_siblings(out, source, entry, folder, read, reserved={KINDS[kind].file, LEGACY_FILE})
    return out


def _read_code(read: Callable[[str], bytes], path: str) -> tuple[bytes, CodeShape]:
    raw = read(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw, CodeShape(error="not UTF-8 text")
    return raw, analyse(text)


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
    expected = " nor ".join(path.rsplit("/", 1)[-1] for path in source.entry_candidates)
    return (
        f"the older folder {source.folder}/ has neither {expected}, so its entry point is "
        "unknown; port its logic by hand"
    )


def _port_reason(source: FunctionSource, shape: CodeShape, original: str, entry: str) -> str:
    """Exactly what the user must port, for code that cannot be wrapped."""
    kind_info = KINDS[source.kind]
    goal = f"{kind_info.signature.removeprefix('def ').removesuffix(':')}"
    if shape.error:
        return f"{original} does not parse ({shape.error}); fix it and port it into {goal}"
    if entry.endswith("/" + PROCESS_FILE) and not shape.has("process", 1):
        return (
            f"{original} defines no plain process(event) function; port its logic into {goal} "
            "(the record uses device_id/timestamp instead of iotDeviceId/time)"
        )
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
    entry: str | None,
    folder: str,
    read: Callable[[str], bytes],
    reserved: set[str],
) -> None:
    """Carry the other files of the function folder along (helpers, data)."""
    around_process = bool(entry) and entry.endswith("/" + PROCESS_FILE)
    for path in source.files:
        if path == entry:
            continue
        relative = path[len(source.folder) + 1 :]
        if path.endswith(_JUNK_SUFFIXES):
            out.note(path, None, "ignored", "build output of the older tool")
            continue
        if around_process and relative == CLOUD_LAYOUTS[source.cloud][1]:
            out.note(
                path,
                None,
                "ignored",
                f"the older tool's entry point around {PROCESS_FILE}; dtwin calls "
                "process(event) itself",
            )
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
    # It does nothing yet and validation warns about it: the report says so too.
    out.write(source, target_file(kind, name), code.encode("utf-8"), "needs-attention", message)
    return out
