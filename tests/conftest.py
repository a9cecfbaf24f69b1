"""Fixtures shared by every test: fresh copies of the example project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "upload" / "template"


@pytest.fixture(autouse=True)
def private_data_dir(tmp_path_factory, monkeypatch):
    """Keep every test's workspaces, settings and sandbox state out of the real user folder."""
    monkeypatch.setenv("DTWIN_DATA_DIR", str(tmp_path_factory.mktemp("dtwin-data")))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the example project."""
    dest = tmp_path / "project"
    shutil.copytree(TEMPLATE, dest)
    return dest


@pytest.fixture
def aws(tmp_path):
    """A running emulated AWS (moto + gateway + function host) on loopback."""
    from dtwin_gui.sandbox.emulator import AwsEmulator

    with AwsEmulator(workdir=tmp_path / "functions") as emulator:
        yield emulator
