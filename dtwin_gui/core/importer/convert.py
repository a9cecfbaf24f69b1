"""Translating an older project into dtwin's format, file by file.

:func:`convert_project` reads each file of the older project once (the secrets file never),
writes its dtwin counterpart into a staging folder and records one or more
:class:`ImportEntry` per file, so the user sees what happened to every file.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path, PurePosixPath

from dtwin_gui.core.importer.convert_config import (
    convert_events,
    convert_payloads,
    features_from_optimization,
    infer_features,
    inferred_features_message,
    normalise_providers,
    payloads_message,
    rename_properties,
    renames_message,
    simulator_payload_candidates,
)
from dtwin_gui.core.importer.function_sources import (
    DEFAULT_PROCESSOR_NAMES,
    paths_to_code,
    source_at,
)
from dtwin_gui.core.importer.hierarchy import convert_hierarchies, older_device_types
from dtwin_gui.core.importer.processors import (
    DEFAULT_PROCESSOR,
    FunctionSource,
    Kind,
    Output,
    choose_sources,
    cloud_preference,
    convert_function,
    find_function_sources,
    passthrough_output,
    render_passthrough,
    target_file,
)
from dtwin_gui.core.importer.safe_extract import Action, ImportEntry, ImportFailed, SourceTree
from dtwin_gui.core.importer.screening import screen, screen_staged, secret_name
from dtwin_gui.core.naming import suggest_twin_name, twin_name_problems
from dtwin_gui.core.project import (
    CONFIG,
    DEVICES,
    EVENTS,
    FEATURES,
    PAYLOADS,
    PROJECT_INFO,
    PROVIDERS,
)
from dtwin_gui.core.providers import PROVIDER_KEYS, Slot

#: Marks an entry for a file the importer made up (the older project had no such file).
GENERATED = "(generated)"
OPTIMIZATION = "config_optimization.json"
INTER_CLOUD = "config_inter_cloud.json"
ASSET_FOLDERS = ("twin_hierarchy/", "state_machines/", "scene_assets/")
FUNCTION_FOLDERS = ("lambda_functions/", "azure_functions/", "cloud_functions/")
TWIN_NAME_ADVISED_MAX = 20

_SAFE_FOLDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")

CREDENTIALS_MESSAGE = (
    "holds secrets, so it was neither copied nor read. Sign in on the Credentials page "
    "(dtwin keeps what you type in your OS keyring, or uses your cloud CLI login), then "
    "delete this file from the older project."
)
KEY_MESSAGE = (
    "a certificate, key or secret file; not imported. dtwin creates device certificates "
    "when it deploys, and keeps secrets in your OS keyring."
)


def is_secret(path: str) -> bool:
    """Whether the name of ``path`` says it is a secret: never read, never copied (contents
    are screened when a file is copied: :mod:`dtwin_gui.core.importer.screening`)."""
    return secret_name(path)


def twin_name_advice(name: str) -> str | None:
    """Why ``name`` is a risky twin name and what to use instead, or None when it is fine."""
    reasons = []
    if name != name.lower():
        reasons.append("capitals")
    if "_" in name:
        reasons.append("underscores")
    if len(name) > TWIN_NAME_ADVISED_MAX:
        reasons.append(f"{len(name)} characters (over {TWIN_NAME_ADVISED_MAX})")
    if not reasons and twin_name_problems(name):
        reasons.append("characters the clouds reject")
    if not reasons:
        return None
    suggestion = suggest_twin_name(name)[:TWIN_NAME_ADVISED_MAX].rstrip("-")
    return (
        f"twin name {name!r} has {', '.join(reasons)}, which several clouds reject in resource "
        f"names. It was kept unchanged so you decide; suggested: {suggestion!r} "
        "(edit digital_twin_name in config.json)."
    )


def _dump(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _parse(raw: bytes) -> tuple[object, str | None]:
    try:
        return json.loads(raw.decode("utf-8-sig")), None
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text ({exc.reason} at byte {exc.start})"
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"


@dataclasses.dataclass
class _Facts:
    """What later steps need to know from earlier ones."""

    device_ids: list[str] = dataclasses.field(default_factory=list)
    layer_2_provider: str | None = None
    #: config_providers.json as converted (key -> value), set by ``providers()``.
    providers: dict[str, str] = dataclasses.field(default_factory=dict)
    feedback_on: bool = False
    action_names: list[str] = dataclasses.field(default_factory=list)
    #: Property names renamed on import (old -> new, e.g. serial-number -> serial_number),
    #: set by ``devices()``: wrappers and hierarchies use it to map the old names.
    property_renames: dict[str, str] = dataclasses.field(default_factory=dict)


class _Conversion:
    """One run of :func:`convert_project`: claims files, writes outputs, keeps the entries."""

    def __init__(self, tree: SourceTree, root: str, staging: Path) -> None:
        self.tree = tree
        self.root = root
        self.staging = staging
        self.entries: list[ImportEntry] = []
        self.facts = _Facts()
        prefix = f"{root}/" if root else ""
        self.outside = [path for path in tree.files if not path.startswith(prefix)]
        self.unclaimed = {path[len(prefix) :] for path in tree.files if path.startswith(prefix)}

    # ----------------------------------------------------------------- helpers

    def read(self, rel: str) -> bytes:
        return self.tree.read_bytes(f"{self.root}/{rel}" if self.root else rel)

    def claim(self, rel: str) -> bool:
        """Take ``rel`` off the unclaimed list; False when it is not in the project."""
        if rel in self.unclaimed:
            self.unclaimed.discard(rel)
            return True
        return False

    def note(self, source: str, target: str | None, action: Action, message: str = "") -> None:
        self.entries.append(ImportEntry(source, target, action, message))

    def put(self, source: str, target: str, data: bytes, action: Action, message: str = "") -> None:
        path = self.staging.joinpath(*PurePosixPath(target).parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.note(source, target, action, message)

    def take(self, output: Output) -> None:
        for target, data in output.files.items():
            path = self.staging.joinpath(*PurePosixPath(target).parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        self.entries.extend(output.entries)

    def load(self, rel: str) -> tuple[bytes, object, str | None]:
        raw = self.read(rel)
        value, error = _parse(raw)
        return raw, value, error

    # ----------------------------------------------------------------- steps

    def run(self) -> list[ImportEntry]:
        self.entries.extend(self.tree.notes)
        for path in self.outside:
            self.note(path, None, "ignored", f"outside the project root ({self.root}/)")
        self.secrets()
        self.config()
        self.devices()
        self.hierarchy()
        self.providers()
        self.features()
        self.events()
        self.payloads()
        self.simple_files()
        self.functions()
        self.rest()
        return self.entries

    def secrets(self) -> None:
        for rel in sorted(self.unclaimed):
            if is_secret(rel):
                self.claim(rel)
                credentials = rel.rsplit("/", 1)[-1].startswith("config_credentials")
                self.note(rel, None, "skipped", CREDENTIALS_MESSAGE if credentials else KEY_MESSAGE)

    def config(self) -> None:
        self.claim(CONFIG)
        raw, value, error = self.load(CONFIG)
        self.put(CONFIG, CONFIG, raw, "copied")
        if error:
            self.note(CONFIG, CONFIG, "needs-attention", f"{error}; fix it by hand")
            return
        name = value.get("digital_twin_name") if isinstance(value, dict) else None
        advice = twin_name_advice(name) if isinstance(name, str) else None
        if advice:
            self.note(CONFIG, CONFIG, "needs-attention", advice)

    def devices(self) -> None:
        if not self.claim(DEVICES):
            self.note(DEVICES, None, "needs-attention", "required file missing; add your devices")
            return
        raw, value, error = self.load(DEVICES)
        if error or not isinstance(value, list):
            self.put(DEVICES, DEVICES, raw, "copied")
            problem = error or "expected an array of devices"
            self.note(DEVICES, DEVICES, "needs-attention", f"{problem}; fix it by hand")
            return
        value, renames, problems = rename_properties(value)
        if renames:
            self.put(DEVICES, DEVICES, _dump(value), "converted", renames_message(renames))
        else:
            self.put(DEVICES, DEVICES, raw, "copied")
        for problem in problems:
            self.note(DEVICES, DEVICES, "needs-attention", problem)
        self.facts.property_renames = renames
        ids = [d["id"] for d in value if isinstance(d, dict) and isinstance(d.get("id"), str)]
        duplicates = sorted({device for device in ids if ids.count(device) > 1})
        if duplicates:
            message = f"duplicate device ids: {', '.join(duplicates)}"
            self.note(DEVICES, DEVICES, "needs-attention", message)
        self.facts.device_ids = list(dict.fromkeys(ids))

    def providers(self) -> None:
        if not self.claim(PROVIDERS):
            self.note(PROVIDERS, None, "needs-attention", "required file missing; choose clouds")
            return
        raw, value, error = self.load(PROVIDERS)
        if error or not isinstance(value, dict):
            self.put(PROVIDERS, PROVIDERS, raw, "needs-attention", error or "expected an object")
            return
        converted, changes, problems = normalise_providers(value)
        self.facts.providers = converted
        self.facts.layer_2_provider = converted.get(PROVIDER_KEYS[Slot.L2])
        message = "; ".join(changes) if changes else "values already normalised"
        self.put(PROVIDERS, PROVIDERS, _dump(converted), "converted", message)
        for problem in problems:
            self.note(PROVIDERS, PROVIDERS, "needs-attention", problem)

    def features(self) -> None:
        if not self.claim(OPTIMIZATION):
            _, rules, error = self.load(EVENTS) if EVENTS in self.unclaimed else (b"", [], None)
            flags, reasons, notes = infer_features(
                rules if not error else [], self.facts.providers, self.unclaimed
            )
            self.facts.feedback_on = flags["return_feedback_to_device"]
            message = inferred_features_message(reasons, notes)
            self.put(GENERATED, FEATURES, _dump(flags), "converted", message)
            return
        _, value, error = self.load(OPTIMIZATION)
        flags, notes = features_from_optimization(value if not error else {})
        self.facts.feedback_on = flags["return_feedback_to_device"]
        on = [name for name, flag in flags.items() if flag]
        message = f"feature flags in snake_case; on: {', '.join(on) or 'none'}"
        self.put(OPTIMIZATION, FEATURES, _dump(flags), "converted", message)
        for problem in ([error] if error else []) + notes:
            self.note(OPTIMIZATION, FEATURES, "needs-attention", problem)

    def events(self) -> None:
        if not self.claim(EVENTS):
            self.put(GENERATED, EVENTS, b"[]\n", "converted", "no event rules in the older project")
            return
        raw, value, error = self.load(EVENTS)
        if error or not isinstance(value, list):
            problem = error or "expected an array of event rules"
            self.put(EVENTS, EVENTS, raw, "needs-attention", f"{problem}; copied unchanged")
            return
        rules, changes, problems = convert_events(value, self.facts.property_renames)
        for rule in rules:
            action = rule.get("action") if isinstance(rule, dict) else None
            if isinstance(action, dict):
                if action.get("type") == "function" and isinstance(action.get("functionName"), str):
                    self.facts.action_names.append(action["functionName"])
                self.facts.feedback_on |= isinstance(action.get("feedback"), dict)
        self.facts.action_names = list(dict.fromkeys(self.facts.action_names))
        message = "; ".join(changes) if changes else "already in dtwin's shape"
        self.put(EVENTS, EVENTS, _dump(rules), "converted", message)
        for problem in problems:
            self.note(EVENTS, EVENTS, "needs-attention", problem)

    def payloads(self) -> None:
        candidates = simulator_payload_candidates(self.facts.providers.get(PROVIDER_KEYS[Slot.L1]))
        present = [rel for rel in candidates if self.claim(rel)]
        if not present:
            return
        used, *others = present
        for other in others:
            self.note(other, None, "ignored", f"a second payloads file; {used} was imported")
        _, value, error = self.load(used)
        if error or not isinstance(value, list):
            problem = error or "expected an array of records"
            self.note(used, None, "needs-attention", f"{problem}; not imported")
            return
        renames = self.facts.property_renames
        records, notes = convert_payloads(value, renames)
        message = payloads_message(len(records), renames, used, others)
        self.put(used, PAYLOADS, _dump(records), "converted", message)
        for problem in notes:
            self.note(used, PAYLOADS, "needs-attention", problem)

    def simple_files(self) -> None:
        if self.claim(INTER_CLOUD):
            self.note(
                INTER_CLOUD,
                None,
                "ignored",
                "obsolete: dtwin creates one signing secret per cloud boundary when it deploys "
                "and keeps it out of the project; the shared token and URLs are not needed",
            )
        if self.claim(PROJECT_INFO):
            self.put(PROJECT_INFO, PROJECT_INFO, self.read(PROJECT_INFO), "copied")

    def functions(self) -> None:
        sources = find_function_sources(self.unclaimed)
        sources, replaced = self.path_to_code(sources)
        for source in sources:
            for path in source.files:
                self.claim(path)
        chosen, passed_over = choose_sources(sources, cloud_preference(self.facts.layer_2_provider))
        for source in passed_over + replaced:
            winner = chosen[source.kind, source.name]
            for path in source.files:
                self.note(
                    path,
                    None,
                    "ignored",
                    f"another copy of {source.kind} {source.name!r}; {winner.folder}/ was "
                    "imported (preferred: the rule's pathToCode, then the layer 2 cloud, then "
                    "aws, google, azure)",
                )
        default = chosen.pop(("processor", DEFAULT_PROCESSOR), None)
        named = self.named_processors(chosen, default)
        renames = self.facts.property_renames
        for (kind, name), source in sorted(chosen.items()):
            if self.check_known(kind, name, source, named):
                self.take(convert_function(source, kind, name, self.read, renames))
        self.missing_processors(chosen, default, named)
        self.missing_actions(chosen)
        self.missing_feedback(chosen)

    def path_to_code(
        self, sources: list[FunctionSource]
    ) -> tuple[list[FunctionSource], list[FunctionSource]]:
        """Add the folders that rules name in ``pathToCode``; return (sources, replaced)."""
        paths = self.unclaimed | {path for source in sources for path in source.files}
        replaced: list[FunctionSource] = []
        for name, folder in paths_to_code(self._old_json(EVENTS)).items():
            source = source_at(folder, "action", name, paths)
            if source is None:
                continue
            keep = []
            for other in sources:
                if other.folder == source.folder:
                    continue  # the same folder, now under the rule's function name
                (replaced if (other.kind, other.name) == ("action", name) else keep).append(other)
            sources = [*keep, source]
        return sources, replaced

    def named_processors(
        self, chosen: dict[tuple[Kind, str], FunctionSource], default: FunctionSource | None
    ) -> dict[str, FunctionSource]:
        """Devices whose ``processor`` key names another processor folder: device -> source.

        The older tool deployed ``processors/<device["processor"]>`` for each device (the
        default processor when the key was missing), so one folder could serve many devices.
        """
        named: dict[str, FunctionSource] = {}
        devices = self._old_json(DEVICES)
        for device in devices if isinstance(devices, list) else []:
            if not isinstance(device, dict) or not isinstance(device.get("id"), str):
                continue
            wanted = device.get("processor")
            if not isinstance(wanted, str) or wanted == device["id"]:
                continue
            is_default = wanted in DEFAULT_PROCESSOR_NAMES
            source = default if is_default else chosen.get(("processor", wanted))
            if source is not None:
                named[device["id"]] = source
            else:
                self.note(
                    DEVICES,
                    None,
                    "needs-attention",
                    f"device {device['id']!r} names processor {wanted!r}, which the older "
                    "project does not have; it gets its own or the default processor instead",
                )
        self._drop_processor_keys()
        return named

    def _drop_processor_keys(self) -> None:
        """dtwin knows no ``processor`` key: each device's code is processors/<id>/."""
        staged = self.staging / DEVICES
        value, error = _parse(staged.read_bytes()) if staged.is_file() else (None, "missing")
        if error or not isinstance(value, list):
            return
        with_key = [d for d in value if isinstance(d, dict) and "processor" in d]
        if with_key:
            for device in with_key:
                del device["processor"]
            staged.write_bytes(_dump(value))
            ids = ", ".join(str(d.get("id")) for d in with_key)
            message = f"dropped the processor key of {ids}: its code is processors/<id>/ now"
            self.note(DEVICES, DEVICES, "converted", message)

    def _old_json(self, rel: str) -> object:
        try:
            _, value, error = self.load(rel)
        except (ImportFailed, KeyError, OSError):
            return None  # missing or unreadable: the step that owns it reported it
        return None if error else value

    def check_known(
        self,
        kind: Kind,
        name: str,
        source: FunctionSource,
        named: dict[str, FunctionSource],
    ) -> bool:
        """Whether ``source`` becomes dtwin code under its own name (processors: of a device)."""
        if kind != "processor" or not self.facts.device_ids:
            return True
        if name in named:
            for path in source.files:
                self.note(
                    path,
                    None,
                    "ignored",
                    f"device {name!r} names {named[name].folder}/ as its processor in {DEVICES}, "
                    "which the older tool deployed instead of this folder",
                )
            return False
        if name in self.facts.device_ids:
            return True
        if any(other is source for other in named.values()):
            return False  # deployed for the devices naming it
        self.note(
            source.folder + "/",
            None,
            "needs-attention",
            f"a processor for {name!r}, which is no device in {DEVICES}; not imported (dtwin "
            "deploys one processor per device). Add the device and import again, or copy the "
            "code from the older project",
        )
        return False

    def missing_processors(
        self,
        chosen: dict[tuple[Kind, str], FunctionSource],
        default: FunctionSource | None,
        named: dict[str, FunctionSource],
    ) -> None:
        used_default = False
        renames = self.facts.property_renames
        for device in self.facts.device_ids:
            if device in named and _SAFE_FOLDER_NAME.fullmatch(device):
                source = named[device]
                used_default |= source is default
                output = convert_function(source, "processor", device, self.read, renames)
                label = "the older default processor" if source is default else source.folder
                prefix = f"{label}, named by the processor key of {device} in {DEVICES}: "
                self.take(_prefixed(output, prefix))
                continue
            if ("processor", device) in chosen:
                continue
            if not _SAFE_FOLDER_NAME.fullmatch(device):
                self.note(DEVICES, None, "needs-attention", f"device id {device!r} is not usable")
            elif default is not None:
                used_default = True
                output = convert_function(default, "processor", device, self.read, renames)
                self.take(_prefixed(output, f"older default processor, reused for {device}: "))
            else:
                message = (
                    f"device {device!r} had no processor and the older project no default "
                    "processor: a pass-through (the older tool's built-in default), marked as "
                    "generated until you edit it"
                )
                self.take(passthrough_output("processor", device, DEVICES, message))
        if default is not None and not used_default:
            for path in default.files:
                self.note(path, None, "ignored", "older default processor; no device needs it")

    def missing_actions(self, chosen: dict[tuple[Kind, str], FunctionSource]) -> None:
        paths = paths_to_code(self._old_json(EVENTS))
        for name in self.facts.action_names:
            if ("action", name) in chosen or not _SAFE_FOLDER_NAME.fullmatch(name):
                continue
            code = render_passthrough("action", name, EVENTS, None, _missing_action_reason(name))
            looked = f"{paths[name]}/, " if name in paths else ""
            self.put(
                EVENTS,
                target_file("action", name),
                code.encode("utf-8"),
                "needs-attention",
                f"event rules call function {name!r} but the older project has no code for it "
                f"(looked in {looked}event_actions/{name}/ and <cloud>_functions/event_actions/"
                f"{name}/); wrote an action that returns None and changes nothing, marked as "
                "generated: write what it should do",
            )

    def missing_feedback(self, chosen: dict[tuple[Kind, str], FunctionSource]) -> None:
        if self.facts.feedback_on and ("feedback", "feedback") not in chosen:
            message = (
                "feedback is on: feedback.py sends each rule's payload unchanged (marked as "
                "generated); edit it"
            )
            self.take(passthrough_output("feedback", "feedback", GENERATED, message))

    def hierarchy(self) -> None:
        config = _parse(self.read(CONFIG))[0]  # the root is where config.json is
        types = older_device_types(config, self.facts.device_ids)
        renames = self.facts.property_renames
        output, used = convert_hierarchies(self.unclaimed, self.read, renames, types)
        self.unclaimed -= used
        self.take(output)

    def rest(self) -> None:
        for rel in sorted(self.unclaimed):
            if rel.startswith(ASSET_FOLDERS):
                data = self.read(rel)
                reason = screen(rel, data)
                if reason:
                    self.note(rel, None, "skipped", reason)
                else:
                    self.put(rel, rel, data, "copied")
            elif rel.startswith(FUNCTION_FOLDERS):
                self.note(
                    rel,
                    None,
                    "ignored",
                    "not a processor, event action or feedback function; dtwin brings its own "
                    "runtime for the rest of the pipeline",
                )
            elif rel.startswith("iot_device_simulator/"):
                self.note(rel, None, "ignored", "the older simulator; dtwin has its own")
            else:
                self.note(rel, None, "ignored", "not part of the older project format")
        self.unclaimed.clear()
        self.entries = screen_staged(self.staging, self.entries)


def _missing_action_reason(name: str) -> str:
    return (
        f"the older project has no code for the event action {name!r}. Write what should happen "
        "when the rule fires in action(); return a dict to log it with the event, or None."
    )


def _prefixed(output: Output, prefix: str) -> Output:
    output.entries = [
        dataclasses.replace(entry, message=prefix + entry.message)
        if entry.action in ("wrapped", "needs-attention")
        or (entry.action == "copied" and (entry.target or "").endswith("/process.py"))
        else entry
        for entry in output.entries
    ]
    return output


def convert_project(tree: SourceTree, root: str, staging: Path) -> list[ImportEntry]:
    """Write the dtwin version of the project found at ``root`` of ``tree`` into ``staging``.

    Returns one or more entries per file of the source, in no particular order.
    """
    return _Conversion(tree, root, staging).run()
