"""Can this version deploy the chosen clouds? (``providers.DEPLOYABLE_CLOUDS`` says.)"""

from __future__ import annotations

from dtwin_gui.core import project as files
from dtwin_gui.core.providers import (
    CLOUD_TITLES,
    PROVIDER_KEYS,
    SLOT_INFO,
    deployable_clouds,
    parse_cloud,
    undeployable_reason,
)
from dtwin_gui.core.validation.context import Context


def check_deployable(ctx: Context) -> None:
    """An error per layer whose cloud this version cannot deploy, at its provider key.

    Clouds that cannot host the layer at all, and unknown names, are
    :func:`~dtwin_gui.core.validation.config_rules.check_providers`'s to report.
    """
    doc = ctx.json(files.PROVIDERS)
    if doc is None or not isinstance(doc.value, dict):
        return
    for slot, key in PROVIDER_KEYS.items():
        cloud = parse_cloud(doc.value.get(key))
        if cloud is None or undeployable_reason(slot, cloud) is None:
            continue
        able = deployable_clouds(slot)
        titles = " or ".join(CLOUD_TITLES[c] for c in able)
        what = f"{SLOT_INFO[slot].title} on {CLOUD_TITLES[cloud]} cannot be deployed by this "
        if able:
            message = what + f"version of dtwin (it deploys this layer only on {titles})"
            hint = f"choose {titles} for this layer on the Layers page "
            hint += f'(or set {key} to "{able[0]}")'
        else:
            message = what + "version of dtwin (it cannot deploy this layer on any cloud yet)"
            hint = f"leave {key} out of config_providers.json to deploy the other layers"
        ctx.error(files.PROVIDERS, (key,), message, hint, code="provider-not-deployable")


def check_feedback_reach(ctx: Context, providers, features) -> None:
    """A warning when the event feedback cannot reach the devices: L2 sends it through L1's
    device service, and no glue carries it to another cloud yet."""
    from dtwin_gui.core.providers import Slot

    l1, l2 = providers.get(Slot.L1), providers.get(Slot.L2)
    wanted = features.get("use_event_checking") and features.get("return_feedback_to_device")
    if not wanted or l1 is None or l2 is None or l1 is l2:
        return
    ctx.warning(
        files.PROVIDERS,
        (PROVIDER_KEYS[Slot.L2],),
        f"event feedback to devices is not delivered: L1 is on {CLOUD_TITLES[l1]} and L2 on "
        f"{CLOUD_TITLES[l2]}, and this version sends feedback only through the device service "
        "of L2's own cloud",
        "put L1 and L2 on one cloud to get feedback on the devices, or turn "
        "return_feedback_to_device off",
        code="feedback-across-clouds",
    )
