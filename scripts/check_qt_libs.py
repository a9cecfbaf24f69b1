#!/usr/bin/env python3
"""Check that Qt's X11 (xcb) platform plugin can load, before ``make run`` starts the app.

A minimal Debian/Ubuntu lacks some of the system libraries PySide6's xcb plugin needs
(``libxcb-icccm4``, ``libxcb-keysyms1``, ``libxcb-cursor0``, ...), and Qt's own message then
names the wrong one. This script runs ``ldd`` on ``PySide6/Qt/plugins/platforms/libqxcb.so``,
maps every library reported "not found" to its Debian package and then

* installs the packages with ``apt-get`` when it runs as root on Debian/Ubuntu, or
* stops (exit 1) with the exact ``apt-get install …`` line to run.

Then, as Qt would otherwise only say "could not connect to display" (and name xcb-cursor0
again), it stops when there is no display at all (neither ``DISPLAY`` nor ``WAYLAND_DISPLAY``).

Nothing is checked with ``QT_QPA_PLATFORM=offscreen`` (or ``minimal``/``vnc``/``wayland``),
off Linux, or when ``ldd`` is missing. Exit 0 means the plugin's libraries are all there.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

#: Debian packages of the libraries Qt's xcb plugin links to (where the package name does not
#: follow the Debian rule that :func:`debian_package` applies).
PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb.so.1": "libxcb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libpcre2-8.so.0": "libpcre2-8-0",
    "libpng16.so.16": "libpng16-16",
    "libz.so.1": "zlib1g",
    "libzstd.so.1": "libzstd1",
    "libexpat.so.1": "libexpat1",
    "libbrotlidec.so.1": "libbrotli1",
}
#: Platforms that do not use the xcb plugin: nothing to check.
OTHER_PLATFORMS = ("offscreen", "minimal", "vnc", "wayland", "eglfs", "linuxfb")

_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found\s*$")


def missing_libraries(ldd_output: str) -> list[str]:
    """The libraries ``ldd`` reported "not found", in order, without duplicates."""
    found: list[str] = []
    for line in ldd_output.splitlines():
        match = _NOT_FOUND.match(line)
        if match and match.group(1) not in found:
            found.append(match.group(1))
    return found


def debian_package(soname: str) -> str:
    """The Debian package that ships ``soname`` (``libxcb-icccm.so.4`` -> ``libxcb-icccm4``).

    Known libraries come from :data:`PACKAGES`; others follow Debian's library package rule
    (``libNAME.so.V`` -> ``libnameV``, with a hyphen when NAME ends in a digit).
    """
    if soname in PACKAGES:
        return PACKAGES[soname]
    name, _, version = soname.partition(".so.")
    version = version.split(".")[0]
    name = name.lower()
    if not version:
        return name
    return f"{name}-{version}" if name[-1:].isdigit() else f"{name}{version}"


def packages_for(libraries: Sequence[str]) -> list[str]:
    """The Debian packages for ``libraries``, sorted, without duplicates."""
    return sorted({debian_package(lib) for lib in libraries})


def install_command(packages: Sequence[str], *, root: bool, sudo: bool = True) -> list[str]:
    """The ``apt-get install`` command line for ``packages`` (with sudo when not root)."""
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    return command if root or not sudo else ["sudo", *command]


def missing_message(
    libraries: Sequence[str], plugin: Path, *, debian: bool, root: bool, sudo: bool = True
) -> str:
    """What to tell the user when the plugin cannot load, with the line to run."""
    packages = packages_for(libraries)
    lines = [
        f"The app cannot start yet: Qt's X11 platform plugin ({plugin}) needs system "
        f"libraries that are missing: {', '.join(libraries)}.",
        "",
    ]
    if debian:
        lines += [
            "Install them with:",
            "",
            "    " + " ".join(install_command(packages, root=root, sudo=sudo)),
            "",
            "then run `make run` again."
            + ("" if root or sudo else " (Run the line as root: there is no sudo here.)"),
        ]
    else:
        lines += [
            "Install them with your system's package manager (their Debian/Ubuntu packages "
            f"are: {' '.join(packages)}), then run `make run` again.",
        ]
    lines += [
        "(Without a display, QT_QPA_PLATFORM=offscreen skips this check and the window.)",
    ]
    return "\n".join(lines)


NO_DISPLAY = (
    "The app cannot start: there is no display to show its window on (DISPLAY is not set). "
    "Run `make run` in a desktop session, over SSH with `ssh -X`, or on a headless machine "
    "under a virtual X server: `xvfb-run make run` (Debian/Ubuntu package: xvfb)."
)


def has_display(environ) -> bool:
    return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))


def xcb_plugin() -> Path | None:
    """PySide6's ``libqxcb.so``, or None when PySide6 or the plugin is not installed."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        plugin = Path(base) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def is_debian(os_release: Path = Path("/etc/os-release")) -> bool:
    """True on Debian, Ubuntu and their derivatives (with apt-get on the PATH)."""
    try:
        text = os_release.read_text(encoding="utf-8")
    except OSError:
        return False
    ids: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key in ("ID", "ID_LIKE"):
            ids.update(value.strip().strip("\"'").lower().split())
    return bool(ids & {"debian", "ubuntu"}) and shutil.which("apt-get") is not None


