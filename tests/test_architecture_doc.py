"""docs/architecture.md's contract table names every plugin part the registry accepts."""

import re
from pathlib import Path

from dtwin_gui.clouds.base import PART_NAMES

DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def test_every_part_name_is_in_the_contract_table():
    row = next(line for line in DOC.read_text().splitlines() if line.startswith("| Parts ("))
    documented = set(re.findall(r"`([a-z_]+)`", row)) - {"PART_NAMES"}
    assert set(PART_NAMES) - documented == set()
    assert documented - set(PART_NAMES) == set()
