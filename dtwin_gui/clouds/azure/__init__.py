"""Azure behind the contract of :mod:`dtwin_gui.clouds.base`.

Parts: sign-in and permission preflight, connections, packaging (one Function App zip per
layer), the Terraform fragment (real Azure), and in the sandbox the emulator (Azurite,
cosmosdb-server, the HTTPS gateway with the Functions host and the IoT Hub / Digital Twins /
Grafana emulations) and the provisioner (:mod:`.provision`: the intent created on the
emulators, since no azurerm provider can be installed here); the SDK steps (devices, the
Digital Twins graph, Grafana), status probes of what was provisioned, the code check,
leftovers, the hot reader (`dtwin query`) and the device side (publish).
"""

from __future__ import annotations

from dtwin_gui.clouds.base import CloudPlugin, SandboxPath, register
from dtwin_gui.core.providers import Cloud


def _preflight(choice, secrets, **kwargs):
    from dtwin_gui.clouds.azure.preflight import check_azure

    return check_azure(choice, secrets, **kwargs)


def _emulator():
    from dtwin_gui.clouds.azure.sandbox.spec import emulator_spec

    return emulator_spec()


def _connection():
    from dtwin_gui.clouds.azure import connection

    return connection


PLUGIN = register(
    CloudPlugin(
        cloud=Cloud.AZURE,
        label="Azure",
        deployable=True,
        # No azurerm provider can be installed here: modules are checked, emulators provisioned.
        sandbox_path=SandboxPath.PROVISIONED,
        preflight=_preflight,
        emulator=_emulator,
        sandbox_connection=lambda endpoints, region="": _connection().sandbox_connection(
            endpoints, region
        ),
        cloud_connection=lambda choice, secrets: _connection().cloud_connection(choice, secrets),
        environment_connection=lambda: _connection().environment_connection(),
        terraform_types=(
            "azurerm_",
            "azuread_",
        ),
        parts={
            "package": "dtwin_gui.clouds.azure.packaging:package",
            "terraform_fragment": "dtwin_gui.clouds.azure.terraform:terraform_fragment",
            # the sandbox creates the intent on the emulators (deploy/provision_phase.py)
            "provision": "dtwin_gui.clouds.azure.provision:provision",
            "deprovision": "dtwin_gui.clouds.azure.provision:deprovision",
            "receiver_urls": "dtwin_gui.clouds.azure.provision:receiver_urls",
            "console_link": "dtwin_gui.clouds.azure.console_links:layer_link",
            "resource_link": "dtwin_gui.clouds.azure.console_links:resource_link",
            "identity": "dtwin_gui.clouds.azure.identity:identity",
            "code_check": "dtwin_gui.clouds.azure.code_check:check_code",
            "update_code": "dtwin_gui.clouds.azure.update_code:update_code",
            "glue_log": "dtwin_gui.clouds.azure.glue_log:glue_log",
            "sdk_steps": "dtwin_gui.clouds.azure.sdk.steps:azure_steps",
            "sdk_context": "dtwin_gui.clouds.azure.sdk.context:make_context",
            "saved_steps": "dtwin_gui.clouds.azure.sdk.state:saved_steps",
            "probe_provisioned": "dtwin_gui.clouds.azure.probes:probe_provisioned",
            "probes": "dtwin_gui.clouds.azure.state_probes:probe_resources",
            "leftovers": "dtwin_gui.clouds.azure.leftovers:find_leftovers",
            "hot_reader": "dtwin_gui.clouds.azure.hot_store:open_reader",
            "publish": "dtwin_gui.clouds.azure.publish:publisher",
            "feedback": "dtwin_gui.clouds.azure.publish:feedback_reader",
            "state_backend": "dtwin_gui.clouds.azure.state_backend:state_backend",
        },
    )
)
