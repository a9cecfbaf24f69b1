"""The AWS side of adopting what a killed apply lost (the neutral flow is
:mod:`dtwin_gui.deploy.adoption`; issue 11).

Given what the plan would *create*, the target's boto3 session says which of those objects
already exist (parts ``adopt`` and ``adopt_before_destroy`` of the AWS plugin); the flow then
writes Terraform ``import`` blocks for them.

Only types whose create would fail on an existing object are adopted; the others (bucket
settings, inline role policies, objects, attachments) are idempotent puts. Types without a
probe here are listed in :data:`NOT_ADOPTED` and logged when they block.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from dtwin_gui.deploy.adoption import ADOPT_FILE, Adoption, clear_imports, write_imports

__all__ = ["ADOPT_FILE", "Adoption", "clear_imports", "write_imports"]


def _not_found(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
    status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status == 404 or "NotFound" in code or code in ("NoSuchEntity", "404", "NoSuchBucket")


def _exists(call: Callable[[], object]) -> bool:
    try:
        call()
    except Exception as exc:  # botocore raises many types
        if _not_found(exc):
            return False
        raise
    return True


def _permission_id(target, after: dict) -> str | None:
    function, sid = after.get("function_name"), after.get("statement_id")
    if not function or not sid:
        return None
    try:
        policy = json.loads(target.client("lambda").get_policy(FunctionName=function)["Policy"])
    except Exception as exc:
        if _not_found(exc):
            return None
        raise
    sids = {s.get("Sid") for s in policy.get("Statement", [])}
    return f"{function}/{sid}" if sid in sids else None


def _by_name(items: list[dict], name: str, key: str) -> str | None:
    return next((i.get(key) for i in items if i.get("name") == name), None)


def _probe(target, type_: str, after: dict) -> str | None:
    """The import id of the existing object a planned create of ``type_`` would collide
    with, or None when there is none (or the type needs no adoption)."""
    name = after.get("name")
    if type_ == "aws_iam_role" and name:
        return name if _exists(lambda: target.client("iam").get_role(RoleName=name)) else None
    if type_ == "aws_lambda_function" and (fn := after.get("function_name")):
        client = target.client("lambda")
        return fn if _exists(lambda: client.get_function(FunctionName=fn)) else None
    if type_ == "aws_lambda_function_url" and (fn := after.get("function_name")):
        client = target.client("lambda")
        return fn if _exists(lambda: client.get_function_url_config(FunctionName=fn)) else None
    if type_ == "aws_lambda_permission":
        return _permission_id(target, after)
    if type_ == "aws_cloudwatch_log_group" and name:
        groups = target.client("logs").describe_log_groups(logGroupNamePrefix=name)
        found = any(g["logGroupName"] == name for g in groups.get("logGroups", []))
        return name if found else None
    if type_ == "aws_s3_bucket" and (bucket := after.get("bucket")):
        s3 = target.client("s3")
        return bucket if _exists(lambda: s3.head_bucket(Bucket=bucket)) else None
    if type_ == "aws_dynamodb_table" and name:
        client = target.client("dynamodb")
        return name if _exists(lambda: client.describe_table(TableName=name)) else None
    if type_ == "aws_iot_policy" and name:
        return name if _exists(lambda: target.client("iot").get_policy(policyName=name)) else None
    if type_ == "aws_iot_thing" and name:
        iot = target.client("iot")
        return name if _exists(lambda: iot.describe_thing(thingName=name)) else None
    if type_ == "aws_iot_topic_rule" and name:
        iot = target.client("iot")
        return name if _exists(lambda: iot.get_topic_rule(ruleName=name)) else None
    if type_ == "aws_scheduler_schedule" and name:
        group = after.get("group_name") or "default"
        client = target.client("scheduler")
        found = _exists(lambda: client.get_schedule(Name=name, GroupName=group))
        return f"{group}/{name}" if found else None
    if type_ == "aws_sfn_state_machine" and name:
        machines = target.client("stepfunctions").list_state_machines().get("stateMachines", [])
        return next((m["stateMachineArn"] for m in machines if m.get("name") == name), None)
    if type_ == "aws_grafana_workspace" and name:
        workspaces = target.client("grafana").list_workspaces().get("workspaces", [])
        return _by_name(workspaces, name, "id")
    return None


#: Types a create of which fails on an existing object, and that are probed and imported.
ADOPTED_TYPES = frozenset(
    {
        "aws_iam_role",
        "aws_lambda_function",
        "aws_lambda_function_url",
        "aws_lambda_permission",
        "aws_cloudwatch_log_group",
        "aws_s3_bucket",
        "aws_dynamodb_table",
        "aws_iot_policy",
        "aws_iot_thing",
        "aws_iot_topic_rule",
        "aws_scheduler_schedule",
        "aws_sfn_state_machine",
        "aws_grafana_workspace",
    }
)


def planned_creates(plan_document: dict) -> list[tuple[str, str, dict]]:
    """``(address, type, planned attributes)`` of every managed resource the plan creates."""
    out = []
    for change in plan_document.get("resource_changes") or []:
        actions = (change.get("change") or {}).get("actions") or []
        if change.get("mode") != "managed" or actions != ["create"]:
            continue
        after = (change.get("change") or {}).get("after") or {}
        out.append((change["address"], change["type"], after))
    return out


def find_adoptions(target, plan_document: dict) -> list[Adoption]:
    """What the plan would create that already exists in the cloud."""
    found = []
    for address, type_, after in planned_creates(plan_document):
        if type_ not in ADOPTED_TYPES:
            continue
        import_id = _probe(target, type_, after)
        if import_id:
            name = after.get("name") or after.get("bucket") or after.get("function_name")
            found.append(Adoption(address, type_, import_id, str(name or import_id)))
    return found


def might_need_adoption(target, twin_name: str, plan, terraform_dir: Path) -> bool:
    """Cheap pre-check: the plan creates something and the cloud has objects named for
    the twin that no resource in the state carries (a first deploy into an empty account,
    or a redeploy adding a function, skips the detailed look)."""
    if not any(r.action == "create" for r in plan.resources):
        return False
    return bool(untracked_names(target, twin_name, terraform_dir))


def lost_in_plan(
    target, twin_name: str, plan, terraform_dir: Path, plan_document: Callable[[], dict]
) -> list[Adoption]:
    """The part ``adopt``: what ``plan`` would create on AWS that already exists there
    (``plan_document()``: the plan as Terraform's JSON, asked only past the cheap check)."""
    if not might_need_adoption(target, twin_name, plan, terraform_dir):
        return []
    return find_adoptions(target, plan_document())


#: The Terraform types whose state carries the objects a leftovers service lists. A name
#: counts as tracked only by a resource of its own kind: a role named like its function
#: must not hide the function Terraform lost track of.
SERVICE_TYPES = {
    "lambda": {"aws_lambda_function"},
    "dynamodb": {"aws_dynamodb_table"},
    "s3": {"aws_s3_bucket"},
    "iam": {"aws_iam_role"},
    "iot things": {"aws_iot_thing"},
    "iot policies": {"aws_iot_policy"},
    "iot topic rules": {"aws_iot_topic_rule"},
    "logs": {"aws_cloudwatch_log_group"},
    "scheduler": {"aws_scheduler_schedule"},
    "events": {"aws_cloudwatch_event_rule"},
    "stepfunctions": {"aws_sfn_state_machine"},
    "grafana": {"aws_grafana_workspace"},
}


def untracked_names(target, twin_name: str, terraform_dir: Path) -> set[str]:
    """Names of the twin's objects in the cloud that no resource of their kind in the
    state carries (services made by SDK steps, e.g. TwinMaker, match any resource)."""
    from dtwin_gui.clouds.aws.leftovers import find_leftovers
    from dtwin_gui.iac.state import read_state

    left = {s: found for s, found in find_leftovers(target, twin_name).items() if s != "unlisted"}
    if not left:
        return set()
    resources = read_state(terraform_dir).resources
    known_any = {v for r in resources for v in r.attributes.values()}
    untracked = set()
    for service, found in left.items():
        types = SERVICE_TYPES.get(service)
        if types is None:
            known = known_any
        else:
            known = {v for r in resources if r.type in types for v in r.attributes.values()}
        untracked |= set(found) - known
    return untracked


def lost_before_destroy(
    target, twin_name: str, terraform_dir: Path, plan_document: Callable[[], dict]
) -> list[Adoption]:
    """The part ``adopt_before_destroy``: what a killed apply created on AWS but never
    recorded (``plan_document()`` plans and shows where each one goes, asked only when
    something is untracked)."""
    untracked = untracked_names(target, twin_name, terraform_dir)
    if not untracked:
        return []
    return [a for a in find_adoptions(target, plan_document()) if a.name in untracked]
