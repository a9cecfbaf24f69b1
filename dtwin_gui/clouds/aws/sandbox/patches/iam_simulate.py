"""IAM policy simulation (``iam:SimulatePrincipalPolicy``), which moto does not implement.

The Credentials page asks IAM which deployment actions the signed-in principal may call.
This answers that call from moto's IAM state: the policies of the user (inline, attached
managed, and those of its groups), the role or the group named by ``PolicySourceArn``, plus
any ``PolicyInputList`` documents. Evaluation follows AWS's order: an explicit ``Deny``
wins, otherwise any ``Allow`` allows, otherwise the decision is ``implicitDeny``.

Supported: ``Action``/``NotAction`` and ``Resource``/``NotResource`` with ``*`` and ``?``
wildcards (actions case-insensitive). A requested resource of ``*`` (the default) matches
every statement's resources. Statements with a ``Condition`` are skipped (no context keys
are evaluated). Permission boundaries, SCPs and resource policies are not considered.

Like AWS, the caller needs ``iam:SimulatePrincipalPolicy`` itself: when the request is
signed with the access key of a moto IAM user whose policies do not allow it, the reply is
``AccessDenied``. Keys unknown to moto (the sandbox's ``testing`` key) may always simulate.
"""

from __future__ import annotations

import json
import re
import uuid
from functools import lru_cache
from urllib.parse import parse_qsl, unquote
from xml.sax.saxutils import escape

from dtwin_gui.clouds.aws.sandbox.gateway import Request, Response
from dtwin_gui.clouds.aws.sandbox.patches._common import header, service_of

NS = "https://iam.amazonaws.com/doc/2010-05-08/"
_ACCESS_KEY = re.compile(r"Credential=(?P<key>[^/]+)/")
_PRINCIPAL = re.compile(
    r"^arn:[^:]+:iam::(?P<account>\d{12}):(?P<kind>user|role|group)/(.+/)?(?P<name>[^/]+)$"
)


class SimulationError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


# --- evaluation --------------------------------------------------------------------------
@lru_cache(maxsize=512)
def _pattern(glob: str, ignore_case: bool) -> re.Pattern:
    body = re.escape(glob).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile(f"^{body}$", re.IGNORECASE if ignore_case else 0)


