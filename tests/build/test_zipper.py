"""The zipper: same entries, same bytes — nothing of the machine or the moment leaks in."""

from __future__ import annotations

import io
import stat
import zipfile

import pytest

from dtwin_gui.build import zipper

ENTRIES = [
    ("b/two.py", b"print(2)\r\n"),
    ("a.json", b'{"x": 1}\n'),
    ("b/a/one.py", b"x = 1\n" * 50),
]


def test_order_of_input_does_not_matter():
    assert zipper.zip_bytes(ENTRIES) == zipper.zip_bytes(reversed(ENTRIES))


def test_headers_are_fixed():
    with zipfile.ZipFile(io.BytesIO(zipper.zip_bytes(ENTRIES))) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == sorted(name for name, _ in ENTRIES)
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == stat.S_IFREG | 0o644
            assert info.create_system == 3
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert info.extra == b""
            assert not info.is_dir()
            assert info.flag_bits & 0x08 == 0  # no data descriptor
        assert zf.comment == b""


def test_content_is_stored_as_is():
    with zipfile.ZipFile(io.BytesIO(zipper.zip_bytes(ENTRIES))) as zf:
        assert zf.read("b/two.py") == b"print(2)\r\n"


@pytest.mark.parametrize("name", ["", "/abs.py", "a\\b.py", "../up.py", "a//b.py", "a/./b", "d/"])
def test_bad_archive_paths_are_refused(name):
    with pytest.raises(ValueError, match="bad archive path"):
        zipper.zip_bytes([(name, b"")])


def test_duplicate_paths_are_refused():
    with pytest.raises(ValueError, match="duplicate"):
        zipper.zip_bytes([("a.py", b"1"), ("a.py", b"2")])
