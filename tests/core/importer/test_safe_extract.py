"""Safe reading of older projects: hostile zips, symlinks, limits and root detection."""

from __future__ import annotations

import io
import os
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from dtwin_gui.core.importer import ImportFailed, import_project
from dtwin_gui.core.importer.safe_extract import (
    Limits,
    _ByteBudget,
    check_member_name,
    find_root,
    open_source,
    read_limited,
)

from .test_import_project import old_project_files, write_files, write_zip

LIMITS = Limits(max_total_bytes=10_000_000, max_files=100)


def minimal_files() -> dict[str, str]:
    files = old_project_files()
    return {name: files[name] for name in ("config.json", "config_iot_devices.json")}


def hostile_zip(path: Path, name: str, data: bytes = b"x", mode: int | None = None) -> Path:
    """A zip with a small project plus one entry named ``name`` (any bytes in its name)."""
    with zipfile.ZipFile(path, "w") as archive:
        for rel, content in minimal_files().items():
            archive.writestr(rel, content)
        info = zipfile.ZipInfo(name)
        if mode is not None:
            info.external_attr = mode << 16
        archive.writestr(info, data)
    return path


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("../evil.py", "no path traversal"),
        ("project/../../evil.py", "no path traversal"),
        ("..\\evil.py", "no path traversal"),
        ("/etc/evil.py", "no absolute paths"),
        ("\\evil.py", "no absolute paths"),
        ("C:/Windows/evil.py", "no drive letters"),
        ("c:evil.py", "no drive letters"),
        ("dir/file.txt:stream", "no drive letters"),
    ],
)
def test_unsafe_zip_names_are_refused(tmp_path, name, rule):
    archive = hostile_zip(tmp_path / "old.zip", name)

    with pytest.raises(ImportFailed) as failure:
        import_project(archive, tmp_path / "new")

    assert rule in str(failure.value)
    assert repr(name) in str(failure.value)
    assert not (tmp_path / "new").exists()
    assert not (tmp_path / "evil.py").exists()


def test_safe_names_are_normalised():
    assert check_member_name("a/./b//c.json") == "a/b/c.json"
    assert check_member_name("a\\b.json") == "a/b.json"


def test_symlink_entry_in_zip_is_refused(tmp_path):
    archive = hostile_zip(tmp_path / "old.zip", "link", b"/etc/passwd", stat.S_IFLNK | 0o777)

    with pytest.raises(ImportFailed, match=r"'link' is a symbolic link \(rule: no symlinks\)"):
        import_project(archive, tmp_path / "new")

    assert not (tmp_path / "new").exists()


def test_too_many_zip_entries_are_refused(tmp_path):
    files = {f"scene_assets/aws/{n}.json": "{}" for n in range(10)}
    archive = write_zip(tmp_path / "old.zip", {**minimal_files(), **files})

    with pytest.raises(ImportFailed, match="file-count limit") as failure:
        import_project(archive, tmp_path / "new", max_files=5)

    assert "beyond the limit of 5 entries" in str(failure.value)
    assert not (tmp_path / "new").exists()


def test_declared_size_beyond_the_limit_is_refused(tmp_path):
    files = {**minimal_files(), "scene_assets/aws/scene.glb": b"\0" * 2_000_000}
    archive = write_zip(tmp_path / "old.zip", files)
    assert archive.stat().st_size < 100_000  # compresses well: a small bomb

    with pytest.raises(ImportFailed, match=r"scene\.glb.*total uncompressed size"):
        import_project(archive, tmp_path / "new", max_total_bytes=1_000_000)


def _lie_about_size(archive: Path, name: str, claimed: int) -> None:
    """Rewrite the local and central headers of ``name`` to declare ``claimed`` bytes."""
    data = bytearray(archive.read_bytes())
    encoded = name.encode()
    # (signature, offset of the uncompressed size, of the name length, of the name)
    layouts = ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46))
    for signature, size_at, length_at, name_at in layouts:
        start = data.find(signature)
        while start != -1:
            (length,) = struct.unpack_from("<H", data, start + length_at)
            if data[start + name_at : start + name_at + length] == encoded:
                struct.pack_into("<I", data, start + size_at, claimed)
            start = data.find(signature, start + 4)
    archive.write_bytes(bytes(data))


