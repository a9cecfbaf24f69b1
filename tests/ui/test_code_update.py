"""The Code page's "Update this function now" (issue 17), on the sandbox's real Azure
emulators: offered only once the twin is deployed and a card's file changed; the update runs
on a worker (the GUI keeps painting its progress), ends with the seconds and the verified
live hash, and a refusal is a sentence on the card, never a traceback."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from dtwin_gui.clouds import plugin
from dtwin_gui.clouds.base import Connections
from dtwin_gui.code.kinds import processor_target
from dtwin_gui.core.providers import Cloud
from dtwin_gui.deploy.orchestrator import Deployment
from dtwin_gui.deploy.query import nothing_deployed
from dtwin_gui.ui.pages.code_page import CodePage
from dtwin_gui.ui.session import ProjectSession
from dtwin_gui.ui.target_choice import TargetChoice
from dtwin_gui.ui.workers import TaskRunner

from .conftest import WAIT_MS

pytestmark = [
    pytest.mark.gui,
    pytest.mark.slow,
    pytest.mark.filterwarnings(
        "ignore:Unverified HTTPS request:urllib3.exceptions.InsecureRequestWarning"
    ),
]
T1 = "processor:temperature-sensor-1"
NEW_CODE = """\
def process(event: dict) -> dict:
    event["temperature"] = round(float(event["temperature"]), 2)
    event["processed_by"] = "code-page"
    return event
"""


@pytest.fixture(scope="module")
def azure(tmp_path_factory):
    """The sandbox's Azure emulator (Azurite, cosmosdb-server, the Functions host)."""
    from dtwin_gui.clouds.azure.sandbox.spec import start

    handle = start(tmp_path_factory.mktemp("azure-code-update"))
    yield Connections.wrap(plugin(Cloud.AZURE).sandbox_connection(dict(handle.endpoints), ""))
    handle.stop()


def _files_only(root, target):
    """Whether the workspace records a deployment (the app also asks the sandbox daemon,
    which these tests do not run: their emulators are started in process)."""
    return "never-deployed" if nothing_deployed(root, target) else None


@pytest.fixture
def page(qtbot, project, azure):
    path = project / "config_providers.json"
    config = json.loads(path.read_text())
    path.write_text(json.dumps(dict.fromkeys(config, "azure"), indent=2))
    runner = TaskRunner()
    session = ProjectSession(runner, debounce_ms=100)
    session.open(project)
    choice = TargetChoice(sandbox_factory=lambda: azure)
    widget = CodePage(session, runner, choice=choice, deployed_check=_files_only)
    qtbot.addWidget(widget)
    widget.resize(1000, 900)
    widget.show()
    settle(qtbot, widget)
    yield widget
    session.close()
    runner.shutdown()


def settle(qtbot, page: CodePage) -> None:
    session = page._session
    qtbot.waitUntil(
        lambda: session.report is not None and not session.validating and page._runner.active == 0,
        timeout=WAIT_MS,
    )


def _replace(qtbot, page, project, text: str, name: str) -> None:
    source = project.parent / name
    source.write_text(text)
    page.replace_file(processor_target("temperature-sensor-1"), source)
    settle(qtbot, page)


def test_the_update_is_offered_after_a_change_on_a_deployed_twin_and_runs_on_a_worker(
    qtbot, page, project, azure
):
    panel = page.updates.panels[T1]
    card = page.card(T1)
    # Not deployed yet: a changed file offers nothing.
    _replace(qtbot, page, project, NEW_CODE.replace("code-page", "draft"), "draft.py")
    qtbot.wait(300)
    assert not panel.isVisibleTo(card)

    deployed = Deployment(project, azure).deploy()
    assert deployed.status == "succeeded", deployed.message
    page.updates.rebase()  # what the main window does when a deploy finishes
    assert not panel.isVisibleTo(card)

    _replace(qtbot, page, project, NEW_CODE, "new_process.py")
    qtbot.waitUntil(lambda: panel.state == "offered", timeout=WAIT_MS)
    assert panel.isVisibleTo(card)
    assert "the twin on the sandbox still runs the previous code" in panel.text.text()
    assert panel.button.text() == "Update this function now" and panel.button.isEnabled()

    seen: list[str] = []
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    assert panel.state == "running" and not panel.button.isEnabled()
    # The GUI thread is free while the worker updates: it keeps painting the progress.
    qtbot.waitUntil(
        lambda: seen.append(panel.text.text()) or panel.state != "running", timeout=90_000
    )
    assert panel.state == "done", panel.text.text()
    assert seen[0].startswith("Updating…")  # read on the GUI thread while the worker ran
    assert any(line.startswith("Updating… build ✔") for line in panel.progress)
    assert any("upload ✔" in line for line in panel.progress)
    text = panel.text.text()
    assert text.startswith("✔ Updated in ") and "the live code hash verified" in text
    assert not panel.button.isVisibleTo(card)
    outcome = page.updates.last_outcome
    assert outcome.status == "succeeded" and outcome.functions == ["processor-temperature-sensor-1"]
    (sha,) = outcome.packages.values()
    assert sha[:12] in text

    from dtwin_gui.clouds.azure.sandbox.client import SandboxAzure

    apps = SandboxAzure(azure[Cloud.AZURE]).resources()["apps"]
    assert [a["package_sha256"] for a in apps.values() if a["layer"] == "L2"] == [sha]

    # A broken file is refused with its place; no traceback reaches the card.
    path = project / "processors" / "temperature-sensor-1" / "process.py"
    path.write_text("def process(event):\n    return event[\n")  # saved in an editor
    page._session.reload()
    settle(qtbot, page)
    qtbot.waitUntil(lambda: panel.state == "offered", timeout=WAIT_MS)
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.state == "failed", timeout=30_000)
    text = panel.text.text()
    assert text.startswith("✖ processors/temperature-sensor-1/process.py:")
    assert "Traceback" not in text and panel.button.text() == "Try again"