def _listed(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def _any_match(patterns: list[str], value: str, *, ignore_case: bool) -> bool:
    return any(_pattern(p, ignore_case).match(value) for p in patterns)


def _statement_applies(statement: dict, action: str, resource: str) -> bool:
    if "Action" in statement:
        if not _any_match(_listed(statement["Action"]), action, ignore_case=True):
            return False
    elif "NotAction" in statement:
        if _any_match(_listed(statement["NotAction"]), action, ignore_case=True):
            return False
    else:
        return False
    if resource == "*":
        return True
    if "Resource" in statement:
        return _any_match(_listed(statement["Resource"]), resource, ignore_case=False)
    if "NotResource" in statement:
        return not _any_match(_listed(statement["NotResource"]), resource, ignore_case=False)
    return False


def evaluate(documents: list[tuple[str, dict]], action: str, resource: str = "*"):
    """``(decision, matched policy ids)`` for ``action`` on ``resource`` under ``documents``.

    ``documents`` are ``(policy id, policy document)`` pairs; the decision is ``allowed``,
    ``explicitDeny`` or ``implicitDeny``.
    """
    allowing: list[str] = []
    for policy_id, document in documents:
        statements = document.get("Statement", []) if isinstance(document, dict) else []
        if isinstance(statements, dict):
            statements = [statements]
        for statement in statements:
            if not isinstance(statement, dict) or "Condition" in statement:
                continue
            if not _statement_applies(statement, action, resource):
                continue
            if statement.get("Effect") == "Deny":
                return "explicitDeny", [policy_id]
            if statement.get("Effect") == "Allow":
                allowing.append(policy_id)
    return ("allowed", allowing[:1]) if allowing else ("implicitDeny", [])


# --- moto's IAM state --------------------------------------------------------------------
def _document(raw) -> dict:
    if isinstance(raw, dict):
        return raw
    try:
        return json.loads(unquote(raw) if raw.lstrip().startswith("%") else raw)
    except (TypeError, ValueError):
        return {}


def _managed(policy) -> dict:
    version = next((v for v in policy.versions if v.is_default_version), None)
    return _document(version.document if version else "{}")


def _entity_documents(entity) -> list[tuple[str, dict]]:
    docs = [(name, _document(text)) for name, text in entity.policies.items()]
    docs += [(p.name, _managed(p)) for p in entity.managed_policies.values()]
    return docs


def principal_documents(backend, arn: str) -> list[tuple[str, dict]]:
    """Every policy document that applies to the user, role or group ``arn``."""
    match = _PRINCIPAL.match(arn or "")
    if not match:
        raise SimulationError(400, "InvalidInput", f"{arn!r} is not a user, role or group ARN")
    kind, name = match.group("kind"), match.group("name")
    try:
        if kind == "user":
            user = backend.get_user(name)
            docs = _entity_documents(user)
            for group in backend.get_groups_for_user(name):
                docs += _entity_documents(group)
            return docs
        entity = backend.get_role(name) if kind == "role" else backend.get_group(name)
    except Exception as exc:  # moto's NoSuchEntity and friends
        raise SimulationError(404, "NoSuchEntity", f"{kind} {name} cannot be found") from exc
    return _entity_documents(entity)


def _backend(account: str):
    from moto.iam.models import iam_backends

    return iam_backends[account]["aws"]


def _caller_may_simulate(backend, request: Request, source_arn: str) -> bool:
    match = _ACCESS_KEY.search(header(request, "authorization") or "")
    user = backend.get_user_from_access_key_id(match.group("key")) if match else None
    if user is None:
        return True
    decision, _ = evaluate(
        principal_documents(backend, user.arn), "iam:SimulatePrincipalPolicy", source_arn
    )
    return decision == "allowed"


# --- the interceptor ---------------------------------------------------------------------
def _members(params: dict[str, str], name: str) -> list[str]:
    found = []
    index = 1
    while f"{name}.member.{index}" in params:
        found.append(params[f"{name}.member.{index}"])
        index += 1
    return found


def simulate(params: dict[str, str], request: Request, default_account: str) -> bytes:
    """The XML body answering ``SimulatePrincipalPolicy`` with ``params`` (form fields)."""
    source = params.get("PolicySourceArn", "")
    match = _PRINCIPAL.match(source)
    backend = _backend(match.group("account") if match else default_account)
    if not _caller_may_simulate(backend, request, source):
        raise SimulationError(
            403,
            "AccessDenied",
            f"User is not authorized to perform: iam:SimulatePrincipalPolicy on resource: {source}",
        )
    docs = principal_documents(backend, source)
    extra = _members(params, "PolicyInputList")
    docs += [(f"PolicyInputList.{i + 1}", _document(d)) for i, d in enumerate(extra)]
    actions = _members(params, "ActionNames")
    if not actions:
        raise SimulationError(400, "ValidationError", "ActionNames must not be empty")
    resources = _members(params, "ResourceArns") or ["*"]
    members = []
    for action in actions:
        for resource in resources:
            decision, matched = evaluate(docs, action, resource)
            statements = "".join(
                f"<member><SourcePolicyId>{escape(p)}</SourcePolicyId>"
                "<SourcePolicyType>IAM Policy</SourcePolicyType></member>"
                for p in matched
            )
            members.append(
                "<member>"
                f"<EvalActionName>{escape(action)}</EvalActionName>"
                f"<EvalResourceName>{escape(resource)}</EvalResourceName>"
                f"<EvalDecision>{decision}</EvalDecision>"
                f"<MatchedStatements>{statements}</MatchedStatements>"
                "<MissingContextValues/>"
                "</member>"
            )
    return (
        f'<SimulatePrincipalPolicyResponse xmlns="{NS}"><SimulatePrincipalPolicyResult>'
        f"<IsTruncated>false</IsTruncated><EvaluationResults>{''.join(members)}"
        "</EvaluationResults></SimulatePrincipalPolicyResult>"
        f"<ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata>"
        "</SimulatePrincipalPolicyResponse>"
    ).encode()


def _xml_error(error: SimulationError) -> Response:
    body = (
        f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>{error.code}</Code>'
        f"<Message>{escape(str(error))}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    )
    return Response(error.status, body.encode(), {"Content-Type": "text/xml"})


def install(gateway, emulator) -> None:
    from dtwin_gui.clouds.aws.sandbox.emulator import ACCOUNT

    def intercept(request: Request) -> Response | None:
        if service_of(request) != "iam" or request.method != "POST":
            return None
        params = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        params.update(request.query)
        if params.get("Action") != "SimulatePrincipalPolicy":
            return None
        try:
            body = simulate(params, request, ACCOUNT)
        except SimulationError as exc:
            return _xml_error(exc)
        return Response(200, body, {"Content-Type": "text/xml"})

    gateway.add_interceptor(intercept)
