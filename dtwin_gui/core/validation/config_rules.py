"""config.json, config_providers.json and config_features.json, and the twin name."""

from __future__ import annotations

from dtwin_gui.core import project as files
from dtwin_gui.core.naming import alnum, suggest_twin_name, twin_name_problems
from dtwin_gui.core.providers import (
    CLOUD_ALIASES,
    NO_CLOUD,
    OPTIONAL_SLOTS,
    PROVIDER_KEYS,
    SLOT_INFO,
    Cloud,
    parse_choice,
    unsupported_reason,
)
from dtwin_gui.core.schema import ConfigFile, FeaturesFile, ProjectInfoFile, ProvidersFile
from dtwin_gui.core.topology import Topology
from dtwin_gui.core.validation.context import Context
from dtwin_gui.core.validation.schema_check import check_schema


def check_config(ctx: Context) -> None:
    doc = ctx.json(files.CONFIG, required=True)
    if doc is None:
        return
    if not check_schema(ctx, files.CONFIG, doc.value, ConfigFile):
        return
    data = doc.value
    name = data["digital_twin_name"]
    for problem in twin_name_problems(name):
        ctx.error(
            files.CONFIG,
            ("digital_twin_name",),
            f"twin name {name!r} {problem}",
            f"it prefixes every cloud resource name; try {suggest_twin_name(name)!r}",
            code="twin-name",
        )
    if data["cold_storage_size_in_days"] <= data["hot_storage_size_in_days"]:
        ctx.warning(
            files.CONFIG,
            ("cold_storage_size_in_days",),
            "cold storage keeps data no longer than hot storage, so records reach the "
            "archive as soon as they leave hot storage",
            "make cold_storage_size_in_days larger than hot_storage_size_in_days",
            code="storage-days",
        )


def check_providers(ctx: Context) -> None:
    doc = ctx.json(files.PROVIDERS, required=True)
    if doc is None:
        return
    check_schema(ctx, files.PROVIDERS, doc.value, ProvidersFile)
    if not isinstance(doc.value, dict):
        return
    for slot, key in PROVIDER_KEYS.items():
        value = doc.value.get(key)
        if not isinstance(value, str):
            continue
        cloud = parse_choice(value)
        if cloud is NO_CLOUD and slot not in OPTIONAL_SLOTS:
            ctx.error(
                files.PROVIDERS,
                (key,),
                f'{SLOT_INFO[slot].title} cannot be "none": every twin needs L1 to L3 '
                "(only the twin model, L4, and the dashboards, L5, can be left out)",
                f'set {key} to "aws", "azure" or "google"',
                code="provider-required",
            )
            continue
        if cloud is None:
            optional = ', or "none" to leave the layer out' if slot in OPTIONAL_SLOTS else ""
            ctx.error(
                files.PROVIDERS,
                (key,),
                f"{value!r} is not a cloud dtwin knows",
                f'use "aws", "azure" or "google"{optional}',
                code="provider-unknown",
            )
            continue
        if cloud is NO_CLOUD:
            if value != str(NO_CLOUD):
                ctx.warning(
                    files.PROVIDERS,
                    (key,),
                    f'{value!r} is read as "none" (no {SLOT_INFO[slot].role})',
                    'write "none" (choosing None on the Layers page does it for you)',
                    code="provider-alias",
                )
            continue
        if value.strip().lower() in CLOUD_ALIASES or value != str(cloud):
            ctx.warning(
                files.PROVIDERS,
                (key,),
                f"{value!r} is read as {str(cloud)!r}",
                f'write "{cloud}" (choosing the layer on the Layers page does it for you)',
                code="provider-alias",
            )
        reason = unsupported_reason(slot, cloud)
        if reason:
            ctx.error(
                files.PROVIDERS,
                (key,),
                reason,
                f'set {key} to "aws" or "azure", or "none" to leave the layer out',
                code="provider-unsupported",
            )


def check_features(ctx: Context) -> None:
    doc = ctx.json(files.FEATURES)
    if doc is not None:
        check_schema(ctx, files.FEATURES, doc.value, FeaturesFile)
    info = ctx.json(files.PROJECT_INFO)
    if info is not None:
        check_schema(ctx, files.PROJECT_INFO, info.value, ProjectInfoFile)


def check_derived_names(ctx: Context, topology: Topology) -> None:
    """Every resource name derived from the twin name fits its cloud's rule."""
    reported: set[str] = set()
    for resource in topology.resource_names:
        if resource.rule.key in reported:
            continue
        issues = resource.rule.problems(resource.name)
        if not issues:
            continue
        reported.add(resource.rule.key)
        twin = topology.twin_name
        used = next(
            v for v in (twin, alnum(twin), twin.replace("-", "_"), "") if v in resource.name
        )
        room = resource.rule.max_length - (len(resource.name) - len(used))
        cloud = {Cloud.AWS: "AWS", Cloud.AZURE: "Azure", Cloud.GOOGLE: "Google Cloud"}[
            resource.cloud
        ]
        where = f" for {resource.slot}" if resource.slot else ""
        ctx.error(
            files.CONFIG,
            ("digital_twin_name",),
            f"with this twin name the {cloud} {resource.rule.kind}{where} would be named "
            f"{resource.name!r}, which {issues[0]}",
            f"{cloud} {resource.rule.kind} names allow {resource.rule.description}; "
            + _shorten_hint(resource.name, twin, room, resource.rule.key),
            code=f"name.{resource.rule.key}",
        )


def _shorten_hint(name: str, twin: str, room: int, rule_key: str) -> str:
    for part, what in (("-processor-", "device id"), ("-action-", "action name")):
        if part in name:
            return f"shorten the twin name or the {what} (the name is <twin>{part}<{what}>)"
    if room <= 0:
        return "this name cannot be shortened by the twin name alone"
    unit = " letters and digits" if rule_key == "azure.storage_account" else " characters"
    return f"use a twin name of at most {room}{unit}"
