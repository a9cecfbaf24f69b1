"""Where the older project kept its functions, and which copy of each one to import.

The older tool moved its function folders around over its history. Per cloud it looked in
``lambda_functions/`` (AWS), ``cloud_functions/`` (Google) and ``azure_functions/`` (Azure):

* processors at ``processors/<device>/``; the default processor for devices without one at
  ``default-processor/`` (early versions) or ``processors/default_processor/`` (later ones);
* event actions at ``event_actions/<name>/`` or ``event-actions/<name>/``, and in the
  earliest versions at the project's top level, ``event_actions/<name>/`` (where
  ``pathToCode`` of a rule pointed);
* the feedback function at ``event-feedback/``.

The entry file was ``lambda_function.py`` / ``main.py`` / ``function_app.py``; later versions
put the user's logic in ``process.py`` and wrapped it themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

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
ACTION_FOLDERS = ("event_actions", "event-actions")
#: The file later versions of the older tool kept the user's logic in, on every cloud.
PROCESS_FILE = "process.py"
#: The name under which the older default processor is chosen (never a device's processor).
DEFAULT_PROCESSOR = "_default"
#: Folder names the older tool used for its default processor.
DEFAULT_PROCESSOR_NAMES = frozenset({"_default", "default_processor", "default-processor"})


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


@dataclass(frozen=True)
class FunctionSource:
    """One function folder of the older project."""

    cloud: str
    kind: Kind
    name: str
    folder: str
    files: tuple[str, ...]

    @property
    def entry_candidates(self) -> tuple[str, ...]:
        """Files that may hold the entry point, the most likely first."""
        layout = CLOUD_LAYOUTS[self.cloud][1]
        # Processors of later versions kept the user's logic in process.py (the
        # lambda_function.py beside it, if any, was the tool's own wrapper); actions were
        # always deployed from the cloud's entry file.
        first, second = (
            (PROCESS_FILE, layout) if self.kind == "processor" else (layout, PROCESS_FILE)
        )
        return (f"{self.folder}/{first}", f"{self.folder}/{second}")

    @property
    def entry_file(self) -> str | None:
        """The file holding the entry point, when present."""
        return next((path for path in self.entry_candidates if path in self.files), None)


def find_function_sources(paths: Iterable[str]) -> list[FunctionSource]:
    """Group ``paths`` (relative to the project root) into the function folders they form."""
    groups: dict[tuple[Kind, str, str], list[str]] = {}
    clouds: dict[str, str] = {}
    for path in paths:
        found = _function_key(path)
        if found is not None:
            cloud, kind, name, folder = found
            groups.setdefault((kind, name, folder), []).append(path)
            if cloud:
                clouds[folder] = cloud
    return sorted(
        (
            FunctionSource(
                clouds.get(folder) or infer_cloud(folder, files),
                kind,
                name,
                folder,
                tuple(sorted(files)),
            )
            for (kind, name, folder), files in groups.items()
        ),
        key=lambda s: (s.cloud, s.kind, s.name, s.folder),
    )


def source_at(folder: str, kind: Kind, name: str, paths: Iterable[str]) -> FunctionSource | None:
    """The function folder ``folder`` (e.g. from a rule's ``pathToCode``), if it has files."""
    folder = folder.strip("/")
    files = tuple(sorted(p for p in paths if p.startswith(folder + "/")))
    if not folder or not files:
        return None
    cloud = next((c for c, (top, _) in CLOUD_LAYOUTS.items() if folder.startswith(top + "/")), "")
    return FunctionSource(cloud or infer_cloud(folder, files), kind, name, folder, files)


def paths_to_code(rules: object) -> dict[str, str]:
    """functionName -> the folder its rule's ``pathToCode`` names (relative, POSIX)."""
    found: dict[str, str] = {}
    for rule in rules if isinstance(rules, list) else []:
        action = rule.get("action") if isinstance(rule, dict) else None
        if not isinstance(action, dict):
            continue
        name, path = action.get("functionName"), action.get("pathToCode")
        if not isinstance(name, str) or not isinstance(path, str) or not path.strip():
            continue
        folder = path.strip().replace("\\", "/").removeprefix("./").strip("/")
        if folder.endswith(".py"):
            folder = folder.rpartition("/")[0]
        if folder and ".." not in folder.split("/"):
            found.setdefault(name, folder)
    return found


def infer_cloud(folder: str, files: Iterable[str]) -> str:
    """The cloud a folder outside the cloud folders was written for, from its entry file."""
    names = {path[len(folder) + 1 :] for path in files}
    for cloud in FALLBACK_ORDER:
        if CLOUD_LAYOUTS[cloud][1] in names:
            return cloud
    return "aws"  # top-level function folders date from the AWS-only versions


def _function_key(path: str) -> tuple[str, Kind, str, str] | None:
    """(cloud or "" when unknown, kind, name, folder) of the function ``path`` belongs to."""
    parts = path.split("/")
    cloud = next((c for c, (top, _) in CLOUD_LAYOUTS.items() if parts[0] == top), None)
    if cloud is None:
        # The earliest versions kept event actions at the top level.
        if parts[0] in ACTION_FOLDERS and len(parts) >= 3:
            return "", "action", parts[1], "/".join(parts[:2])
        return None
    if len(parts) < 3:
        return None
    if parts[1] in FEEDBACK_FOLDERS:
        return cloud, "feedback", "feedback", "/".join(parts[:2])
    if parts[1] in DEFAULT_PROCESSOR_NAMES:
        return cloud, "processor", DEFAULT_PROCESSOR, "/".join(parts[:2])
    if parts[1] == "processors" and len(parts) >= 4:
        name = DEFAULT_PROCESSOR if parts[2] in DEFAULT_PROCESSOR_NAMES else parts[2]
        return cloud, "processor", name, "/".join(parts[:3])
    if parts[1] in ACTION_FOLDERS and len(parts) >= 4:
        return cloud, "action", parts[2], "/".join(parts[:3])
    return None


def cloud_preference(layer_2_provider: str | None) -> tuple[str, ...]:
    """Clouds in the order their code is preferred: the L2 cloud, then AWS, Google, Azure."""
    first = (layer_2_provider,) if layer_2_provider in CLOUD_LAYOUTS else ()
    return tuple(dict.fromkeys((*first, *FALLBACK_ORDER)))


def choose_sources(
    sources: Iterable[FunctionSource], preference: tuple[str, ...]
) -> tuple[dict[tuple[Kind, str], FunctionSource], list[FunctionSource]]:
    """Per (kind, name) the source of the most preferred cloud; the others come second.

    Within one cloud, a folder with an entry file beats one without, and the newer layout
    (deeper folder, e.g. ``processors/default_processor``) beats the older one.
    """
    ranked = sorted(
        sources,
        key=lambda s: (
            s.kind,
            s.name,
            preference.index(s.cloud),
            s.entry_file is None,
            -s.folder.count("/"),
            s.folder,
        ),
    )
    chosen: dict[tuple[Kind, str], FunctionSource] = {}
    passed_over: list[FunctionSource] = []
    for source in ranked:
        if (source.kind, source.name) in chosen:
            passed_over.append(source)
        else:
            chosen[source.kind, source.name] = source
    return chosen, passed_over
