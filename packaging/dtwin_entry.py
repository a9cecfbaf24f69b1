"""Entry point of the packaged app (PyInstaller).

The engine starts helper processes with ``sys.executable`` (the sandbox daemon, the Lambda
function host, the processor test runner). In the packaged app ``sys.executable`` is the
``dtwin`` program itself, so it also answers the few Python-interpreter forms those helpers
use: ``dtwin [-B] [-P] -m module args...`` and ``dtwin script.py args...``. Anything else
starts the desktop app.
"""

from __future__ import annotations

import runpy
import sys

_IGNORED_FLAGS = {"-B", "-P", "-u", "-E", "-s", "-I"}


def _interpreter_call(argv: list[str]) -> bool:
    args = argv[1:]
    while args and args[0] in _IGNORED_FLAGS:
        args = args[1:]
    if len(args) >= 2 and args[0] == "-m":
        sys.argv = [args[1], *args[2:]]
        runpy.run_module(args[1], run_name="__main__", alter_sys=True)
        return True
    if args and args[0].endswith(".py"):
        sys.argv = list(args)
        runpy.run_path(args[0], run_name="__main__")
        return True
    return False


if __name__ == "__main__":
    if not _interpreter_call(sys.argv):
        from dtwin_gui.ui.app import main

        sys.exit(main())
