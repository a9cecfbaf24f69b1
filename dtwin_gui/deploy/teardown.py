"""The destroy run of a :class:`~dtwin_gui.deploy.orchestrator.Deployment`.

destroy: sdk-destroy → init → destroy → verify. SDK-created objects go first (they may hang
off Terraform's resources), then Terraform destroys its state, then a leftover check looks
for anything of the twin still in the cloud. A destroy forgets the last deploy's fingerprint
first, so the next deploy runs Terraform in full.

On the sandbox the endpoint is the live one (the target is made from the running daemon):
the saved root is pointed at it before Terraform runs, since the sandbox takes a new port at
each start. A sandbox restarted empty has none of the state's resources and nothing else of
the twin: that is "nothing left to destroy", and the state is emptied (the next deploy starts
fresh) instead of Terraform refreshing 90 resources that are gone.
"""

from __future__ import annotations

import json
from pathlib import Path

from dtwin_gui.core.fsutil import atomic_write_json
from dtwin_gui.core.project import load_project
from dtwin_gui.core.providers import Cloud
from dtwin_gui.core.run_events import LogEvent
from dtwin_gui.deploy.fingerprint import clear_deployed


class Teardown:
    """Destroy phases; mixed into ``Deployment`` (which provides ``_run``, ``_guard``, ...)."""

    def destroy(self):
        """Remove everything deployed from the project on the target (a RunResult)."""
        self._nothing_left = False
        state: dict = {}

        def sdk_destroy() -> None:
            clear_deployed(self.workspace)  # under the deploy lock when the state is remote
            state.update(sdk_left=self._sdk_destroy())

        phases = [
            ("sdk-destroy", sdk_destroy),
            ("init", self._init_existing),
            ("destroy", self._terraform_destroy),
            ("verify", lambda: state.update(left=self._verify_destroyed(state))),
        ]
        from dtwin_gui.deploy.provision_phase import load_state

        # Clouds provisioned on the sandbox's emulators (with a remote state their record is
        # read under the lock, after this list is made: the project says whether there are).
        if load_state(self.workspace) or (self.team.remote and self._provisioned_clouds()):
            phases.insert(1, ("deprovision", lambda: state.update(prov_left=self._deprovision())))
        result = self._run("destroy", *self.team.locked("destroy", phases, self._finish_destroy))
        result.leftovers = state.get("left", {})
        return result

    def _finish_destroy(self, result) -> None:
        if result.status == "succeeded" and self._nothing_left:
            result.message = (
                "nothing left to destroy: the sandbox has none of the twin's resources (it "
                "was restarted since the deploy); the state was emptied"
            )
            result.hint = "deploy again to recreate the twin"

    def _sdk_destroy(self) -> list[str]:
        from dtwin_gui.deploy.sdk_phase import destroy_sdk

        if not self.workspace.sdk_state_file.exists():
            return []
        return destroy_sdk(self, self.saved_outputs())

    def _deprovision(self) -> list[str]:
        from dtwin_gui.deploy.provision_phase import run_deprovision

        return run_deprovision(self)

    def _init_existing(self):
        if not (self.workspace.terraform_dir / "main.tf.json").exists():
            self._emit(LogEvent("dtwin", "info", "nothing was deployed with Terraform"))
            return "skipped"
        aws = self.connections.get(Cloud.AWS)
        if self.connections.is_sandbox and aws is not None:
            moved = point_root_at(self.workspace.terraform_dir / "main.tf.json", aws)
            if moved:
                self._emit(
                    LogEvent(
                        "dtwin",
                        "info",
                        f"the sandbox now answers on {aws.endpoint} (was {moved}): "
                        "Terraform talks to it there",
                    )
                )
            if self._sandbox_lost_everything():
                self._nothing_left = True
                return _skipped("nothing left to destroy")
        self._guard(lambda: self.team.init(self._terraform_runner()), "init")
        return None

    def _sandbox_lost_everything(self) -> bool:
        """The state lists resources, yet the sandbox has none of them and nothing else of
        the twin (it was restarted, empty, since the deploy): the state is emptied."""
        from dtwin_gui.clouds.base import MISSING
        from dtwin_gui.deploy.cloud_parts import find_leftovers, probe_resources
        from dtwin_gui.iac.state import read_state

        try:
            snapshot = read_state(self.workspace.terraform_dir)
        except ValueError:  # an unreadable state is Terraform's to report
            return False
        if snapshot.empty:
            return False
        probes = probe_resources(self.connections, snapshot.resources)
        if not probes or any(p.state != MISSING for p in probes.values()):
            return False
        if find_leftovers(self.connections, load_project(self.project_root).twin_name):
            return False
        self._emit(
            LogEvent(
                "dtwin",
                "info",
                f"none of the {len(probes)} resources in the Terraform state exist in the "
                "sandbox any more (it was restarted, empty, since the deploy): nothing left to "
                "destroy; the state is emptied so the next deploy starts fresh",
            )
        )
        forget_state(self.workspace)
        return True

    def _terraform_destroy(self):
        if getattr(self, "_nothing_left", False):
            return _skipped("nothing left to destroy")
        if not (self.workspace.terraform_dir / "main.tf.json").exists():
            return "skipped"
        self._guard(lambda: self._terraform_runner().destroy(), "destroy")
        self.workspace.remove_json(self.workspace.outputs_file)
        return None

    def _verify_destroyed(self, state) -> dict[str, list[str]]:
        from dtwin_gui.deploy.cloud_parts import find_leftovers

        project = load_project(self.project_root)
        left = find_leftovers(self.connections, project.twin_name)
        sdk_left = [*(state.get("sdk_left") or []), *(state.get("prov_left") or [])]
        if sdk_left:
            left.setdefault("sdk", []).extend(sdk_left)
        for service, names in left.items():
            self._emit(LogEvent("dtwin", "warning", f"left in {service}: {', '.join(names)}"))
        if left:
            raise _failed(
                "verify",
                "some resources of the twin are still there: "
                + "; ".join(f"{s}: {', '.join(n)}" for s, n in left.items()),
                "run destroy again; delete them in the console if they stay",
            )
        return left


