"""AWS, the first cloud behind the contract of :mod:`dtwin_gui.clouds.base`.

Parts are named ``"module:function"`` and imported on first use, so importing this package
does not import boto3.
"""

from __future__ import annotations

from dtwin_gui.clouds.base import CloudPlugin, SandboxPath, register
from dtwin_gui.core.providers import Cloud

_HERE = "dtwin_gui.clouds.aws"


def _sandbox_connection(endpoints, region: str = "us-east-1"):
    from dtwin_gui.clouds.aws.connection import sandbox_target

    return sandbox_target(endpoints["aws"], region)


def _cloud_connection(choice, secrets):
    from dtwin_gui.clouds.aws.preflight import target_for

    return target_for(choice, secrets)


def _environment_connection():
    from dtwin_gui.clouds.aws.connection import aws_target

    return aws_target()


def _preflight(choice, secrets, **kwargs):
    from dtwin_gui.clouds.aws.preflight import check_aws

    return check_aws(_cloud_connection(choice, secrets), **kwargs)


def _emulator():
    from dtwin_gui.clouds.aws.sandbox.spec import emulator_spec

    return emulator_spec()


PLUGIN = register(
    CloudPlugin(
        cloud=Cloud.AWS,
        label="AWS",
        deployable=True,
        sandbox_path=SandboxPath.TERRAFORM,
        sandbox_connection=_sandbox_connection,
        cloud_connection=_cloud_connection,
        environment_connection=_environment_connection,
        preflight=_preflight,
        emulator=_emulator,
        terraform_types=("aws_",),
        parts={
            "terraform_fragment": f"{_HERE}.terraform:terraform_fragment",
            "package": f"{_HERE}.packaging:package",
            "probes": f"{_HERE}.probes:probe_resources",
            "leftovers": f"{_HERE}.leftovers:find_leftovers",
            "console_link": f"{_HERE}.console_links:layer_link",
            "resource_link": f"{_HERE}.console_links:resource_link",
            "trace": f"{_HERE}.trace:trace_telemetry",
            "code_check": f"{_HERE}.code_check:check_code",
            "update_code": f"{_HERE}.update_code:update_code",
            "sdk_steps": f"{_HERE}.sdk.steps:aws_steps",
            "sdk_context": f"{_HERE}.sdk.context:make_context",
            "adopt": f"{_HERE}.adopt:lost_in_plan",
            "adopt_before_destroy": f"{_HERE}.adopt:lost_before_destroy",
            "identity": f"{_HERE}.identity:identity",
            "publish": f"{_HERE}.publish:publisher",
            "hot_reader": f"{_HERE}.hot_store:open_reader",
            "saved_steps": f"{_HERE}.sdk.state:saved_steps",
            "sandbox_url": f"{_HERE}.sandbox_urls:reachable_url",
            "glue_log": f"{_HERE}.glue_log:glue_log",
            "receiver_urls": f"{_HERE}.sandbox_urls:receiver_urls",
            "state_backend": f"{_HERE}.state_backend:state_backend",
        },
    )
)
