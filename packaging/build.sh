#!/usr/bin/env bash
# Build the double-click app: dist/dtwin/dtwin (one folder, windowed) with PyInstaller.
# Installs PyInstaller into the project's virtualenv when it is missing.
# Usage: packaging/build.sh            (VENV=.venv by default)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="$VENV/bin/python"
PYINSTALLER_VERSION="6.11.1"

if [ ! -x "$PY" ]; then
    echo "build.sh: no virtualenv at $VENV; run 'make test' or 'make run' once first" >&2
    exit 1
fi
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "build.sh: installing PyInstaller $PYINSTALLER_VERSION into $VENV"
    "$PY" -m pip install --quiet "pyinstaller==$PYINSTALLER_VERSION"
fi

start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/dtwin.spec
install -m 0644 packaging/dtwin.desktop dist/dtwin/dtwin.desktop
install -m 0644 resources/dtwin.png dist/dtwin/dtwin.png
install -m 0644 resources/dtwin.svg dist/dtwin/dtwin.svg
install -m 0755 packaging/install-desktop-entry.sh dist/dtwin/install-desktop-entry.sh
end=$(date +%s)

echo "build.sh: built dist/dtwin in $((end - start)) s, $(du -sh dist/dtwin | cut -f1)"
