"""Finds the Node emulators ``make`` installs into ``sandbox-tools/node_modules`` (issue 14)."""

from __future__ import annotations

import os
from pathlib import Path

TOOLS = ("azurite", "cosmosdb-server")


class ToolMissing(RuntimeError):
    pass


def tools_dir() -> Path:
    env = os.environ.get("DTWIN_SANDBOX_TOOLS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[4] / "sandbox-tools"


def find_tool(name: str) -> Path:
    """Path of a Node emulator binary; a clear error naming ``make`` when it is missing."""
    path = tools_dir() / "node_modules" / ".bin" / name
    if not path.exists():
        raise ToolMissing(
            f"The Azure sandbox needs {name} ({path} is missing): run `make` in the project "
            "folder (needs Node.js 20 and npm) to install the emulators into sandbox-tools/."
        )
    return path