def point_root_at(root_file: Path, target) -> str:
    """Point the sandbox provider of a generated root at ``target``'s live endpoint (the
    sandbox picks a new port each start). Returns the old endpoint when it changed, else ""."""
    try:
        doc = json.loads(root_file.read_text(encoding="utf-8"))
        endpoints = doc["provider"]["aws"]["endpoints"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    if not isinstance(endpoints, dict) or not target.endpoint:
        return ""
    old = sorted({str(v) for v in endpoints.values() if v != target.endpoint})
    if not old:
        return ""
    doc["provider"]["aws"]["endpoints"] = {k: target.endpoint for k in endpoints}
    atomic_write_json(root_file, doc, mode=0o600)
    return ", ".join(old)


#: What a destroy of a vanished sandbox deployment forgets (the generated root stays).
STATE_FILES = (
    "terraform.tfstate",
    "terraform.tfstate.backup",
    ".terraform.tfstate.lock.info",
    "tfplan",
    "review.tfplan",
)


def forget_state(workspace) -> None:
    """Empty the deployment's record: Terraform state, plans, outputs, SDK objects."""
    for name in STATE_FILES:
        (workspace.terraform_dir / name).unlink(missing_ok=True)
    workspace.remove_json(workspace.outputs_file)
    workspace.remove_json(workspace.sdk_state_file)
    clear_deployed(workspace)


def _skipped(reason: str):
    from dtwin_gui.deploy.orchestrator import Skipped

    return Skipped(reason)


def _failed(phase: str, message: str, hint: str = ""):
    from dtwin_gui.deploy.orchestrator import DeployFailed

    return DeployFailed(phase, message, hint)
