#!/usr/bin/env bash
# Smoke test of the built app: start dist/dtwin/dtwin offscreen on a copy of the example
# project, let it run for a few seconds (--quit-after), and fail when it does not exit 0
# within the time limit or when its log has an ERROR or CRITICAL line.
set -euo pipefail
cd "$(dirname "$0")/.."
APP="${APP:-dist/dtwin/dtwin}"
RUN_SECONDS="${RUN_SECONDS:-5}"
LIMIT_SECONDS="${LIMIT_SECONDS:-60}"

if [ ! -x "$APP" ]; then
    echo "smoke: $APP is missing; build it with 'make package'" >&2
    exit 1
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
cp -r upload/template "$scratch/project"
log="$scratch/state/dtwin/log/dtwin-gui.log"

set +e
env QT_QPA_PLATFORM=offscreen \
    XDG_STATE_HOME="$scratch/state" XDG_CONFIG_HOME="$scratch/config" \
    XDG_DATA_HOME="$scratch/data" XDG_CACHE_HOME="$scratch/cache" HOME="$scratch/home" \
    timeout --kill-after=5 "$LIMIT_SECONDS" \
    "$APP" --quit-after "$RUN_SECONDS" "$scratch/project" >"$scratch/output.txt" 2>&1
code=$?
set -e

fail() {
    echo "smoke: FAILED: $1" >&2
    echo "--- app output ---" >&2
    cat "$scratch/output.txt" >&2
    if [ -f "$log" ]; then
        echo "--- app log ---" >&2
        cat "$log" >&2
    fi
    exit 1
}
[ "$code" -ne 124 ] && [ "$code" -ne 137 ] || fail "the app did not exit within ${LIMIT_SECONDS} s"
[ "$code" -eq 0 ] || fail "the app exited with code $code"
[ -f "$log" ] || fail "the app wrote no log at $log"
grep -q "opened project" "$log" || fail "the app did not open the example project"
if grep -E " (ERROR|CRITICAL) " "$log" >/dev/null; then
    fail "the app log has errors"
fi
echo "smoke: OK: $APP ran ${RUN_SECONDS} s offscreen, exited 0, clean log"
sed 's/^/  /' "$log"
