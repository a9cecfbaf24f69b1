"""End to end on the sandbox: one twin worked on by two people through an S3 state backend
(issue 17).

Alice and Bob are two ``dtwin`` processes (``python -m dtwin_gui.cli``) with settings of their
own (``DTWIN_CONFIG_DIR``), hence workspaces of their own, as on two computers; both reach the
same sandbox daemon (moto behind the gateway, real Terraform with the aws provider from the
mirror). Alice names the backend with ``--backend`` (and has it made with
``--create-backend``); Bob has it in his Settings. Then:

1. Alice deploys: the state object is in the bucket (versioned, encrypted, not public), her
   workspace has no ``terraform.tfstate``, the SDK steps' record is beside the state.
2. Alice redeploys (``--refresh``) and Bob deploys while she holds the lock: Bob stops at once,
   naming the holder.
3. Alice redeploys again and Bob deploys with ``--lock-wait``: he waits, then joins and finds
   nothing to change.
4. The state is intact: Bob's ``terraform state pull`` lists every resource Alice made, with
   her lineage, and a plan from his workspace shows no changes.
5. Bob destroys through the backend: nothing of the twin is left, nor a lock.

The two runs are processes, not threads, so nothing but the backend is shared between them.
Both run as the same OS user on the same host, so the "who" they name is the same user@host.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dtwin_gui.clouds.aws.connection import sandbox_target
from dtwin_gui.clouds.aws.leftovers import find_leftovers
from dtwin_gui.deploy.twin_lock import who_am_i
from dtwin_gui.iac.cli_config import TerraformSettings
from dtwin_gui.iac.runner import Terraform
from dtwin_gui.iac.state import parse_state
from dtwin_gui.sandbox import daemon
from tests.helpers_sandbox import require_terraform

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

BUCKET = "team-state"
KEY = "dtwin/factory-twin/sandbox/terraform.tfstate"
URL = f"s3://{BUCKET}/{KEY}"
RECORDS = KEY + ".dtwin/"
LOCK = RECORDS + "deploy.lock"


class Person:
    """One user's dtwin: own settings (so own workspaces), the shared sandbox."""

    def __init__(self, root: Path, name: str, *, backend_in_settings: bool) -> None:
        self.name = name
        self.config = root / f"{name}-config"
        self.workspaces = root / f"{name}-workspaces"
        self.config.mkdir(parents=True)
        settings: dict = {"workspace_location": str(self.workspaces)}
        if backend_in_settings:
            backend = {"kind": "s3", "bucket": BUCKET, "key": KEY}
            settings["state_backends"] = {"sandbox": {"backend": backend}}
        (self.config / "settings.json").write_text(json.dumps(settings))
        self.env = {**os.environ, "DTWIN_CONFIG_DIR": str(self.config)}
        self.logs = root
        self.runs = 0

    def start(self, *args: str) -> tuple[subprocess.Popen, Path]:
        self.runs += 1
        out = self.logs / f"{self.name}-{self.runs}.log"
        with out.open("w") as handle:
            child = subprocess.Popen(
                [sys.executable, "-m", "dtwin_gui.cli", *args],
                env=self.env,
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        return child, out

    def run(self, *args: str, timeout: float = 900) -> tuple[int, str]:
        child, out = self.start(*args)
        return child.wait(timeout), out.read_text()

    def terraform_dir(self) -> Path:
        (found,) = self.workspaces.glob("factory-twin-*/targets/sandbox/terraform")
        return found


def events(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def phase_states(text: str) -> set[tuple[str, str]]:
    return {(e["phase"], e["state"]) for e in events(text) if e.get("type") == "phase"}


def wait_for_lock(s3, child: subprocess.Popen, out: Path, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert child.poll() is None, out.read_text()[-3000:]
        try:
            return json.loads(s3.get_object(Bucket=BUCKET, Key=LOCK)["Body"].read())
        except s3.exceptions.NoSuchKey:
            time.sleep(0.2)
    raise AssertionError("the deploy never took the lock")


def stop(*children: subprocess.Popen) -> None:
    for child in children:
        if child is not None and child.poll() is None:
            child.kill()
            child.wait(30)


def test_two_people_deploy_one_twin_through_an_s3_backend(project, tmp_path):
    require_terraform()
    info = daemon.ensure_running()
    alice_run = bob_run = None
    try:
        target = sandbox_target(info.endpoint, info.region)
        s3 = target.client("s3")
        alice = Person(tmp_path, "alice", backend_in_settings=False)
        bob = Person(tmp_path, "bob", backend_in_settings=True)
        path = str(project)

        # 1. Alice makes the backend and deploys through it.
        code, text = alice.run(
            "deploy", path, "--auto-approve", "--json", "--backend", URL, "--create-backend"
        )
        assert code == 0, text[-4000:]
        assert "backend: created the bucket team-state" in text
        assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
        rules = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]
        assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        block = s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"]
        assert all(block.values()) and len(block) == 4
        head = s3.head_object(Bucket=BUCKET, Key=KEY)
        assert head["ServerSideEncryption"] == "AES256"
        state = json.loads(s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read())
        made = sorted((r.get("module", ""), r["type"], r["name"]) for r in state["resources"])
        assert len(made) > 50
        alice_tf = alice.terraform_dir()
        assert not (alice_tf / "terraform.tfstate").exists()
        assert (alice_tf / ".terraform" / "dtwin-remote.tfstate").is_file()  # a cache
        sdk = json.loads(
            s3.get_object(Bucket=BUCKET, Key=RECORDS + "sdk_state.json")["Body"].read()
        )
        assert set(sdk["steps"]) >= {"aws.iot_devices", "aws.twinmaker"}
        listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=RECORDS).get("Contents", [])
        assert {o["Key"][len(RECORDS) :] for o in listed} >= {"sdk_state.json", "outputs.json"}
        assert LOCK not in {o["Key"] for o in listed}

        # 2. Bob deploys while Alice's redeploy holds the lock: he stops at once, told who.
        alice_run, alice_out = alice.start(
            "deploy", path, "--auto-approve", "--json", "--refresh", "--backend", URL
        )
        holder = wait_for_lock(s3, alice_run, alice_out)
        started = time.monotonic()
        code, text = bob.run("deploy", path, "--auto-approve")
        assert code == 1, text[-3000:]
        assert time.monotonic() - started < 60  # no waiting without --lock-wait
        assert f"the twin is locked: {who_am_i()} (deploy since {holder['since']}" in text
        assert f"pid {alice_run.pid}" in text and "--lock-wait" in text
        assert alice_run.wait(900) == 0, alice_out.read_text()[-4000:]
        assert ("apply", "skipped") in phase_states(alice_out.read_text())

        # 3. Bob waits for Alice's next redeploy, then joins and finds nothing to change.
        alice_run, alice_out = alice.start(
            "deploy", path, "--auto-approve", "--json", "--refresh", "--backend", URL
        )
        wait_for_lock(s3, alice_run, alice_out)
        bob_run, bob_out = bob.start(
            "deploy", path, "--auto-approve", "--json", "--lock-wait", "900"
        )
        assert alice_run.wait(900) == 0, alice_out.read_text()[-4000:]
        assert bob_run.wait(900) == 0, bob_out.read_text()[-4000:]
        bob_text = bob_out.read_text()
        messages = [e.get("message", "") for e in events(bob_text) if e.get("type") == "log"]
        assert any(m.startswith("waiting up to") and who_am_i() in m for m in messages)
        assert any(m.startswith(f"joining the state in {URL}") for m in messages), messages
        assert ("apply", "skipped") in phase_states(bob_text)  # Terraform: no changes

        # 4. The state is intact, seen from Bob's workspace.
        bob_tf = bob.terraform_dir()
        assert not (bob_tf / "terraform.tfstate").exists()
        runner = Terraform(bob_tf, settings=TerraformSettings(), env=target.process_env())
        pulled = runner.state_pull()
        assert pulled["lineage"] == state["lineage"] and pulled["serial"] >= state["serial"]
        now = sorted((r.get("module", ""), r["type"], r["name"]) for r in pulled["resources"])
        assert now == made
        listed_here = subprocess.run(
            ["terraform", "state", "list"],
            cwd=bob_tf,
            env=runner._child_env(),
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        ).stdout.split()
        assert sorted(listed_here) == sorted(r.address for r in parse_state(state).resources)
        assert not runner.plan(tmp_path / "bob.tfplan").has_changes
        assert LOCK not in {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}

        # 5. Bob destroys through the backend: nothing is left.
        code, text = bob.run("destroy", path, "--yes")
        assert code == 0, text[-4000:]
        assert find_leftovers(target, "factory-twin") == {}
        state = json.loads(s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read())
        assert state["resources"] == []
        left = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
        assert left == {KEY}  # the (empty) state; no records, no lock
        versions = s3.list_object_versions(Bucket=BUCKET, Prefix=KEY)["Versions"]
        # every state Terraform wrote is kept (the deploy's and the destroy's; the redeploys
        # changed nothing, so they wrote none)
        assert len([v for v in versions if v["Key"] == KEY]) >= 2
    finally:
        stop(alice_run, bob_run)
        daemon.down()
