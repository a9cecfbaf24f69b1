"""Where another cloud's function reaches an AWS glue receiver in the sandbox (part
``sandbox_url``).

Terraform's outputs give a receiver's Lambda Function URL as moto names it
(``https://<id>.lambda-url.<region>.on.aws/``), which resolves nowhere on this machine; the
sandbox gateway serves every Function URL at ``<gateway>/_function_url/<function>/``. So in
the sandbox a receiver URL is looked up among the functions' URL configurations and given as
the gateway's; on real AWS it is returned unchanged.
"""

from __future__ import annotations

import re

from dtwin_gui.clouds.aws.connection import AwsConnection

_LAMBDA_URL = re.compile(r"^https://[a-z0-9]+\.lambda-url\.[a-z0-9-]+\.on\.aws/?", re.IGNORECASE)


def reachable_url(connection: AwsConnection, url: str) -> str:
    if not connection.is_sandbox or not _LAMBDA_URL.match(url or ""):
        return url
    client = connection.client("lambda")
    wanted = url.rstrip("/")
    for page in client.get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            name = function["FunctionName"]
            try:
                config = client.get_function_url_config(FunctionName=name)
            except client.exceptions.ResourceNotFoundException:
                continue
            if config["FunctionUrl"].rstrip("/") == wanted:
                return f"{connection.endpoint.rstrip('/')}/_function_url/{name}/"
    return url


def receiver_urls(ctx) -> dict[str, str]:
    """Part ``receiver_urls``: in the sandbox, where another cloud reaches each glue receiver
    AWS hosts, known before the apply (the gateway serves a function's URL at
    ``<gateway>/_function_url/<function>/``, the same answer :func:`reachable_url` gives once
    it exists). On real AWS Lambda names the URL at the apply: none is known before."""
    from dtwin_gui.core.providers import Cloud

    if not ctx.connection.is_sandbox:
        return {}
    topology = ctx.topology
    gateway = ctx.connection.endpoint.rstrip("/")
    urls: dict[str, str] = {}
    for boundary in topology.boundaries:
        if boundary.target_cloud is not Cloud.AWS:
            continue
        spec = boundary.spec
        receiver = next(
            (
                f
                for f in topology.functions_on(Cloud.AWS)
                if f.role == spec.receiver and f.slot is spec.target
            ),
            None,
        )
        if receiver is not None:
            urls[boundary.name] = f"{gateway}/_function_url/{topology.deployed_name(receiver)}/"
    return urls
