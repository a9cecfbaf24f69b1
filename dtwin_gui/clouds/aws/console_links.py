"""Links to the AWS console for the twin's resources, per layer and per resource.

The sandbox is emulated on this computer: it has no console, and every link says so.
"""

from __future__ import annotations

from urllib.parse import quote

from dtwin_gui.clouds.aws.connection import AwsConnection
from dtwin_gui.clouds.base import ConsoleLink
from dtwin_gui.core.providers import Slot

NO_CONSOLE = "emulated: no console"


def _regional(region: str, path: str) -> str:
    return f"https://{region}.console.aws.amazon.com/{path}"


def _url(kind: str, name: str, region: str) -> str | None:
    n = quote(name, safe="")
    r = region
    return {
        "iot-thing": _regional(r, f"iot/home?region={r}#/thing/{n}"),
        "iot-rule": _regional(r, f"iot/home?region={r}#/rule/{n}"),
        "iot-policy": _regional(r, f"iot/home?region={r}#/policy/{n}"),
        "iot": _regional(r, f"iot/home?region={r}#/thinghub"),
        "lambda": _regional(r, f"lambda/home?region={r}#/functions/{n}"),
        "lambda-list": _regional(r, f"lambda/home?region={r}#/functions?f0={n}"),
        "dynamodb": _regional(r, f"dynamodbv2/home?region={r}#table?name={n}"),
        "s3": f"https://s3.console.aws.amazon.com/s3/buckets/{n}?region={r}",
        "twinmaker": _regional(r, f"iottwinmaker/home?region={r}#/workspaces/{n}"),
        "grafana": _regional(r, f"grafana/home?region={r}#/workspaces/workspace/{n}"),
        "states": _regional(r, f"states/home?region={r}#/statemachines/view/{n}"),
        "scheduler": _regional(r, f"scheduler/home?region={r}#schedules/default/{n}"),
        "events": _regional(r, f"events/home?region={r}#/eventbus/{n}"),
        "iam-role": f"https://console.aws.amazon.com/iam/home#/roles/details/{n}",
        "logs": _regional(r, f"cloudwatch/home?region={r}#logsV2:log-groups/log-group/{n}"),
    }.get(kind)


#: Terraform resource type (or SDK probe kind) → console page kind.
_COMPONENT_KINDS = {
    "aws_iot_thing": "iot-thing",
    "aws_iot_topic_rule": "iot-rule",
    "aws_iot_policy": "iot-policy",
    "iot-certificate": "iot-thing",
    "aws_lambda_function": "lambda",
    "aws_lambda_function_url": "lambda",
    "aws_dynamodb_table": "dynamodb",
    "aws_s3_bucket": "s3",
    "aws_grafana_workspace": "grafana",
    "aws_sfn_state_machine": "states",
    "aws_scheduler_schedule": "scheduler",
    "aws_cloudwatch_event_rule": "events",
    "aws_iam_role": "iam-role",
    "aws_cloudwatch_log_group": "logs",
}


def resource_link(
    target: AwsConnection,
    component: str,
    name: str,
    *,
    arn: str = "",
    thing_names: dict | None = None,
) -> ConsoleLink:
    """The console page of one resource (``component``: Terraform type or SDK probe kind)."""
    if target.is_sandbox:
        return ConsoleLink(None, NO_CONSOLE)
    kind = _COMPONENT_KINDS.get(component)
    if component.startswith("twinmaker"):
        kind = "twinmaker"
    if kind is None:
        return ConsoleLink(None, f"no console page for {component}")
    if kind == "iot-thing" and thing_names and name in thing_names:
        name = thing_names[name]  # SDK probes name the device, the console wants the thing
    if kind == "states":
        name = arn or name
        if not name.startswith("arn:"):
            return ConsoleLink(None, "the state machine's ARN is not known")
    if not name:
        return ConsoleLink(None, "the resource has no name yet")
    return ConsoleLink(_url(kind, name, target.region))


def layer_link(target: AwsConnection, layer: str, outputs: dict, twin_name: str) -> ConsoleLink:
    """The console page that best shows a whole layer (its main resource)."""
    if target.is_sandbox:
        return ConsoleLink(None, NO_CONSOLE)
    region = target.region
    out = outputs or {}
    if layer == str(Slot.L1):
        return ConsoleLink(_url("iot", "", region))
    if layer == str(Slot.L2):
        return ConsoleLink(_url("lambda-list", twin_name, region))
    # Names come from the deploy's outputs (the topology named them once); none before.
    if layer == str(Slot.L3_HOT):
        if not out.get("hot_table_name"):
            return ConsoleLink(None, "the table name is known after a deploy")
        return ConsoleLink(_url("dynamodb", out["hot_table_name"], region))
    buckets = (
        (Slot.L3_COLD, "cold_bucket_name"),
        (Slot.L3_ARCHIVE, "archive_bucket_name"),
        ("setup", "functions_bucket_name"),
    )
    for slot, key in buckets:
        if layer == str(slot):
            if not out.get(key):
                return ConsoleLink(None, "the bucket name is known after a deploy")
            return ConsoleLink(_url("s3", out[key], region))
    if layer == str(Slot.L4):
        if not out.get("twinmaker_workspace_name"):
            return ConsoleLink(None, "the TwinMaker workspace is known after a deploy")
        return ConsoleLink(_url("twinmaker", out["twinmaker_workspace_name"], region))
    if layer == str(Slot.L5):
        if not out.get("grafana_workspace_id"):
            return ConsoleLink(None, "the Grafana workspace id is known after a deploy")
        return ConsoleLink(_url("grafana", out["grafana_workspace_id"], region))
    return ConsoleLink(None, f"no console page for {layer}")
