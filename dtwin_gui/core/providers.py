"""Slots (the seven places a cloud is chosen) and which cloud can fill which slot.

L4 (twin model) and L5 (dashboards) are optional: ``"none"`` in ``config_providers.json``
leaves the layer out of the twin. A *provider choice* (``Project.providers``,
``Topology.providers``, what :func:`~dtwin_gui.core.topology.compute_topology` takes) maps
each slot to its cloud: a left-out optional slot is simply **absent**, ``None`` means "no
cloud chosen yet" (an error). Where a left-out layer must be said explicitly (the Layers
page, :func:`~dtwin_gui.core.project.write_providers`) the value is :data:`NO_CLOUD`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Cloud(StrEnum):
    AWS = "aws"
    AZURE = "azure"
    GOOGLE = "google"


class Slot(StrEnum):
    L1 = "L1"
    L2 = "L2"
    L3_HOT = "L3_hot"
    L3_COLD = "L3_cold"
    L3_ARCHIVE = "L3_archive"
    L4 = "L4"
    L5 = "L5"


CLOUDS: tuple[Cloud, ...] = (Cloud.AWS, Cloud.AZURE, Cloud.GOOGLE)
SLOTS: tuple[Slot, ...] = tuple(Slot)

CLOUD_TITLES: dict[Cloud, str] = {
    Cloud.AWS: "AWS",
    Cloud.AZURE: "Azure",
    Cloud.GOOGLE: "Google Cloud",
}

#: Key of each slot in ``config_providers.json``.
PROVIDER_KEYS: dict[Slot, str] = {
    Slot.L1: "layer_1_provider",
    Slot.L2: "layer_2_provider",
    Slot.L3_HOT: "layer_3_hot_provider",
    Slot.L3_COLD: "layer_3_cold_provider",
    Slot.L3_ARCHIVE: "layer_3_archive_provider",
    Slot.L4: "layer_4_provider",
    Slot.L5: "layer_5_provider",
}


class NoCloud(StrEnum):
    """A layer the twin leaves out (``"none"`` in config_providers.json; L4/L5 only)."""

    NONE = "none"


#: The explicit "no cloud: this layer is not part of the twin" choice.
NO_CLOUD = NoCloud.NONE

#: The slots a twin may leave out: no twin model (L4), no dashboards (L5).
OPTIONAL_SLOTS: tuple[Slot, ...] = (Slot.L4, Slot.L5)

#: What leaving an optional slot out means, for tooltips, Review and Status.
LEFT_OUT_MEANING: dict[Slot, str] = {
    Slot.L4: "no twin model (no TwinMaker / Digital Twins, no hierarchy needed)",
    Slot.L5: "no dashboards (no Managed Grafana)",
}

#: How pages say a left-out layer's state (never "missing" or "not deployed").
NOT_IN_TWIN = "not part of this twin"

#: Spellings accepted in project files, mapped to the canonical cloud.
CLOUD_ALIASES: dict[str, Cloud] = {"gcp": Cloud.GOOGLE}


@dataclass(frozen=True)
class SlotInfo:
    """A slot's title, its ``role`` (short: the Layers page shows it whole beside the
    title) and the service of each cloud that can host it."""

    slot: Slot
    title: str
    role: str
    services: dict[Cloud, str]


SLOT_INFO: dict[Slot, SlotInfo] = {
    s.slot: s
    for s in (
        SlotInfo(
            Slot.L1,
            "L1 · Ingestion",
            "device ingestion, dispatch",
            {Cloud.AWS: "IoT Core", Cloud.AZURE: "IoT Hub", Cloud.GOOGLE: "Pub/Sub"},
        ),
        SlotInfo(
            Slot.L2,
            "L2 · Processing",
            "processors, events, feedback",
            {
                Cloud.AWS: "Lambda",
                Cloud.AZURE: "Function Apps",
                Cloud.GOOGLE: "Cloud Functions",
            },
        ),
        SlotInfo(
            Slot.L3_HOT,
            "L3 · Hot storage",
            "recent telemetry, queryable",
            {Cloud.AWS: "DynamoDB", Cloud.AZURE: "Cosmos DB", Cloud.GOOGLE: "Firestore"},
        ),
        SlotInfo(
            Slot.L3_COLD,
            "L3 · Cold storage",
            "aged telemetry",
            {
                Cloud.AWS: "S3 Standard-IA",
                Cloud.AZURE: "Blob (Cool)",
                Cloud.GOOGLE: "GCS Nearline",
            },
        ),
        SlotInfo(
            Slot.L3_ARCHIVE,
            "L3 · Archive",
            "long-term telemetry",
            {
                Cloud.AWS: "S3 Glacier",
                Cloud.AZURE: "Blob (Archive)",
                Cloud.GOOGLE: "GCS Archive",
            },
        ),
        SlotInfo(
            Slot.L4,
            "L4 · Twin model",
            "entities and relationships",
            {Cloud.AWS: "IoT TwinMaker", Cloud.AZURE: "Azure Digital Twins"},
        ),
        SlotInfo(
            Slot.L5,
            "L5 · Dashboards",
            "Grafana dashboards",
            {Cloud.AWS: "Managed Grafana", Cloud.AZURE: "Managed Grafana"},
        ),
    )
}


def unsupported_reason(slot: Slot, cloud: Cloud) -> str | None:
    """Why ``cloud`` cannot host ``slot``, or None when it can."""
    if cloud in SLOT_INFO[slot].services:
        return None
    if slot is Slot.L4:
        return (
            "Google Cloud has no managed digital-twin service, so dtwin cannot host the "
            "twin model (L4) there yet. Choose AWS (IoT TwinMaker) or Azure (Digital Twins)."
        )
    return (
        "Google Cloud has no managed Grafana service, so dtwin cannot host dashboards "
        "(L5) there yet. Choose AWS or Azure Managed Grafana."
    )


_GOOGLE = (Slot.L1, Slot.L2, Slot.L3_HOT, Slot.L3_COLD, Slot.L3_ARCHIVE)
#: Which clouds this version can deploy, per slot: the one place that says so (validation,
#: the Layers page and the deploy orchestrator read it). A cloud may host a slot
#: (:data:`SLOT_INFO`) before dtwin can deploy it there.
DEPLOYABLE_CLOUDS: dict[Slot, frozenset[Cloud]] = {
    slot: frozenset({Cloud.AWS, Cloud.AZURE} | ({Cloud.GOOGLE} if slot in _GOOGLE else set()))
    for slot in SLOTS
}


def deployable_clouds(slot: Slot) -> tuple[Cloud, ...]:
    """The clouds this version can deploy ``slot`` on, in display order."""
    return tuple(c for c in CLOUDS if c in DEPLOYABLE_CLOUDS[slot])


def undeployable_reason(slot: Slot, cloud: Cloud) -> str | None:
    """Why this version cannot deploy ``slot`` on ``cloud`` (though the cloud could host
    it), or None when it can. Clouds that cannot host the slot at all are
    :func:`unsupported_reason`'s."""
    if cloud in DEPLOYABLE_CLOUDS[slot] or unsupported_reason(slot, cloud):
        return None
    able = " or ".join(CLOUD_TITLES[c] for c in deployable_clouds(slot))
    return (
        f"This version of dtwin cannot deploy {SLOT_INFO[slot].title} on "
        f"{CLOUD_TITLES[cloud]} yet (only {able or 'no cloud'}). The diagram shows what the "
        f"choice would need, but Review and Deploy refuse it: choose {able or 'another cloud'} "
        "for this layer to deploy."
    )


