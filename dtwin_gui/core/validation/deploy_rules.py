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
