#!/usr/bin/env bash
# The browser tests (issue 20) against a running demo hub:
#
#   bash Tests/browser/run.sh http://127.0.0.1:PORT
#
# Chromium and chromedriver come from Debian's packages, installed here when missing (as root,
# or through sudo), like PostgreSQL. Selenium and the axe-core that axe-playwright-python ships
# come from PyPI into .hub/venv-browser (Tests/browser/requirements.txt pins them).
# Screenshots of every page, at desktop and projector sizes, go to .hub/screenshots (ignored by
# git; two of them are committed under deploy/screenshots/).
set -euo pipefail
URL=$1
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    sudo=()
    if [[ $EUID -ne 0 ]]; then
        command -v sudo >/dev/null || {
            echo "browser: chromium is missing; as root run: apt-get install -y chromium chromium-driver" >&2
            exit 1
        }
        sudo=(sudo)
    fi
    echo "browser: installing chromium and chromium-driver from Debian packages..." >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >&2 || {
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
            "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >&2
    }
fi

VENV=$ROOT/.hub/venv-browser
REQUIREMENTS=$ROOT/Tests/browser/requirements.txt
if ! cmp -s "$REQUIREMENTS" "$VENV/requirements.txt" 2>/dev/null; then
    echo "browser: installing Selenium and axe-core from PyPI into .hub/venv-browser..." >&2
    rm -rf "$VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "$(grep -E '^selenium==' "$REQUIREMENTS")"
    "$VENV/bin/pip" install --quiet --no-deps "$(grep -E '^axe-playwright-python==' "$REQUIREMENTS")"
    "$VENV/bin/pip" install --quiet "$(grep -E '^pypdf==' "$REQUIREMENTS")" "$(grep -E '^icalendar==' "$REQUIREMENTS")"
    cp "$REQUIREMENTS" "$VENV/requirements.txt"
fi

SHOTS=$ROOT/.hub/screenshots
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
exec "$VENV/bin/python" "$ROOT/Tests/browser/console_test.py" "$URL" "$SHOTS"
