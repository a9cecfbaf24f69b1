"""Every file an import copies is screened for secrets, by name and by content."""

from __future__ import annotations

import json
import random
import struct

import pytest

from dtwin_gui.core.importer import import_project
from dtwin_gui.core.importer.screening import secret_in_content, secret_name

from .test_import_project import entry_for, old_project_files, write_files

AWS_KEY_ID = "AKIA" + "Q3EXAMPLEKEY7ZX9"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"
AZURE_KEY = "Zm9vYmFyYmF6cXV4cXV1eGZvb2Jhcg" + "ZnJvYmJsZQ=="
PEM_BODY = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC" + "BKcwggSjAgEAAoIBAQC7"
PEM = f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY}\n-----END PRIVATE KEY-----\n"
SECRETS = (AWS_KEY_ID, AWS_SECRET, AZURE_KEY, PEM_BODY)

PLANTED = {
    "twin_hierarchy/notes.txt": f"deploy with\naws_access_key_id = {AWS_KEY_ID}\n",
    "twin_hierarchy/aws_hierarchy.json": json.dumps(
        [{"type": "entity", "id": "hall-1", "note": f"aws_secret_access_key={AWS_SECRET}"}]
    ),
    "scene_assets/aws/scene.json": json.dumps(
        {
            "storage": "DefaultEndpointsProtocol=https;AccountName=acme;"
            f"AccountKey={AZURE_KEY};EndpointSuffix=core.windows.net"
        }
    ),
    "state_machines/aws_step_function.json": json.dumps(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Comment": PEM, "End": True}}}
    ),
    "scene_assets/azure/viewer.json": json.dumps(
        {
            "type": "service_account",
            "project_id": "acme",
            "private_key_id": "abc",
            "private_key": PEM,
            "client_email": "x@acme.iam.gserviceaccount.com",
        }
    ),
    "project_info.json": json.dumps({"description": f"key {AWS_KEY_ID}"}),
}


def glb(seed: int = 7, size: int = 64 * 1024) -> bytes:
    """A binary glTF: header, a JSON chunk and a BIN chunk of random bytes."""
    chunk = json.dumps({"asset": {"version": "2.0"}, "buffers": [{"byteLength": size}]}).encode()
    chunk += b" " * (-len(chunk) % 4)
    binary = random.Random(seed).randbytes(size)
    body = struct.pack("<I4s", len(chunk), b"JSON") + chunk
    body += struct.pack("<I4s", len(binary), b"BIN\x00") + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(body)) + body


@pytest.fixture
def imported(tmp_path):
    files: dict[str, str | bytes] = dict(old_project_files())
    files.update(PLANTED)
    files["scene_assets/aws/scene.glb"] = glb()
    source = write_files(tmp_path / "old", files)
    dest = tmp_path / "new"
    return import_project(source, dest), dest


@pytest.mark.parametrize("rel", sorted(PLANTED))
def test_a_planted_secret_is_skipped_and_never_copied(imported, rel):
    report, dest = imported
    entry = entry_for(report, rel, "skipped")
    assert entry.target is None
    assert "line" in entry.message and "looks like" in entry.message
    assert not (dest / rel).exists()


def test_the_report_never_shows_the_secret_and_no_file_holds_one(imported):
    report, dest = imported
    text = report.format_text() + json.dumps(report.to_json())
    for secret in SECRETS:
        assert secret not in text
    for path in dest.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(secret.encode() in data for secret in SECRETS), path


def test_binary_scene_assets_are_not_flagged(imported):
    report, dest = imported
    assert entry_for(report, "scene_assets/aws/scene.glb").action == "copied"
    assert (dest / "scene_assets/aws/scene.glb").read_bytes() == glb()
    for seed in range(20):  # other random binaries are clean too
        assert secret_in_content(glb(seed, 256 * 1024)) is None


def test_a_secret_in_processor_code_is_not_imported(tmp_path):
    files = old_project_files()
    rel = "lambda_functions/processors/temperature-sensor-1/lambda_function.py"
    files[rel] = f'KEY = "{AWS_KEY_ID}"\n' + files[rel]
    source = write_files(tmp_path / "old", files)
    dest = tmp_path / "new"

    report = import_project(source, dest)

    assert not (dest / "processors/temperature-sensor-1/process.py").exists()
    skipped = [e for e in report.entries if e.source == rel and e.action == "skipped"]
    assert any("processors/temperature-sensor-1/process.py" in e.message for e in skipped)
    assert not list((dest / "processors/temperature-sensor-1").glob("*.py"))
    assert AWS_KEY_ID not in report.format_text()


@pytest.mark.parametrize(
    "name",
    ["twin_hierarchy/service-account.json", "scene_assets/id_rsa", "state_machines/key.ppk"],
)
def test_secret_names_are_caught_in_asset_folders(name):
    assert secret_name(name)


@pytest.mark.parametrize(
    "text",
    [
        "accessKeyId: AKIAIOSFODNN7EXAMPL",  # 19 characters: not a key id
        "the AWS_SECRET_ACCESS_KEY variable is read from your profile",
        "AccountName=acme;EndpointSuffix=core.windows.net",
        '{"type": "service_account", "client_email": "x@y"}',
        "-----BEGIN CERTIFICATE-----",
    ],
)
def test_mentions_without_a_secret_are_not_flagged(text):
    assert secret_in_content(text.encode()) is None


@pytest.mark.parametrize(
    ("text", "kind", "line"),
    [
        (f"a\nb\nHostName=h;SharedAccessKeyName=o;SharedAccessKey={AZURE_KEY}", "Azure", 3),
        (f"accountkey = {AZURE_KEY}", "Azure", 1),
        ('{\n  "client_secret": "s3cr3t-value-123"\n}', "client secret", 2),
        (f"export AWS_SECRET_ACCESS_KEY={AWS_SECRET}", "AWS secret", 1),
        (f"id: {AWS_KEY_ID}", "AWS access key id", 1),
    ],
)
def test_secrets_are_found_with_their_kind_and_line(text, kind, line):
    found = secret_in_content(text.encode())
    assert found is not None and kind in found[0] and found[1] == line
