"""The destroy run of a :class:`~dtwin_gui.deploy.orchestrator.Deployment`.

destroy: sdk-destroy → init → destroy → verify. SDK-created objects go first (they may hang
off Terraform's resources), then Terraform destroys its state, then a leftover check looks
for anything of the twin still in the cloud. A destroy forgets the last deploy's fingerprint
first, so the next deploy runs Terraform in full.
"""

from __future__ import annotations

from dtwin_gui.core.project import load_project
from dtwin_gui.deploy.events import LogEvent
from dtwin_gui.deploy.fingerprint import clear_deployed


class Teardown:
    """Destroy phases; mixed into ``Deployment`` (which provides ``_run``, ``_guard``, ...)."""

    def destroy(self):
        """Remove everything deployed from the project on the target (a RunResult)."""
        clear_deployed(self.workspace)
        state: dict = {}
        phases = [
            ("sdk-destroy", lambda: state.update(sdk_left=self._sdk_destroy())),
            ("init", self._init_existing),
            ("destroy", self._terraform_destroy),
            ("verify", lambda: state.update(left=self._verify_destroyed(state))),
        ]
        result = self._run("destroy", phases)
        result.leftovers = state.get("left", {})
        return result

    def _sdk_destroy(self) -> list[str]:
        from dtwin_gui.deploy.sdk.steps import destroy_sdk

        if not self.workspace.sdk_state_file.exists():
            return []
        return destroy_sdk(self._sdk_context(self.saved_outputs()))

    def _init_existing(self):
        if not (self.workspace.terraform_dir / "main.tf.json").exists():
            self._emit(LogEvent("dtwin", "info", "nothing was deployed with Terraform"))
            return "skipped"
        self._guard(lambda: self._terraform_runner().init(), "init")
        return None

    def _terraform_destroy(self):
        if not (self.workspace.terraform_dir / "main.tf.json").exists():
            return "skipped"
        self._guard(lambda: self._terraform_runner().destroy(), "destroy")
        self.workspace.outputs_file.unlink(missing_ok=True)
        return None

    def _verify_destroyed(self, state) -> dict[str, list[str]]:
        from dtwin_gui.deploy.leftovers import find_leftovers

        project = load_project(self.project_root)
        left = find_leftovers(self.target, project.twin_name)
        sdk_left = state.get("sdk_left") or []
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


def _failed(phase: str, message: str, hint: str = ""):
    from dtwin_gui.deploy.orchestrator import DeployFailed

    return DeployFailed(phase, message, hint)
