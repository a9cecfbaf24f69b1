"""The project's usage numbers: what the cost estimate (:mod:`dtwin_gui.cost`) is based on.

Kept in ``config_usage.json`` (optional: an older project without it gets the defaults):
devices, messages per device per minute, payload size, archive retention, dashboard users
and twin entity count. Hot and cold retention are **not** repeated there: they are
``config.json``'s ``hot_storage_size_in_days`` / ``cold_storage_size_in_days``, which the
storage movers use, so the estimate prices exactly what is deployed.

:func:`read_usage` is tolerant like :func:`~dtwin_gui.core.project.load_project` (a bad value
falls back to its default); :func:`load_usage` refuses a bad file with located problems
(file, JSON path, line and column), the same ones ``dtwin validate`` lists.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from dtwin_gui.core.fsutil import atomic_write_json
from dtwin_gui.core.problems import Problem
from dtwin_gui.core.project import CONFIG, Project, load_project

USAGE = "config_usage.json"

#: Defaults of ``config.json``'s storage ages when that file lacks them (the example's).
DEFAULT_HOT_DAYS = 30
DEFAULT_COLD_DAYS = 90


@dataclass(frozen=True)
class Usage:
    """The numbers one month of the twin is estimated from (a month is 30 days)."""

    devices: int = 1
    messages_per_device_per_minute: float = 1.0
    payload_bytes: int = 256
    #: Records older than this leave hot storage (``config.json``).
    hot_days: int = DEFAULT_HOT_DAYS
    #: Objects older than this leave cold storage for the archive (``config.json``).
    cold_days: int = DEFAULT_COLD_DAYS
    #: How long the archive keeps an object.
    archive_days: int = 365
    dashboard_users: int = 1
    twin_entities: int = 1

    def to_json(self) -> dict:
        return asdict(self)


#: The keys of ``config_usage.json`` (hot/cold days live in ``config.json``).
FILE_KEYS: tuple[str, ...] = (
    "devices",
    "messages_per_device_per_minute",
    "payload_bytes",
    "archive_days",
    "dashboard_users",
    "twin_entities",
)
#: ``Usage`` field -> ``config.json`` key.
CONFIG_KEYS: dict[str, str] = {
    "hot_days": "hot_storage_size_in_days",
    "cold_days": "cold_storage_size_in_days",
}

#: What each number means and its allowed range, for forms, messages and docs:
#: field -> (label, unit, minimum, maximum).
LIMITS: dict[str, tuple[str, str, float, float]] = {
    "devices": ("Devices", "", 1, 10_000_000),
    "messages_per_device_per_minute": ("Messages per device per minute", "", 0.001, 6000),
    "payload_bytes": ("Payload size", "bytes", 1, 262_144),
    "hot_days": ("Hot retention", "days", 1, 3650),
    "cold_days": ("Cold retention", "days", 1, 36500),
    "archive_days": ("Archive retention", "days", 0, 36500),
    "dashboard_users": ("Dashboard users", "", 0, 100_000),
    "twin_entities": ("Twin entities", "", 0, 10_000_000),
}


class UsageError(ValueError):
    """``config_usage.json`` (or ``config.json``'s storage ages) cannot be used; ``problems``
    say what is wrong and where."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"{first.location}: {first.message}{more}")


def defaults_for(project: Project | None) -> Usage:
    """The usage a project without ``config_usage.json`` is estimated with: one device and
    one twin entity per device the project defines, hot/cold ages from ``config.json``."""
    if project is None:
        return Usage()
    count = max(1, len(project.devices))
    return Usage(
        devices=count,
        twin_entities=count,
        hot_days=project.hot_days or DEFAULT_HOT_DAYS,
        cold_days=project.cold_days or DEFAULT_COLD_DAYS,
    )


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return None


def _valid(name: str, value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if name != "messages_per_device_per_minute" and not isinstance(value, int):
        return False
    _, _, low, high = LIMITS[name]
    return math.isfinite(value) and low <= value <= high


def read_usage(root: Path, project: Project | None = None) -> Usage:
    """The usage numbers of the project at ``root``; never raises on bad content (a missing
    or bad value is its default: :func:`load_usage` says what is wrong)."""
    root = Path(root)
    project = project if project is not None else load_project(root)
    usage = defaults_for(project)
    data = _read_json(root / USAGE)
    values = {}
    if isinstance(data, dict):
        for name in FILE_KEYS:
            if name in data and _valid(name, data[name]):
                values[name] = data[name]
    usage = replace(usage, **values)
    rate = float(usage.messages_per_device_per_minute)
    return replace(usage, messages_per_device_per_minute=rate)


def usage_problems(root: Path) -> list[Problem]:
    """Every problem of ``config_usage.json`` (none when the file is absent: the defaults
    apply), located like ``dtwin validate`` locates them."""
    from dtwin_gui.core.validation.context import Context
    from dtwin_gui.core.validation.usage_rules import check_usage

    ctx = Context(Path(root))
    check_usage(ctx)
    return [p for p in ctx.problems if p.severity == "error"]


def load_usage(root: Path, project: Project | None = None) -> Usage:
    """:func:`read_usage`, or :class:`UsageError` when ``config_usage.json`` holds a bad
    value (the estimate never silently prices numbers the user did not write)."""
    problems = usage_problems(root)
    if problems:
        raise UsageError(problems)
    return read_usage(root, project)


def check_values(values: Mapping[str, object]) -> dict[str, str]:
    """``{field: why}`` for every value of ``values`` (``Usage`` field names) out of range."""
    out = {}
    for name, value in values.items():
        if name not in LIMITS:
            out[name] = "is not a usage number"
        elif not _valid(name, value):
            label, unit, low, high = LIMITS[name]
            whole = "a number" if name == "messages_per_device_per_minute" else "a whole number"
            out[name] = (
                f"{label} must be {whole} from {low:g} to {high:g}{' ' + unit if unit else ''}"
            )
    both = "hot_days" in values and "cold_days" in values
    if both and not out and values["cold_days"] <= values["hot_days"]:  # type: ignore[operator]
        out["cold_days"] = "Cold retention must be longer than hot retention"
    return out


def write_usage(root: Path, usage: Usage) -> None:
    """Save ``usage``: its file keys to ``config_usage.json``, hot/cold days to
    ``config.json`` (only when they changed), both atomically; keys the files have that are
    not ours are kept. Raises :class:`ValueError` for a value out of range."""
    root = Path(root)
    values = {f.name: getattr(usage, f.name) for f in fields(Usage)}
    bad = check_values(values)
    if bad:
        raise ValueError("; ".join(bad.values()))
    existing = _read_json(root / USAGE)
    data = dict(existing) if isinstance(existing, dict) else {}
    data.update({name: values[name] for name in FILE_KEYS})
    atomic_write_json(root / USAGE, data)
    config = _read_json(root / CONFIG)
    if isinstance(config, dict) and any(
        config.get(key) != values[name] for name, key in CONFIG_KEYS.items()
    ):
        config = dict(config)
        for name, key in CONFIG_KEYS.items():
            config[key] = values[name]
        atomic_write_json(root / CONFIG, config)
