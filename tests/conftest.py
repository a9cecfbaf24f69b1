"""Fixtures shared by every test: a private environment, fresh copies of the example project.

No test may read or write the user's own settings, data, projects or keyring. At the start
of the session every ``DTWIN_*`` variable is cleared (but the few in :data:`MACHINE_VARS`,
which name read-only tools of the test machine) and ``HOME``, the XDG folders and the
dtwin folders point into one temporary folder; each test then gets fresh data, config and
projects folders of its own, and an empty in-memory keyring.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

# The provider matrix's flow and sides are helpers, not test files: rewrite their asserts too.
pytest.register_assert_rewrite("tests.e2e.matrix_flow", "tests.e2e.matrix_sides")

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "upload" / "template"

#: ``DTWIN_*`` variables kept from the caller's environment: they locate read-only tools
#: of the machine (the Terraform provider mirror) or switch test output on (screenshots).
MACHINE_VARS = frozenset({"DTWIN_TF_MIRROR", "DTWIN_SHOTS"})
#: Folders each test gets afresh (under its own temporary folder). ``DTWIN_CONFIG_DIR`` stays
#: unset in tests, so the config folder is ``$DTWIN_DATA_DIR/config`` (fresh too).
PER_TEST_DIRS = {"DTWIN_DATA_DIR": "dtwin-data", "DTWIN_PROJECTS_DIR": "dtwin-projects"}
#: Where platformdirs, Qt and other libraries find the user's folders.
HOME_VARS = {
    "HOME": "home",
    "XDG_CONFIG_HOME": "home/.config",
    "XDG_DATA_HOME": "home/.local/share",
    "XDG_STATE_HOME": "home/.local/state",
    "XDG_CACHE_HOME": "home/.cache",
    "XDG_DOCUMENTS_DIR": "home/Documents",
}
_session_root: Path | None = None


class MemoryKeyring(KeyringBackend):
    """The tests' keyring: secrets live in this dict, never in the user's keyring."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.passwords.get((service, username))

    def set_password(self, service, username, password):
        self.passwords[(service, username)] = password

    def delete_password(self, service, username):
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


def private_environment(root: Path) -> dict[str, str]:
    """The variables that keep a process away from the user's folders, all under ``root``."""
    env = {name: str(root / rel) for name, rel in HOME_VARS.items()}
    env.update({name: str(root / rel) for name, rel in PER_TEST_DIRS.items()})
    # Child processes (the CLI, the sandbox daemon) must not reach the user's keyring either.
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    return env


def pytest_configure(config):
    global _session_root
    for name in [n for n in os.environ if n.startswith("DTWIN_") and n not in MACHINE_VARS]:
        del os.environ[name]
    _session_root = Path(tempfile.mkdtemp(prefix="dtwin-tests-"))
    for name, value in private_environment(_session_root).items():
        os.environ[name] = value
        if name in HOME_VARS or name in PER_TEST_DIRS:
            Path(value).mkdir(parents=True, exist_ok=True)
    keyring.set_keyring(MemoryKeyring())


def pytest_unconfigure(config):
    if _session_root is not None:
        shutil.rmtree(_session_root, ignore_errors=True)


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path_factory, monkeypatch):
    """Every test: its own workspaces, settings, projects folder and an empty keyring."""
    for name, rel in PER_TEST_DIRS.items():
        monkeypatch.setenv(name, str(tmp_path_factory.mktemp(rel)))
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the example project."""
    dest = tmp_path / "project"
    shutil.copytree(TEMPLATE, dest)
    return dest


@pytest.fixture(scope="module")
def azure_emulator(tmp_path_factory):
    """The sandbox's emulated Azure as `dtwin sandbox up` starts it (Azurite, cosmosdb-server,
    the HTTPS gateway with the Functions host), one per test module."""
    from dtwin_gui.clouds.azure.sandbox.spec import start

    handle = start(tmp_path_factory.mktemp("azure"))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def google_emulator(tmp_path_factory):
    """The sandbox's emulated Google Cloud as `dtwin sandbox up` starts it (the Pub/Sub and
    Firestore emulators, fake-gcs-server, the gateway with the functions host), one per
    test module."""
    from dtwin_gui.clouds.google.sandbox.spec import start

    handle = start(tmp_path_factory.mktemp("google"))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def aws(tmp_path):
    """A running emulated AWS (moto + gateway + function host) on loopback."""
    from dtwin_gui.clouds.aws.sandbox.emulator import AwsEmulator

    with AwsEmulator(workdir=tmp_path / "functions") as emulator:
        yield emulator
