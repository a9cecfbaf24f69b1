"""Fixtures for the build tests: a private copy of the sources that get packaged."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dtwin_gui.build import packages

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake_sources(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the packaged parts of ``dtwin_gui`` plus fake adapters, used as the source.

    Lets a test add, touch or change runtime files without touching the repository, and
    pins which adapter folders exist (``aws``/``azure``/``google``, one shared ``glue``).
    """
    src = REPO / "dtwin_gui"
    root = tmp_path / "sources" / "dtwin_gui"
    for rel in packages.SHARED_ENGINE_FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / rel, root / rel)
    shutil.copytree(src / "runtime", root / "runtime", ignore=shutil.ignore_patterns("__pycache__"))
    for cloud in ("aws", "azure", "google"):
        (root / "runtime" / cloud).mkdir(exist_ok=True)
        (root / "runtime" / cloud / "__init__.py").write_text(f'"""{cloud} adapter."""\n')
        (root / "runtime" / cloud / f"only_{cloud}.py").write_text("X = 1\n")
    (root / "runtime" / "glue").mkdir()
    (root / "runtime" / "glue" / "shared.py").write_text("Y = 2\n")
    (root / "runtime" / "core" / "__pycache__").mkdir()
    (root / "runtime" / "core" / "__pycache__" / "records.cpython-311.pyc").write_bytes(b"x")
    (root / "runtime" / "core" / ".scratch.py").write_text("secret = 1\n")
    (root / "runtime" / "core" / "notes.txt").write_text("not code\n")
    monkeypatch.setattr(packages, "source_root", lambda: root)
    return root
