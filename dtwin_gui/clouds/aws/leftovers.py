"""What of a twin still exists in the cloud, listed per service (after a destroy)."""

from __future__ import annotations

from collections.abc import Callable

from dtwin_gui.clouds.aws.connection import AwsConnection


def _paged(client, operation: str, key: str, **kwargs) -> list:
    out = []
    if client.can_paginate(operation):
        for page in client.get_paginator(operation).paginate(**kwargs):
            out.extend(page.get(key, []))
    else:
        out.extend(getattr(client, operation)(**kwargs).get(key, []))
    return out


def _listers(twin: str) -> dict[str, Callable[[AwsConnection], list[str]]]:
    prefix = f"{twin}-"
    rule_prefix = twin.replace("-", "_")

    def lambdas(t):
        return [
            f["FunctionName"] for f in _paged(t.client("lambda"), "list_functions", "Functions")
        ]

    def tables(t):
        return _paged(t.client("dynamodb"), "list_tables", "TableNames")

    def buckets(t):
        return [b["Name"] for b in t.client("s3").list_buckets().get("Buckets", [])]

    def roles(t):
        return [r["RoleName"] for r in _paged(t.client("iam"), "list_roles", "Roles")]

    def things(t):
        return [x["thingName"] for x in _paged(t.client("iot"), "list_things", "things")]

    def policies(t):
        return [p["policyName"] for p in _paged(t.client("iot"), "list_policies", "policies")]

    def topic_rules(t):
        return [r["ruleName"] for r in _paged(t.client("iot"), "list_topic_rules", "rules")]

    def log_groups(t):
        return [
            g["logGroupName"]
            for g in _paged(
                t.client("logs"),
                "describe_log_groups",
                "logGroups",
                logGroupNamePrefix=f"/aws/lambda/{prefix}",
            )
        ]

    def schedules(t):
        return [s["Name"] for s in _paged(t.client("scheduler"), "list_schedules", "Schedules")]

    def event_rules(t):
        return [r["Name"] for r in t.client("events").list_rules().get("Rules", [])]

    def twinmaker(t):
        return [
            w["workspaceId"]
            for w in _paged(t.client("iottwinmaker"), "list_workspaces", "workspaceSummaries")
        ]

    def grafana(t):
        return [
            w.get("name", "") for w in _paged(t.client("grafana"), "list_workspaces", "workspaces")
        ]

    def state_machines(t):
        return [
            m["name"]
            for m in _paged(t.client("stepfunctions"), "list_state_machines", "stateMachines")
        ]

    listers = {
        "lambda": lambdas,
        "dynamodb": tables,
        "s3": buckets,
        "iam": roles,
        "iot things": things,
        "iot policies": policies,
        "iot topic rules": topic_rules,
        "logs": log_groups,
        "scheduler": schedules,
        "events": event_rules,
        "stepfunctions": state_machines,
        "iottwinmaker": twinmaker,
        "grafana": grafana,
    }

    def owned(name: str) -> bool:
        return (
            name.startswith(prefix)
            or name.startswith(f"{rule_prefix}_")
            or name.startswith(f"/aws/lambda/{prefix}")
        )

    return {k: (lambda t, f=f: [n for n in f(t) if owned(n)]) for k, f in listers.items()}


def find_leftovers(target: AwsConnection, twin_name: str) -> dict[str, list[str]]:
    """``{service: [names]}`` of everything named for ``twin_name`` that still exists.

    A service that cannot be listed (not enabled, no permission) is reported under
    ``"unlisted"`` rather than silently skipped.
    """
    found: dict[str, list[str]] = {}
    unlisted: list[str] = []
    for service, lister in _listers(twin_name).items():
        try:
            names = sorted(lister(target))
        except Exception as exc:  # botocore raises many types; we report, never hide
            unlisted.append(f"{service} ({type(exc).__name__})")
            continue
        if names:
            found[service] = names
    if unlisted and not target.is_sandbox:
        found["unlisted"] = unlisted
    return found
