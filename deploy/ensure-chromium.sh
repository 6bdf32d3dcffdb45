#!/usr/bin/env bash
# Make sure a Chromium that Playwright can drive is installed.
# Order: one already there (Playwright's own or Debian's) -> `playwright install
# chromium` (the normal route on an ordinary machine) -> Debian's `chromium`
# package (machines that cannot download browser builds).
# Usage: deploy/ensure-chromium.sh [PYTHON]
set -u
PY="${1:-python3}"

have_browser() {
  "$PY" - <<'PYEOF' >/dev/null 2>&1
from scraper.fetch.browser import find_chromium
find_chromium("")
PYEOF
}

if have_browser; then
  exit 0
fi
echo "ensure-chromium: no Chromium yet; trying 'playwright install chromium'" >&2
if timeout 600 "$PY" -m playwright install chromium >/dev/null 2>&1 && have_browser; then
  echo "ensure-chromium: Playwright's Chromium installed" >&2
  exit 0
fi
echo "ensure-chromium: Playwright download not possible; trying Debian's chromium package" >&2
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "ensure-chromium: run as root: apt-get install -y chromium" >&2; exit 1
  fi
fi
if command -v apt-get >/dev/null 2>&1; then
  $SUDO apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null 2>&1 || true
  # emoji in evidence screenshots and report PDFs (optional)
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-noto-color-emoji >/dev/null 2>&1 || true
fi
if have_browser; then
  echo "ensure-chromium: Debian's chromium installed" >&2
  exit 0
fi
echo "ensure-chromium: could not install Chromium. Install it by hand (apt-get install chromium," \
     "or 'playwright install chromium') or set [browser] executable in config.toml." >&2
exit 1
