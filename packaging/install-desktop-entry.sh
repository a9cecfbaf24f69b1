#!/usr/bin/env bash
# Put dtwin in the desktop's application menu (per user): run from the unpacked dist/dtwin.
# Writes ~/.local/share/applications/dtwin.desktop with this folder's absolute paths.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor"
mkdir -p "$apps" "$icons/scalable/apps" "$icons/256x256/apps"
install -m 0644 "$here/dtwin.svg" "$icons/scalable/apps/dtwin.svg"
install -m 0644 "$here/dtwin.png" "$icons/256x256/apps/dtwin.png"
sed -e "s|^Exec=dtwin|Exec=\"$here/dtwin\"|" -e "s|^TryExec=dtwin|TryExec=$here/dtwin|" \
    "$here/dtwin.desktop" > "$apps/dtwin.desktop"
chmod 0644 "$apps/dtwin.desktop"
echo "dtwin is now in your application menu ($apps/dtwin.desktop)"
