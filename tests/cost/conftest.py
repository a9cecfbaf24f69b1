"""Fixtures of the cost tests."""

from __future__ import annotations

import pytest

from dtwin_gui.cost.table import PriceTable, shipped_table


@pytest.fixture
def shipped() -> PriceTable:
    return shipped_table()
