"""Does each resource of Terraform's state still exist in the cloud? (live, per resource)

The state says what Terraform made; only the cloud says what is still there. Each managed
resource of the state is looked up in one listing per service (about ten calls for a whole
twin, not one per resource). A resource that hangs off another (a bucket policy, a role
policy, a function URL) is present while its parent is: deleting the parent deletes it.
Types without a lookup here are reported as present, ``detail`` saying they were not checked.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from dtwin_gui.clouds.aws.connection import AwsConnection
from dtwin_gui.clouds.aws.leftovers import _paged
from dtwin_gui.clouds.base import MISSING, PRESENT, UNKNOWN, Probe

__all__ = ["LOOKUPS", "MISSING", "PRESENT", "UNKNOWN", "Probe", "probe_resources"]


def _key_id_before(separator: str) -> Callable[[dict], str]:
    return lambda attrs: attrs.get("id", "").split(separator)[0]


def _attr(*names: str) -> Callable[[dict], str]:
    def get(attrs: dict) -> str:
        for name in names:
            if attrs.get(name):
                return attrs[name]
        return ""

    return get


def _after_slash(attrs: dict) -> str:
    return attrs.get("name") or attrs.get("id", "").rpartition("/")[2]


def _listings() -> dict[str, Callable[[AwsConnection], Iterable[str]]]:
    return {
        "lambda": lambda t: (
            f["FunctionName"] for f in _paged(t.client("lambda"), "list_functions", "Functions")
        ),
        "iam": lambda t: (r["RoleName"] for r in _paged(t.client("iam"), "list_roles", "Roles")),
        "logs": lambda t, prefix="": (
            g["logGroupName"]
            for g in _paged(
                t.client("logs"),
                "describe_log_groups",
                "logGroups",
                **({"logGroupNamePrefix": prefix} if prefix else {}),
            )
        ),
        "s3": lambda t: (b["Name"] for b in t.client("s3").list_buckets().get("Buckets", [])),
        "scheduler": lambda t: (
            s["Name"] for s in _paged(t.client("scheduler"), "list_schedules", "Schedules")
        ),
        "stepfunctions": lambda t: (
            m["name"]
            for m in _paged(t.client("stepfunctions"), "list_state_machines", "stateMachines")
        ),
        "iot rules": lambda t: (
            r["ruleName"] for r in _paged(t.client("iot"), "list_topic_rules", "rules")
        ),
        "iot things": lambda t: (
            x["thingName"] for x in _paged(t.client("iot"), "list_things", "things")
        ),
        "iot policies": lambda t: (
            p["policyName"] for p in _paged(t.client("iot"), "list_policies", "policies")
        ),
        "grafana": lambda t: (
            w["id"] for w in _paged(t.client("grafana"), "list_workspaces", "workspaces")
        ),
        "dynamodb": lambda t: _paged(t.client("dynamodb"), "list_tables", "TableNames"),
    }


#: resource type -> (listing, how to get the looked-up name from the state's attributes,
#: whether the name is a parent's: the resource exists while that parent does).
LOOKUPS: dict[str, tuple[str, Callable[[dict], str], bool]] = {
    "aws_lambda_function": ("lambda", _attr("function_name", "id"), False),
    "aws_lambda_function_url": ("lambda", _attr("function_name"), True),
    "aws_lambda_permission": ("lambda", _attr("function_name"), True),
    "aws_iam_role": ("iam", _attr("name", "id"), False),
    "aws_iam_role_policy": ("iam", _key_id_before(":"), True),
    "aws_cloudwatch_log_group": ("logs", _attr("name", "id"), False),
    "aws_s3_bucket": ("s3", _attr("bucket", "id"), False),
    "aws_s3_bucket_policy": ("s3", _attr("bucket", "id"), True),
    "aws_s3_bucket_public_access_block": ("s3", _attr("bucket", "id"), True),
    "aws_s3_bucket_lifecycle_configuration": ("s3", _attr("bucket", "id"), True),
    "aws_s3_object": ("s3", _attr("bucket"), True),
    "aws_scheduler_schedule": ("scheduler", _after_slash, False),
    "aws_sfn_state_machine": ("stepfunctions", _attr("name"), False),
    "aws_iot_topic_rule": ("iot rules", _attr("name", "id"), False),
    "aws_iot_thing": ("iot things", _attr("name", "id"), False),
    "aws_iot_policy": ("iot policies", _attr("name", "id"), False),
    "aws_grafana_workspace": ("grafana", _attr("id"), False),
    "aws_dynamodb_table": ("dynamodb", _attr("name", "id"), False),
}


def _common_prefix(names: list[str]) -> str:
    """The characters every name starts with ("" for none)."""
    if not names:
        return ""
    first, last = min(names), max(names)
    size = 0
    while size < len(first) and first[size] == last[size]:
        size += 1
    return first[:size]


def probe_resources(target: AwsConnection, resources) -> dict[str, Probe]:
    """``{address: Probe}`` for the managed ``resources`` (StateResource) of a state."""
    listings = _listings()
    names: dict[str, set[str] | Exception] = {}
    out: dict[str, Probe] = {}
    resources = list(resources)
    # Log groups are listed by their common prefix (an account may have thousands).
    groups = [
        LOOKUPS[r.type][1](r.attributes)
        for r in resources
        if r.mode == "managed" and r.type == "aws_cloudwatch_log_group"
    ]
    prefix = _common_prefix(groups)
    listings["logs"] = functools.partial(listings["logs"], prefix=prefix)
    for resource in resources:
        if resource.mode != "managed":
            continue
        lookup = LOOKUPS.get(resource.type)
        if lookup is None:
            out[resource.address] = Probe(resource.address, PRESENT, "not checked")
            continue
        listing, key, parent = lookup
        if listing not in names:
            try:
                names[listing] = set(listings[listing](target))
            except Exception as exc:  # botocore raises many types; report, never hide
                names[listing] = exc
        found = names[listing]
        if isinstance(found, Exception):
            detail = f"could not list {listing}: {type(found).__name__}: {found}"
            out[resource.address] = Probe(resource.address, UNKNOWN, detail)
            continue
        name = key(resource.attributes)
        if name in found:
            out[resource.address] = Probe(resource.address, PRESENT)
        else:
            what = f"its {listing} parent {name} is gone" if parent else "not found"
            out[resource.address] = Probe(resource.address, MISSING, what)
    return out
