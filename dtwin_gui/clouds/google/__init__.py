"""Google Cloud behind the contract of :mod:`dtwin_gui.clouds.base`: today the sign-in check.

The deployable parts (Terraform modules, Cloud Functions gen2 sources, the Pub/Sub and
Firestore emulators) are the Google issue's work; until then ``deployable`` is False.
"""

from __future__ import annotations

from dtwin_gui.clouds.base import CloudPlugin, SandboxPath, register
from dtwin_gui.core.providers import Cloud


def _preflight(choice, secrets, **kwargs):
    from dtwin_gui.clouds.google.preflight import check_google

    return check_google(choice, **kwargs)


PLUGIN = register(
    CloudPlugin(
        cloud=Cloud.GOOGLE,
        label="Google Cloud",
        deployable=False,
        # No google provider can be installed here: modules are checked, emulators provisioned.
        sandbox_path=SandboxPath.PROVISIONED,
        preflight=_preflight,
        terraform_types=("google_",),
    )
)
