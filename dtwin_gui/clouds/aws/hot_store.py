"""The AWS hot-store reader part: the deployed hot reader (L3 hot on AWS), as its callers
reach it.

A Lambda ``Invoke`` (IAM-authenticated, as TwinMaker's data connector) when the readers share
its cloud; a signed ``hot-query`` glue envelope over its Function URL when a reader on another
cloud exists (the URL then answers only signed requests). The neutral side
(:mod:`dtwin_gui.deploy.query`) pages, merges and reports; this module only names the reader
and calls it.
"""

from __future__ import annotations

import json
from pathlib import Path

from dtwin_gui.clouds.aws.connection import AwsConnection
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.resource_names import function_key
from dtwin_gui.core.topology import HOT_READER
from dtwin_gui.deploy.query import QueryError, SignedReader

#: Terraform root outputs naming the hot reader (L3 hot on AWS).
OUT_HOT_READER_FUNCTION = "hot_reader_function_name"
OUT_HOT_READER_URL = "hot_reader_url"
#: The boundaries whose receiver is the hot reader (core.topology).
_READER_BOUNDARIES = ("l4-l3hot-reader", "l5-l3hot-reader")


def _output(outputs: dict, name: str) -> str | None:
    value = outputs.get(name)
    if isinstance(value, dict):  # `terraform output -json` shape
        value = value.get("value")
    return value if isinstance(value, str) and value else None


class InvokedReader:
    """The reader called through the Lambda API (what TwinMaker's data connector does)."""

    via = "invoke"

    def __init__(self, target: AwsConnection, name: str, root: Path) -> None:
        self.target, self.name, self.root = target, name, root
        self.url = None

    def query(self, params: dict) -> dict:
        request = json.dumps({"op": "query", "params": params}).encode()
        try:
            reply = self.target.client("lambda").invoke(FunctionName=self.name, Payload=request)
            body = reply["Payload"].read() or b"null"
        except Exception as exc:  # botocore raises many types; the user needs the cause
            raise self._failure(exc) from None
        try:
            answer = json.loads(body)
        except ValueError:
            answer = body[:200].decode("utf-8", "replace")
        if reply.get("FunctionError") or not isinstance(answer, dict):
            detail = answer
            if isinstance(answer, dict):
                detail = f"{answer.get('errorType', 'Error')}: {answer.get('errorMessage', '')}"
            raise QueryError(
                f"the hot reader {self.name} on {self.target.name} failed: {detail}",
                "see its log (CloudWatch, or the sandbox log), fix it and deploy again",
            )
        return answer

    def _failure(self, exc: Exception) -> QueryError:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            return QueryError(
                f"nothing deployed: the hot reader {self.name} does not exist on "
                f"{self.target.name}",
                f"deploy the twin first: dtwin deploy {self.root} --target {self.target.name}",
            )
        if code in ("AccessDeniedException", "UnrecognizedClientException"):
            return QueryError(
                f"{self.target.name} refused to run the hot reader {self.name}: {exc}",
                "check the credentials (they need lambda:InvokeFunction on it)",
            )
        where = self.target.endpoint or f"AWS ({self.target.region})"
        return QueryError(
            f"the hot reader {self.name} did not answer ({where}): {type(exc).__name__}: {exc}",
            "check that the target is reachable"
            + (" (dtwin sandbox status)" if self.target.is_sandbox else " and try again"),
        )


def open_reader(target: AwsConnection, topology, outputs: dict, *, root: Path, secret: str | None):
    """The part ``hot_reader``: the deployed hot reader of ``topology`` on ``target``, as
    an object with ``name``, ``via``, ``url`` and ``query(params) -> page``. Raises
    :class:`~dtwin_gui.deploy.query.QueryError` when it cannot be called from here."""
    name = _output(outputs, OUT_HOT_READER_FUNCTION) or topology.name_of(
        function_key(HOT_READER), Cloud.AWS
    )
    remote = [b for b in topology.boundaries if b.spec.name in _READER_BOUNDARIES]
    if not remote:
        return InvokedReader(target, name, root)
    # A reader on another cloud exists: the Function URL answers only signed requests.
    url = _output(outputs, OUT_HOT_READER_URL)
    if not url or not secret:
        missing = "URL" if not url else "glue secret"
        raise QueryError(
            f"the hot reader {name} answers only signed requests (a reader on "
            f"{remote[0].source_cloud} exists) and its {missing} is not known here",
            "deploy the twin from this machine first",
        )
    if target.is_sandbox and target.endpoint and "/_function_url/" not in url:
        url = f"{target.endpoint}/_function_url/{name}/"
    boundary = remote[0]
    return SignedReader(url, secret, name, str(boundary.source_cloud), str(boundary.spec.source))
