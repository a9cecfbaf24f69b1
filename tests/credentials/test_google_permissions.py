"""Google's permission preflight, role list, custom role and connection.

No emulator serves Google IAM or OAuth, so the token exchange and
``projects.testIamPermissions`` go through the real google-auth code (a service-account key
signed with a real RSA key, ``AuthorizedSession``) over a requests session whose transport
adapter answers with recorded responses: the JSON shapes Google's token endpoint and Cloud
Resource Manager v1 return (the granted subset, a 400 for a permission a project cannot
test, a 403 for a disabled API).
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import requests
import urllib3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from dtwin_gui.clouds.base import Connection, PermissionReport
from dtwin_gui.clouds.google import permissions as perms
from dtwin_gui.clouds.google import preflight
from dtwin_gui.clouds.google.connection import (
    GoogleConnection,
    cloud_connection,
    environment_connection,
    sandbox_connection,
)
from dtwin_gui.clouds.google.custom_role import custom_role_json, custom_role_yaml
from dtwin_gui.clouds.google.preflight import check_google, permission_report
from dtwin_gui.credentials.store import GoogleChoice

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "twin-project"
EMAIL = f"deployer@{PROJECT}.iam.gserviceaccount.com"
TOKEN_URI = "https://oauth2.recorded.test/token"
ACCESS_TOKEN = "ya29.recorded-access-token"
TEST_PATH = f"/v1/projects/{PROJECT}:testIamPermissions"


@pytest.fixture(scope="module")
def private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.fixture
def key_file(tmp_path: Path, private_key_pem: str) -> Path:
    path = tmp_path / "keys" / "sa.json"
    path.parent.mkdir()
    info = {
        "type": "service_account",
        "project_id": PROJECT,
        "private_key_id": "abc",
        "private_key": private_key_pem,
        "client_email": EMAIL,
        "client_id": "1",
        "token_uri": TOKEN_URI,
    }
    path.write_text(json.dumps(info), encoding="utf-8")
    return path


class Recorded(requests.adapters.BaseAdapter):
    """Google's token endpoint and testIamPermissions, answered from recorded shapes.

    ``refuse`` maps a permission to the 400 Google gives when a project cannot test it;
    ``error`` (status, body) answers every testIamPermissions call."""

    def __init__(self, held=(), refuse=(), error=None):
        super().__init__()
        self.held, self.refuse, self.error = set(held), set(refuse), error
        self.asked: list[list[str]] = []
        self.auth: list[str] = []

    def send(self, request, **kwargs):
        url = requests.utils.urlparse(request.url)
        if request.url == TOKEN_URI:
            assert b"assertion=" in request.body  # the key-signed JWT grant
            return self._answer(
                request,
                200,
                {"access_token": ACCESS_TOKEN, "expires_in": 3599, "token_type": "Bearer"},
            )
        assert url.netloc == "cloudresourcemanager.googleapis.com"
        self.auth.append(request.headers.get("Authorization", ""))
        if url.path != TEST_PATH:
            return self._answer(request, 404, _google_error(404, "NOT_FOUND", "not found"))
        asked = json.loads(request.body)["permissions"]
        self.asked.append(asked)
        if self.error is not None:
            return self._answer(request, *self.error)
        bad = sorted(self.refuse & set(asked))
        if bad:
            text = f"Permission {bad[0]} is not valid for this resource."
            return self._answer(request, 400, _google_error(400, "INVALID_ARGUMENT", text))
        granted = [p for p in asked if p in self.held]
        return self._answer(request, 200, {"permissions": granted} if granted else {})

    @staticmethod
    def _answer(request, status, body):
        response = requests.Response()
        response.status_code = status
        response.headers["Content-Type"] = "application/json"
        content = json.dumps(body).encode()
        response.raw = urllib3.HTTPResponse(
            body=io.BytesIO(content),
            status=status,
            headers=dict(response.headers),
            preload_content=False,
        )
        response.url, response.request = request.url, request
        return response

    def close(self):
        pass


def _google_error(code: int, status: str, message: str, reason: str = "") -> dict:
    details = (
        [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}] if reason else []
    )
    return {"error": {"code": code, "message": message, "status": status, "details": details}}


def _every(layers=None) -> set[str]:
    return {p for ps in perms.required_permissions(layers).values() for p in ps}


def _check(key_file, adapter, layers=("L1", "L3_hot")):
    choice = GoogleChoice(mode="file", key_file=str(key_file), region="europe-west1")
    return check_google(choice, layers=list(layers), adapter=adapter)


# --- the preflight over recorded Google answers --------------------------------------------
def test_missing_permissions_are_denied_per_layer_with_the_roles_that_grant_them(key_file):
    missing = {"pubsub.topics.publish", "datastore.databases.create", "iam.serviceAccounts.actAs"}
    adapter = Recorded(held=_every() - missing)
    result = _check(key_file, adapter)
    assert result.ok, result.message
    report = result.preflight
    assert isinstance(report, PermissionReport)
    # only the layers the project puts on Google, and the setup
    assert list(report.groups) == ["setup", "L1", "L3_hot"]
    assert report.groups["L1"]["pubsub.topics.publish"] == perms.DENIED
    assert report.groups["L1"]["pubsub.topics.create"] == perms.ALLOWED
    assert report.groups["L3_hot"]["datastore.databases.create"] == perms.DENIED
    assert report.counts("setup") == {
        "allowed": len(report.groups["setup"]),
        "denied": 0,
        "unknown": 0,
    }
    assert report.denied == sorted(missing)
    # asked once, signed with the token the key's JWT grant returned
    assert len(adapter.asked) == 1 and set(adapter.asked[0]) == _every(["L1", "L3_hot"])
    assert adapter.auth == [f"Bearer {ACCESS_TOKEN}"]
    assert "workflows.workflows.create" not in adapter.asked[0]  # L2 is not on Google here

    roles = report.roles()
    assert roles == {
        "roles/datastore.owner": ["datastore.databases.create"],
        "roles/iam.serviceAccountUser": ["iam.serviceAccounts.actAs"],
        "roles/pubsub.editor": ["pubsub.topics.publish"],
    }
    text = report.role_list()
    assert (
        f'gcloud projects add-iam-policy-binding {PROJECT} --member="serviceAccount:{EMAIL}" '
        '--role="roles/pubsub.editor"' in text
    )
    role_yaml = report.custom_role_yaml()
    listed = re.findall(r"^- (\S+)$", role_yaml, re.MULTILINE)
    assert listed == sorted(missing)
    assert role_yaml.startswith("# gcloud iam roles create dtwinDeployer")


def test_everything_held_gives_a_full_custom_role_to_create_before_the_first_deploy(key_file):
    report = _check(key_file, Recorded(held=_every()), layers=("L1", "L2")).preflight
    assert report.denied == [] and not report.note
    role = json.loads(custom_role_json(only=report.actions(perms.ALLOWED)))
    assert set(role["includedPermissions"]) == _every(["L1", "L2"])
    assert re.findall(r"^- (\S+)$", report.custom_role_yaml(), re.MULTILINE) == sorted(
        _every(["L1", "L2"])
    )


def test_long_lists_are_asked_in_batches(key_file, monkeypatch):
    monkeypatch.setattr(preflight, "BATCH", 10)
    adapter = Recorded(held=_every())
    report = _check(key_file, adapter, layers=perms.GROUPS[1:]).preflight
    assert len(adapter.asked) == -(-len(_every()) // 10)
    assert all(len(batch) <= 10 for batch in adapter.asked)
    assert report.denied == []


def test_a_permission_a_project_cannot_test_is_unknown_and_the_rest_still_decided(key_file):
    odd = "eventarc.triggers.update"
    adapter = Recorded(held=_every() - {"pubsub.topics.create"}, refuse={odd})
    report = _check(key_file, adapter, layers=("L1",)).preflight
    assert report.groups["L1"][odd] == perms.UNKNOWN
    assert report.groups["L1"]["pubsub.topics.create"] == perms.DENIED
    assert report.groups["L1"]["pubsub.topics.get"] == perms.ALLOWED
    assert odd in report.note
    assert len(adapter.asked) == 2 and odd not in adapter.asked[1]


def test_a_disabled_resource_manager_api_makes_everything_unknown_and_says_what_to_enable(key_file):
    body = _google_error(
        403,
        "PERMISSION_DENIED",
        "Cloud Resource Manager API has not been used in project 1 before or it is disabled.",
        "SERVICE_DISABLED",
    )
    report = _check(key_file, Recorded(error=(403, body))).preflight
    assert report.denied == [] and report.actions(perms.UNKNOWN)
    assert "cloudresourcemanager.googleapis.com" in report.note
    no_access = _google_error(403, "PERMISSION_DENIED", "The caller does not have permission")
    report = _check(key_file, Recorded(error=(403, no_access))).preflight
    assert f"no access to project “{PROJECT}”" in report.note


def test_a_rejected_key_fails_the_check_without_a_preflight(key_file):
    class Rejecting(Recorded):
        def send(self, request, **kwargs):
            body = {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
            return self._answer(request, 400, body)

    result = _check(key_file, Rejecting())
    assert not result.ok and result.preflight is None
    assert "Google rejected the credentials" in result.message


def test_without_a_project_nothing_is_asked():
    report = permission_report(requests.Session(), "", layers=["L1"])
    assert "Enter a project ID" in report.note
    assert set(report.actions(perms.UNKNOWN)) == _every(["L1"])


# --- the table ------------------------------------------------------------------------------
def test_every_google_resource_type_of_the_modules_has_its_permissions():
    used = set()
    for tf in (ROOT / "terraform" / "modules" / "google").rglob("*.tf"):
        used.update(
            re.findall(r'^(?:resource|data)\s+"(google_\w+)"', tf.read_text(), re.MULTILINE)
        )
    assert used, "the Google modules declare no resources"
    assert used <= set(perms.RESOURCE_PERMISSIONS), sorted(used - set(perms.RESOURCE_PERMISSIONS))


def test_every_required_permission_has_a_predefined_role_and_l4_l5_are_not_google_layers():
    every = _every()
    assert all(perms.role_for(p).startswith("roles/") for p in every)
    assert list(perms.required_permissions(["L4", "L5"])) == ["setup"]
    role = custom_role_yaml(layers=["L3_cold"])
    assert "- storage.buckets.create" in role and "- pubsub.topics.create" not in role


# --- the connection -------------------------------------------------------------------------
def test_a_key_file_connection_hands_terraform_the_path_never_the_key(key_file):
    choice = GoogleChoice(mode="file", key_file=str(key_file), region="us-central1")
    connection = cloud_connection(choice, secrets=None)
    assert isinstance(connection, Connection) and not connection.is_sandbox
    env = connection.process_env()
    assert env == {
        "GOOGLE_REGION": "us-central1",
        "GOOGLE_PROJECT": PROJECT,  # the key's, since none was chosen
        "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
    }
    assert "PRIVATE KEY" not in json.dumps(env) + repr(connection) + connection.describe()
    assert (
        connection.describe()
        == "Google Cloud · us-central1 · the credentials' project (service-account key)"
    )
    assert connection.credentials().service_account_email == EMAIL
    chosen = cloud_connection(choice.model_copy(update={"project_id": "other"}), None)
    assert chosen.process_env()["GOOGLE_PROJECT"] == "other"


def test_the_sandbox_connection_points_at_the_emulators():
    endpoints = {
        "aws": "http://127.0.0.1:4566",
        "google_project": "dtwin-sandbox",
        "pubsub": "127.0.0.1:8085",
        "firestore": "127.0.0.1:8086",
        "gcs": "http://127.0.0.1:4443",
        "google_gateway": "http://127.0.0.1:9000",
    }
    connection = sandbox_connection(endpoints, "us-east-1")  # an AWS region: Google's default
    assert connection.is_sandbox and connection.region == "europe-west1"
    assert "aws" not in connection.endpoints
    assert connection.process_env() == {
        "GOOGLE_REGION": "europe-west1",
        "GOOGLE_PROJECT": "dtwin-sandbox",
        "PUBSUB_EMULATOR_HOST": "127.0.0.1:8085",
        "FIRESTORE_EMULATOR_HOST": "127.0.0.1:8086",
        "STORAGE_EMULATOR_HOST": "http://127.0.0.1:4443",
    }
    assert connection.gateway_url == "http://127.0.0.1:9000"
    assert connection.describe() == "Google Cloud · europe-west1 (sandbox)"
    assert sandbox_connection(endpoints, "us-central1").region == "us-central1"


def test_the_environment_connection_is_adc_with_the_usual_variables(monkeypatch):
    for name in (
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_PROJECT",
        "CLOUDSDK_CORE_PROJECT",
        "GCLOUD_PROJECT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-project")
    monkeypatch.setenv("GOOGLE_REGION", "asia-east1")
    connection = environment_connection()
    assert connection == GoogleConnection("google", "env-project", "asia-east1", "adc")
    assert connection.process_env() == {
        "GOOGLE_REGION": "asia-east1",
        "GOOGLE_PROJECT": "env-project",
    }
