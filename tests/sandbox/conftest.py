from __future__ import annotations

import pytest

from dtwin_gui.sandbox.emulator import AwsEmulator


@pytest.fixture
def aws(tmp_path):
    """A running emulated AWS (moto + gateway + function host) on loopback."""
    with AwsEmulator(workdir=tmp_path / "functions") as emulator:
        yield emulator
