"""Helpers for tests (importable: tests/ is on pytest's pythonpath)."""

from __future__ import annotations

import json
import time
from pathlib import Path


def edit_json(path: Path, change) -> None:
    """Load ``path``, let ``change(data)`` mutate (or return) it, and write it back."""
    data = json.loads(path.read_text(encoding="utf-8"))
    result = change(data)
    path.write_text(json.dumps(data if result is None else result, indent=2), encoding="utf-8")


def skip_unless_tools(message: str) -> None:
    """Skip a test whose tools (Terraform, the provider mirror) are missing — except in CI,
    where such a test must run, so it fails there instead."""
    import os

    import pytest

    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must run this test")
    pytest.skip(message)


def wait_for(predicate, timeout: float = 90.0, interval: float = 0.5):
    """``predicate()``'s first truthy value, asked every ``interval`` s for ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
