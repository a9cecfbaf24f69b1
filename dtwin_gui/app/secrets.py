"""Rotate the glue secrets of a deployment: a new HMAC secret per cross-cloud boundary."""

from __future__ import annotations

from pathlib import Path


def rotate(project_root: Path, target_name: str):
    """``(rotations, where they are kept)``; no rotations when every layer is on one cloud.
    Raises ``TopologyError`` (the project does not validate) or ``GlueSecretsError``.
    The secrets themselves are never returned."""
    from dtwin_gui.deploy.glue_secrets import rotate_secrets

    return rotate_secrets(Path(project_root), target_name)
