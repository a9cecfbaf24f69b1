"""The root document: provider and backend settings, then modules, variables and outputs
as the layer wiring (:mod:`dtwin_gui.iac.root_layers`) assembled them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from dtwin_gui.iac.root_parts import Ref, RootError, encode

if TYPE_CHECKING:
    from dtwin_gui.iac.root_layers import RootBuilder

AWS_PROVIDER_VERSION = "5.100.0"
#: The account the sandbox emulator (moto) reports.
SANDBOX_ACCOUNT = "123456789012"
#: Attempts the aws provider makes per call against the sandbox.
SANDBOX_MAX_RETRIES = 3
#: Services the AWS modules call; the sandbox provider sends each to the emulator.
SANDBOX_SERVICES = (
    "dynamodb",
    "grafana",
    "iam",
    "iot",
    "lambda",
    "logs",
    "s3",
    "scheduler",
    "sfn",
    "sts",
)


def provider(builder: RootBuilder, backend: Mapping[str, Mapping] | None) -> dict:
    """The ``terraform`` block (version, provider, backend) and the aws provider."""
    aws: dict = {
        "region": builder.target.region,
        "default_tags": {"tags": {"dtwin:twin": builder.twin, "dtwin:managed-by": "dtwin"}},
    }
    if builder.target.is_sandbox:
        if not builder.target.endpoint:
            raise RootError("the sandbox target has no endpoint; start the sandbox first")
        aws.update(
            endpoints={service: builder.target.endpoint for service in SANDBOX_SERVICES},
            skip_credentials_validation=True,
            skip_requesting_account_id=True,
            skip_metadata_api_check=True,
            s3_use_path_style=True,
            # A few retries ride over the occasional loopback connection the emulator
            # drops mid-answer; errors it means (4xx, 501 for what it lacks) are not
            # retried, so a real failure still surfaces at once.
            max_retries=SANDBOX_MAX_RETRIES,
        )
    terraform: dict = {
        "required_version": ">= 1.5",
        "required_providers": {"aws": {"source": "hashicorp/aws", "version": AWS_PROVIDER_VERSION}},
    }
    if backend:
        terraform["backend"] = {str(k): dict(v) for k, v in backend.items()}
    return {"terraform": terraform, "provider": {"aws": aws}}


def document(builder: RootBuilder, backend: Mapping[str, Mapping] | None) -> dict:
    """The whole ``main.tf.json`` of a built :class:`RootBuilder`."""
    doc = provider(builder, backend)
    if "iot_endpoint" in builder.outputs or any(
        isinstance(m.get("iot_endpoint"), Ref) for m in builder.modules.values()
    ):
        doc["data"] = {"aws_iot_endpoint": {"data": {"endpoint_type": "iot:Data-ATS"}}}
    doc["module"] = {name: encode(inputs) for name, inputs in builder.modules.items()}
    if builder.variables:
        doc["variable"] = {
            v.name: {
                "type": "string",
                "sensitive": True,
                "description": v.description,
                **({} if v.required else {"default": None}),
            }
            for v in builder.variables.values()
        }
    doc["output"] = {
        name: {"value": encode(value)} for name, value in sorted(builder.outputs.items())
    }
    return doc