def test_lying_size_header_cannot_bomb(tmp_path):
    files = {**minimal_files(), "scene_assets/aws/scene.glb": b"\0" * 3_000_000}
    archive = write_zip(tmp_path / "old.zip", files)
    _lie_about_size(archive, "scene_assets/aws/scene.glb", 100)
    with zipfile.ZipFile(archive) as opened:
        assert opened.getinfo("scene_assets/aws/scene.glb").file_size == 100

    with pytest.raises(ImportFailed, match=r"scene\.glb"):
        import_project(archive, tmp_path / "new", max_total_bytes=1_000_000)

    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.zip"]


class _EndlessZeros(io.RawIOBase):
    """A stream that never ends, like a decompressor fed a crafted entry."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        self.served += size
        return b"\0" * size


def test_actual_bytes_are_counted_against_the_budget():
    stream = _EndlessZeros()

    with pytest.raises(ImportFailed, match=r"big\.bin.*size limit"):
        read_limited(stream, "big.bin", _ByteBudget(1_000_000), declared=None)

    assert stream.served <= 1_000_000 + 65536  # stopped within one chunk of the limit


def test_data_longer_than_declared_is_refused():
    with pytest.raises(ImportFailed, match="more data than its header declares"):
        read_limited(io.BytesIO(b"a" * 500), "x.json", _ByteBudget(10_000), declared=10)


def test_budget_is_shared_across_files():
    budget = _ByteBudget(1_000)
    read_limited(io.BytesIO(b"a" * 600), "one", budget, declared=600)

    with pytest.raises(ImportFailed, match="two"):
        read_limited(io.BytesIO(b"a" * 600), "two", budget, declared=600)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlink support")
def test_folder_symlinks_are_skipped_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text('{"stolen": true}')
    source = write_files(tmp_path / "old", old_project_files())
    os.symlink(outside / "secret.json", source / "twin_hierarchy" / "azure_hierarchy.json")
    os.symlink(outside, source / "scene_assets")

    report = import_project(source, tmp_path / "new")

    skipped = {e.source: e for e in report.entries if e.action == "skipped"}
    assert "symbolic link" in skipped["twin_hierarchy/azure_hierarchy.json"].message
    assert "scene_assets" in skipped
    assert not (tmp_path / "new" / "twin_hierarchy" / "azure_hierarchy.json").exists()
    assert not (tmp_path / "new" / "scene_assets").exists()


def test_folder_file_count_limit(tmp_path):
    source = write_files(tmp_path / "old", old_project_files())

    with pytest.raises(ImportFailed, match="file-count limit"):
        import_project(source, tmp_path / "new", max_files=3)


def test_tool_folders_are_not_walked(tmp_path):
    files = {**old_project_files(), ".git/config": "[core]", "__MACOSX/._config.json": "x"}
    archive = write_zip(tmp_path / "old.zip", files)

    with open_source(archive, LIMITS) as tree:
        assert not any(path.startswith((".git/", "__MACOSX/")) for path in tree.files)
        assert {note.source for note in tree.notes} == {".git/", "__MACOSX/"}


def test_not_a_zip_or_folder(tmp_path):
    (tmp_path / "old.txt").write_text("hello")

    with pytest.raises(ImportFailed, match="neither a folder nor a zip"):
        import_project(tmp_path / "old.txt", tmp_path / "new")
    with pytest.raises(ImportFailed, match="does not exist"):
        import_project(tmp_path / "missing.zip", tmp_path / "new")


def test_root_at_top():
    assert find_root(["config.json", "config_iot_devices.json"]) == ""


def test_root_inside_wrapping_folders():
    files = ["outer/inner/config.json", "outer/inner/config_iot_devices.json", "outer/README"]
    assert find_root(files) == "outer/inner"


def test_root_ignores_nested_config_files():
    files = ["p/config.json", "p/config_providers.json", "p/iot_device_simulator/config.json"]
    assert find_root(files) == "p"


def test_root_prefers_the_folder_with_project_files():
    files = ["a/config.json", "b/config.json", "b/config_iot_devices.json"]
    assert find_root(files) == "b"


def test_several_roots_are_refused():
    with pytest.raises(
        ImportFailed, match=r"several project roots.*a/config\.json.*b/config\.json"
    ):
        find_root(
            [
                "a/config.json",
                "a/config_iot_devices.json",
                "b/config.json",
                "b/config_iot_devices.json",
            ]
        )


def test_no_root_is_refused(tmp_path):
    archive = write_zip(tmp_path / "old.zip", {"readme.txt": "hello"})

    with pytest.raises(ImportFailed, match=r"no config\.json"):
        import_project(archive, tmp_path / "new")