def _ldd(plugin: Path, run: Callable[..., subprocess.CompletedProcess]) -> str | None:
    """``ldd``'s report on ``plugin``; None when there is no ldd."""
    try:
        result = run(["ldd", str(plugin)], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        return None
    return (result.stdout or "") + (result.stderr or "")


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: dict[str, str] | None = None,
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
    plugin: Path | None = None,
    debian: bool | None = None,
    root: bool | None = None,
    sudo: bool | None = None,
    out=None,
) -> int:
    """Check (and on Debian as root, fix); 0 = the plugin's libraries are all there."""
    parser = argparse.ArgumentParser(prog="check_qt_libs.py", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--no-install", action="store_true", help="only say what is missing, even as root"
    )
    args = parser.parse_args(list(argv or []))
    environ = os.environ if environ is None else environ
    out = out or sys.stderr
    platform = environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if platform in OTHER_PLATFORMS or not sys.platform.startswith("linux"):
        return 0
    plugin = plugin or xcb_plugin()
    if plugin is None:
        print("check_qt_libs: PySide6's xcb plugin was not found; not checked.", file=out)
        return 0
    report = _ldd(plugin, run)
    if report is None:
        print("check_qt_libs: ldd is not installed; not checked.", file=out)
        return 0
    missing = missing_libraries(report)
    if not missing:
        return _display_check(environ, out)
    debian = is_debian() if debian is None else debian
    root = (os.geteuid() == 0) if root is None else root
    packages = packages_for(missing)
    if debian and root and not args.no_install:
        print(
            f"Qt's X11 plugin needs {', '.join(missing)}; installing {' '.join(packages)} …",
            file=out,
        )
        command = install_command(packages, root=True)
        env = {**environ, "DEBIAN_FRONTEND": "noninteractive"}
        done = run(command, check=False, env=env)
        if done.returncode != 0:  # a fresh system may have no package lists yet
            run(["apt-get", "update"], check=False, env=env)
            done = run(command, check=False, env=env)
        still = missing_libraries(_ldd(plugin, run) or "") if done.returncode == 0 else missing
        if not still:
            print("The system libraries are installed.", file=out)
            return _display_check(environ, out)
        print(f"\napt-get could not install everything (exit {done.returncode}).", file=out)
        print(missing_message(still, plugin, debian=True, root=True), file=out)
        return 1
    sudo = shutil.which("sudo") is not None if sudo is None else sudo
    print(missing_message(missing, plugin, debian=debian, root=root, sudo=sudo), file=out)
    return 1


def _display_check(environ, out) -> int:
    if has_display(environ):
        return 0
    print(NO_DISPLAY, file=out)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
