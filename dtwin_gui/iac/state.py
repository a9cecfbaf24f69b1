"""Read Terraform state directly from ``terraform.tfstate`` (no Terraform process, ~ms).

The status browser calls this often, so it parses the state JSON (format version 4) itself.
For a remote backend, pass the document from :meth:`Terraform.state_pull` to
:func:`parse_state` instead. Addresses are formatted exactly as Terraform prints them
(``module.aws_l2.aws_lambda_function.processor["temperature-sensor-1"]``), so they match the
addresses of the runner's events.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dtwin_gui.iac.addresses import component_of, layer_of

_READ_ATTEMPTS = 4

#: Layer key for resources outside the per-layer modules (e.g. in the generated root).
ROOT_LAYER = "root"

#: Attributes kept per resource instance: enough to identify it in the cloud.
KEY_ATTRIBUTES = ("id", "arn", "name", "function_name", "bucket", "thing_name", "role_name")
#: Attributes that hold a resource's cloud name, in order of preference.
NAME_ATTRIBUTES = ("name", "function_name", "bucket", "thing_name", "role_name")


def format_index(key: Any) -> str:
    """``[0]`` for a count index, ``["key"]`` for a for_each key, ``""`` for none."""
    if key is None:
        return ""
    if isinstance(key, bool) or not isinstance(key, int | str):
        raise ValueError(f"unexpected index key {key!r}")
    if isinstance(key, int):
        return f"[{key}]"
    return f"[{_hcl_quoted(key)}]"


def _hcl_quoted(text: str) -> str:
    """Quote like Terraform's addrs.StringKey: HCL escapes, doubled template introducers."""
    out = ['"']
    for i, char in enumerate(text):
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char in "$%":
            out.append(char * 2 if text[i + 1 : i + 2] == "{" else char)
        elif not char.isprintable():
            code = ord(char)
            out.append(f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}


def format_address(module: str, mode: str, type_: str, name: str, key: Any = None) -> str:
    """A resource instance address as Terraform prints it."""
    prefix = f"{module}." if module else ""
    data = "data." if mode == "data" else ""
    return f"{prefix}{data}{type_}.{name}{format_index(key)}"


@dataclass(frozen=True)
class StateResource:
    """One resource instance in the state."""

    address: str
    layer: str  # L1 ... L5, setup, or ROOT_LAYER
    component: str  # resource type, "data.<type>" for data sources
    type: str
    resource_name: str  # the block label: resource "<type>" "<resource_name>"
    module: str
    mode: str  # managed | data
    index: Any = None
    attributes: dict[str, str] = field(default_factory=dict)
    tainted: bool = False

    @property
    def name(self) -> str:
        """The cloud name of the object (function name, bucket, table ...), else its id."""
        for key in NAME_ATTRIBUTES:
            if self.attributes.get(key):
                return self.attributes[key]
        return self.attributes.get("id", "")

    @property
    def id(self) -> str:
        return self.attributes.get("id", "")

    @property
    def arn(self) -> str:
        return self.attributes.get("arn", "")


@dataclass(frozen=True)
class StateSnapshot:
    """Resources and outputs of one state. Empty when nothing was ever applied."""

    resources: list[StateResource] = field(default_factory=list)
    #: Output values by name. Names in :attr:`sensitive_outputs` must not be shown or logged.
    outputs: dict[str, Any] = field(default_factory=dict)
    sensitive_outputs: frozenset[str] = frozenset()
    serial: int = 0
    lineage: str = ""

    @property
    def empty(self) -> bool:
        return not self.resources

    def by_layer(self, *, managed_only: bool = True) -> dict[str, list[StateResource]]:
        """Resources grouped by layer (data sources left out unless ``managed_only=False``)."""
        groups: dict[str, list[StateResource]] = {}
        for resource in self.resources:
            if managed_only and resource.mode != "managed":
                continue
            groups.setdefault(resource.layer, []).append(resource)
        return groups

    def get(self, address: str) -> StateResource | None:
        return next((r for r in self.resources if r.address == address), None)


def _key_attributes(instance: dict) -> dict[str, str]:
    attributes = instance.get("attributes") or {}
    # Top-level attributes marked sensitive are listed as [{"type": "get_attr", "value": x}].
    hidden = {
        path[0].get("value")
        for path in instance.get("sensitive_attributes") or []
        if isinstance(path, list) and path and isinstance(path[0], dict)
    }
    return {
        key: str(attributes[key])
        for key in KEY_ATTRIBUTES
        if key not in hidden and isinstance(attributes.get(key), str | int) and attributes[key]
    }


def parse_state(document: dict | None) -> StateSnapshot:
    """A snapshot of a state document (the JSON of ``terraform.tfstate``/``state pull``)."""
    if not document:
        return StateSnapshot()
    version = document.get("version")
    if version != 4:
        raise ValueError(f"unsupported Terraform state format version {version!r} (expected 4)")
    resources = []
    for block in document.get("resources") or []:
        module, mode = block.get("module", ""), block.get("mode", "managed")
        for instance in block.get("instances") or []:
            if instance.get("deposed"):
                continue  # an old object awaiting deletion during create_before_destroy
            address = format_address(
                module, mode, block["type"], block["name"], instance.get("index_key")
            )
            resources.append(
                StateResource(
                    address=address,
                    layer=layer_of(address) or ROOT_LAYER,
                    component=component_of(address),
                    type=block["type"],
                    resource_name=block["name"],
                    module=module,
                    mode=mode,
                    index=instance.get("index_key"),
                    attributes=_key_attributes(instance),
                    tainted=instance.get("status") == "tainted",
                )
            )
    outputs = document.get("outputs") or {}
    return StateSnapshot(
        resources=resources,
        outputs={name: value.get("value") for name, value in outputs.items()},
        sensitive_outputs=frozenset(n for n, v in outputs.items() if v.get("sensitive")),
        serial=int(document.get("serial") or 0),
        lineage=str(document.get("lineage") or ""),
    )


def state_path(workdir: Path) -> Path:
    """The local state file of ``workdir``'s current workspace; with a remote backend, the
    workspace's cache of the remote state (:mod:`dtwin_gui.iac.remote_state`)."""
    from dtwin_gui.iac.remote_state import cache_path, is_remote

    workdir = Path(workdir)
    if is_remote(workdir):
        return cache_path(workdir)
    environment = workdir / ".terraform" / "environment"
    workspace = "default"
    if environment.is_file():
        workspace = environment.read_text(encoding="utf-8").strip() or "default"
    if workspace == "default":
        return workdir / "terraform.tfstate"
    return workdir / "terraform.tfstate.d" / workspace / "terraform.tfstate"


def read_state(workdir: Path) -> StateSnapshot:
    """The local state of ``workdir``; an empty snapshot when there is none yet.

    Raises ``ValueError`` for a state file that is not valid Terraform state JSON.
    """
    path = state_path(workdir)
    for attempt in range(_READ_ATTEMPTS):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return StateSnapshot()
        if not text.strip():
            return StateSnapshot()  # Terraform creates an empty file when it first locks
        try:
            return parse_state(json.loads(text))
        except json.JSONDecodeError as exc:
            # Terraform rewrites the file in place: a read can catch it half written.
            if attempt == _READ_ATTEMPTS - 1:
                raise ValueError(f"{path}: not valid JSON (line {exc.lineno}): {exc.msg}") from None
            time.sleep(0.05)
    raise AssertionError("unreachable")
