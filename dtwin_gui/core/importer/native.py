"""Importing a project that is already in dtwin's format (such as a ``dtwin export`` zip).

Such a project needs no translation: every file is copied unchanged, through the same safe
reading as an older project. What must not travel is still left out: secrets (the same
screening as for older projects) and what ``dtwin export`` never writes (caches, editor junk,
deployment state), each reported.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from dtwin_gui.core.importer.convert import CREDENTIALS_MESSAGE, is_secret
from dtwin_gui.core.importer.safe_extract import ImportEntry, SourceTree
from dtwin_gui.core.importer.screening import screen
from dtwin_gui.core.project import CONFIG, REQUIRED_FILES

#: Files and folders only the older deployer's projects have (a credentials file can sit in
#: either format, so it decides nothing; it is skipped in both).
OLDER_MARKERS = ("config_optimization.json", "config_inter_cloud.json")
OLDER_FOLDERS = (
    "lambda_functions/",
    "azure_functions/",
    "cloud_functions/",
    "iot_device_simulator/",
)
#: Said once, on config.json, so the report tells why nothing was converted.
NATIVE_MESSAGE = "already in dtwin's format: every file is copied unchanged"


def is_dtwin_project(files: list[str], root: str) -> bool:
    """Whether the project at ``root`` of ``files`` is in dtwin's format already.

    It must have dtwin's required files, a file only dtwin's format has
    (``processors/<device>/process.py`` or ``config_features.json``), and nothing that only
    an older project has.
    """
    prefix = f"{root}/" if root else ""
    inside = {path[len(prefix) :] for path in files if path.startswith(prefix)}
    if not all(name in inside for name in REQUIRED_FILES):
        return False
    if any(name in inside for name in OLDER_MARKERS):
        return False
    if any(path.startswith(OLDER_FOLDERS) for path in inside):
        return False
    processors = any(
        len(parts) == 3 and parts[0] == "processors" and parts[2] == "process.py"
        for parts in (path.split("/") for path in inside)
    )
    return processors or "config_features.json" in inside


def copy_project(tree: SourceTree, root: str, staging: Path) -> list[ImportEntry]:
    """Copy the dtwin project at ``root`` of ``tree`` into ``staging``, one entry per file."""
    from dtwin_gui.core.export import excluded_reason  # export imports the importer

    entries = list(tree.notes)
    prefix = f"{root}/" if root else ""
    for path in tree.files:
        if not path.startswith(prefix):
            entries.append(
                ImportEntry(path, None, "ignored", f"outside the project root ({root}/)")
            )
            continue
        rel = path[len(prefix) :]
        if is_secret(rel):  # never read
            credentials = rel.rsplit("/", 1)[-1].startswith("config_credentials")
            message = CREDENTIALS_MESSAGE if credentials else screen(rel, b"")
            entries.append(ImportEntry(rel, None, "skipped", message))
            continue
        reason = excluded_reason(rel)
        if reason:
            entries.append(ImportEntry(rel, None, "ignored", reason))
            continue
        data = tree.read_bytes(path)
        reason = screen(rel, data)
        if reason:
            entries.append(ImportEntry(rel, None, "skipped", reason))
            continue
        target = staging.joinpath(*PurePosixPath(rel).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        message = NATIVE_MESSAGE if rel == CONFIG else ""
        entries.append(ImportEntry(rel, rel, "copied", message))
    return entries
