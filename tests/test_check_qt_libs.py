"""scripts/check_qt_libs.py: what `make run` says or installs when Qt's xcb plugin lacks
system libraries."""

from __future__ import annotations

import importlib.util
import io
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_qt_libs.py"
PLUGIN = Path("/venv/PySide6/Qt/plugins/platforms/libqxcb.so")

#: ldd on a minimal Debian 12 (seen on a fresh machine; shortened).
LDD_MISSING = """\
\tlinux-vdso.so.1 (0x00007f84cc3a4000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f84cc2d6000)
\tlibxkbcommon-x11.so.0 => /lib/x86_64-linux-gnu/libxkbcommon-x11.so.0 (0x00007f84cc1f3000)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007f84cc1e4000)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibfoo2.so.3 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007f84cc3a6000)
"""
LDD_COMPLETE = "\n".join(
    line.replace("not found", "/lib/x86_64-linux-gnu/lib.so (0x1)")
    for line in LDD_MISSING.splitlines()
)
EXPECTED = ["libfoo2-3", "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1"]


@pytest.fixture(scope="module")
def check():
    spec = importlib.util.spec_from_file_location("check_qt_libs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeSystem:
    """Answers ldd with canned output; records the other commands (apt-get) it is asked to
    run; after a successful install ldd finds everything."""

    def __init__(self, install_rc: list[int]) -> None:
        self.install_rc = list(install_rc)
        self.commands: list[list[str]] = []
        self.installed = False

    def __call__(self, command, **kwargs):
        self.commands.append(list(command))
        if command[0] == "ldd":
            out = LDD_COMPLETE if self.installed else LDD_MISSING
            return subprocess.CompletedProcess(command, 0, stdout=out, stderr="")
        rc = 0
        if command[:2] == ["apt-get", "install"]:
            rc = self.install_rc.pop(0)
            self.installed = rc == 0
        return subprocess.CompletedProcess(command, rc)


def run_check(check, system, **kwargs):
    out = io.StringIO()
    kwargs.setdefault("environ", {"DISPLAY": ":0"})
    code = check.main([], run=system, plugin=PLUGIN, out=out, **kwargs)
    return code, out.getvalue()


def test_missing_libraries_map_to_their_debian_packages(check):
    missing = check.missing_libraries(LDD_MISSING)
    assert missing == [
        "libxcb-cursor.so.0",
        "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1",
        "libfoo2.so.3",
    ]
    assert check.packages_for(missing) == EXPECTED
    assert check.debian_package("libxkbcommon-x11.so.0") == "libxkbcommon-x11-0"
    assert check.debian_package("libglib-2.0.so.0") == "libglib2.0-0"


def test_a_user_is_told_the_exact_apt_get_line(check):
    system = FakeSystem([])
    code, message = run_check(check, system, debian=True, root=False, sudo=True)
    assert code == 1
    assert "    sudo apt-get install -y --no-install-recommends " + " ".join(EXPECTED) in message
    assert "libxcb-icccm.so.4" in message and str(PLUGIN) in message
    assert "make run" in message
    assert all(c[0] == "ldd" for c in system.commands), "nothing is installed without root"


def test_root_on_debian_installs_them_updating_the_package_lists_when_needed(check):
    system = FakeSystem([100, 0])  # no package lists yet on a fresh system
    code, message = run_check(check, system, debian=True, root=True)
    assert code == 0
    install = ["apt-get", "install", "-y", "--no-install-recommends", *EXPECTED]
    assert system.commands[1:] == [install, ["apt-get", "update"], install, system.commands[0]]
    assert "installed" in message


def test_root_is_told_what_failed_when_apt_get_cannot_install(check):
    system = FakeSystem([100, 100])
    code, message = run_check(check, system, debian=True, root=True)
    assert code == 1
    assert "apt-get could not install everything (exit 100)" in message
    assert "    apt-get install -y --no-install-recommends " + " ".join(EXPECTED) in message


def test_elsewhere_the_libraries_and_their_debian_names_are_listed(check):
    code, message = run_check(check, FakeSystem([]), debian=False, root=False)
    assert code == 1
    assert "apt-get" not in message
    assert "libxcb-keysyms.so.1" in message and " ".join(EXPECTED) in message


def test_nothing_is_checked_offscreen_or_when_all_is_there(check):
    system = FakeSystem([])
    assert run_check(check, system, environ={"QT_QPA_PLATFORM": "offscreen"}) == (0, "")
    assert system.commands == []
    system.installed = True
    assert run_check(check, system, debian=True, root=True) == (0, "")
    assert system.commands == [["ldd", str(PLUGIN)]]


def test_without_a_display_it_says_so_instead_of_qts_wrong_library(check):
    system = FakeSystem([])
    system.installed = True
    code, message = run_check(check, system, environ={}, debian=True, root=True)
    assert code == 1
    assert "no display" in message and "xvfb-run make run" in message
    assert run_check(check, system, environ={"WAYLAND_DISPLAY": "wayland-0"})[0] == 0


def test_the_real_plugin_is_found_and_readable_by_ldd(check):
    plugin = check.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    report = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, check=True)
    assert "libQt6XcbQpa" in report.stdout
