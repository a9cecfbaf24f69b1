"""Google Cloud behind the contract of :mod:`dtwin_gui.clouds.base` (issue 15): L1–L3.

Parts: sign-in and permission preflight, connections, packaging (one Cloud Functions source
zip per layer), the Terraform fragment (real Google), and in the sandbox the emulator (the
Pub/Sub and Firestore emulators, fake-gcs-server and the gateway running each Cloud Function
in functions-framework) and the provisioner (:mod:`.provision`: the intent created on the
emulators, since no google provider can be installed here); status probes of what was
provisioned, the code check, leftovers, the hot reader (`dtwin query`) and the device side
(publish to the telemetry topic, feedback from the device's subscription). Google has no
managed twin service or Grafana: L4/L5 are never on Google.
"""

from __future__ import annotations

from dtwin_gui.clouds.base import CloudPlugin, SandboxPath, register
from dtwin_gui.core.providers import Cloud


def _preflight(choice, secrets, **kwargs):
    from dtwin_gui.clouds.google.preflight import check_google

    return check_google(choice, **kwargs)


def _emulator():
    from dtwin_gui.clouds.google.sandbox.spec import emulator_spec

    return emulator_spec()


def _connection():
    from dtwin_gui.clouds.google import connection

    return connection


PLUGIN = register(
    CloudPlugin(
        cloud=Cloud.GOOGLE,
        label="Google Cloud",
        deployable=True,
        # No google provider can be installed here: modules are checked, emulators provisioned.
        sandbox_path=SandboxPath.PROVISIONED,
        preflight=_preflight,
        emulator=_emulator,
        sandbox_connection=lambda endpoints, region="": _connection().sandbox_connection(
            endpoints, region
        ),
        cloud_connection=lambda choice, secrets: _connection().cloud_connection(choice, secrets),
        environment_connection=lambda: _connection().environment_connection(),
        terraform_types=("google_",),
        parts={
            "package": "dtwin_gui.clouds.google.packaging:package",
            "terraform_fragment": "dtwin_gui.clouds.google.terraform:terraform_fragment",
            # the sandbox creates the intent on the emulators (deploy/provision_phase.py)
            "provision": "dtwin_gui.clouds.google.provision:provision",
            "deprovision": "dtwin_gui.clouds.google.provision:deprovision",
            "receiver_urls": "dtwin_gui.clouds.google.provision:receiver_urls",
            "glue_log": "dtwin_gui.clouds.google.glue_log:glue_log",
            "sandbox_url": "dtwin_gui.clouds.google.provision:sandbox_url",
            "probe_provisioned": "dtwin_gui.clouds.google.probes:probe_provisioned",
            "leftovers": "dtwin_gui.clouds.google.leftovers:find_leftovers",
            "hot_reader": "dtwin_gui.clouds.google.hot_store:open_reader",
            "publish": "dtwin_gui.clouds.google.publish:publisher",
            "feedback": "dtwin_gui.clouds.google.publish:feedback_reader",
            "code_check": "dtwin_gui.clouds.google.code_check:check_code",
            "update_code": "dtwin_gui.clouds.google.update_code:update_code",
            "console_link": "dtwin_gui.clouds.google.console_links:layer_link",
            "resource_link": "dtwin_gui.clouds.google.console_links:resource_link",
            "identity": "dtwin_gui.clouds.google.identity:identity",
            "state_backend": "dtwin_gui.clouds.google.state_backend:state_backend",
        },
    )
)
