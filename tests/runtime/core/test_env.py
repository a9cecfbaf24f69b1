"""A function whose environment lacks a required variable fails naming it."""

from __future__ import annotations

import pytest

from dtwin_gui.runtime.core.contracts import contract_for
from dtwin_gui.runtime.core.env import MissingEnvironment


def test_missing_required_variable_is_named():
    with pytest.raises(MissingEnvironment) as caught:
        contract_for("processor").load({"DTWIN_TWIN_NAME": "factory-twin"})
    assert "DTWIN_PERSISTER_FUNCTION" in str(caught.value)
    assert "'processor'" in str(caught.value)


def test_one_of_a_pair_is_required():
    with pytest.raises(MissingEnvironment, match="DTWIN_HOT_STORE or DTWIN_HOT_WRITER_URL"):
        contract_for("persister").load({"DTWIN_TWIN_NAME": "t"})


def test_a_complete_environment_loads():
    env = contract_for("hot-to-cold-mover").load(
        {
            "DTWIN_TWIN_NAME": "t",
            "DTWIN_HOT_STORE": "hot",
            "DTWIN_COLD_STORE": "cold",
            "DTWIN_HOT_DAYS": "30",
            "UNRELATED": "x",
        }
    )
    assert env["DTWIN_HOT_DAYS"] == "30" and env["DTWIN_COLD_WRITER_URL"] is None
    assert "UNRELATED" not in env