def parse_cloud(value: object) -> Cloud | None:
    """The cloud named by ``value`` (case-insensitive, aliases accepted), or None."""
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if text in CLOUD_ALIASES:
        return CLOUD_ALIASES[text]
    try:
        return Cloud(text)
    except ValueError:
        return None


def parse_choice(value: object) -> Cloud | NoCloud | None:
    """:func:`parse_cloud`, plus ``"none"`` (any case) read as :data:`NO_CLOUD`. Whether the
    slot may be left out is the caller's question (:data:`OPTIONAL_SLOTS`)."""
    if isinstance(value, str) and value.strip().lower() == NO_CLOUD:
        return NO_CLOUD
    return parse_cloud(value)


def is_left_out(providers: Mapping[Slot, object], slot: Slot) -> bool:
    """Whether the provider choice ``providers`` leaves the optional ``slot`` out (absent,
    or :data:`NO_CLOUD`)."""
    return slot in OPTIONAL_SLOTS and providers.get(slot, NO_CLOUD) is NO_CLOUD


def cloud_in(providers: Mapping[Slot, object], slot: Slot) -> Cloud | None:
    """The cloud of ``slot`` in ``providers``; None when left out or not chosen."""
    value = providers.get(slot)
    return value if isinstance(value, Cloud) else None


def as_choices(providers: Mapping[Slot, object]) -> dict[Slot, Cloud | NoCloud | None]:
    """Every slot's explicit choice: its cloud, :data:`NO_CLOUD` when left out, else None."""
    return {s: NO_CLOUD if is_left_out(providers, s) else cloud_in(providers, s) for s in SLOTS}


PRESETS: dict[str, dict[Slot, Cloud | NoCloud]] = {
    "All AWS": {s: Cloud.AWS for s in SLOTS},
    "All Azure": {s: Cloud.AZURE for s in SLOTS},
    # Google has no managed twin service or Grafana: an all-Google twin leaves them out.
    "All Google where possible": {
        **{s: Cloud.GOOGLE for s in SLOTS},
        Slot.L4: NO_CLOUD,
        Slot.L5: NO_CLOUD,
    },
}
