#!/usr/bin/env bash
# Install or upgrade Pantau as a systemd service on Debian/Ubuntu. Idempotent:
# run it again after `git pull` to upgrade; existing config, watchlists,
# credentials and data are never overwritten.
#
#   sudo deploy/install.sh [--dry-run] [--start] [--no-browser]
#
#   --dry-run     print every step, change nothing (no root needed)
#   --start       (re)start the service at the end if `pantau check` passes
#   --no-browser  skip the Chromium install (no browser platforms, no screenshots)
#
# Layout: code in /opt/pantau (src/ + .venv/ + ms-playwright/), settings in
# /etc/pantau (config.toml, watchlists/, credentials/), data in
# /var/lib/pantau/data (StateDirectory), cache in /var/cache/pantau.
# Staff: `pantau` is on the PATH (/usr/local/bin/pantau -> /opt/pantau/bin/pantau,
# which defaults to /etc/pantau/config.toml); members of the group pantau-staff may drop
# watchlist files into /etc/pantau/watchlists/people (group-writable, setgid)
# without root: the daemon checks and loads them on save.
set -euo pipefail

PREFIX=/opt/pantau
ETC=/etc/pantau
STATE=/var/lib/pantau
CACHE=/var/cache/pantau
USER_NAME=pantau
STAFF_GROUP=pantau-staff
BIN_LINK=/usr/local/bin/pantau
UNIT_DIR=/etc/systemd/system
SRC_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

DRY=0; START=0; BROWSER=1
for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY=1 ;;
    --start) START=1 ;;
    --no-browser) BROWSER=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $arg (try --help)" >&2; exit 2 ;;
  esac
done

say() { echo "==> $*"; }
# run CMD...: run it, or only show it in a dry run
run() {
  if [ "$DRY" = 1 ]; then printf '   '; printf ' %q' "$@"; echo; else "$@"; fi
}
# put_file PATH MODE OWNER:GROUP: write stdin to PATH (atomically), or show it in a dry run
put_file() {
  local path="$1" mode="$2" owner="$3" tmp
  if [ "$DRY" = 1 ]; then
    echo "    write $path ($mode $owner):"; sed 's/^/      | /'; return
  fi
  tmp="$(mktemp "$(dirname "$path")/.install.XXXXXX")"
  cat >"$tmp"; chmod "$mode" "$tmp"; chown "$owner" "$tmp"; mv -f "$tmp" "$path"
}

if [ "$DRY" = 0 ] && [ "$(id -u)" != 0 ]; then
  echo "install.sh: run as root (sudo), or use --dry-run to see the steps" >&2; exit 1
fi
[ "$DRY" = 1 ] && say "dry run: nothing is changed"

say "system packages (python3-venv)"
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  run apt-get update -qq
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip
else
  echo "    python3-venv present"
fi

say "service user $USER_NAME"
if id "$USER_NAME" >/dev/null 2>&1; then
  echo "    exists"
else
  run useradd --system --user-group --home-dir "$STATE" --no-create-home --shell /usr/sbin/nologin \
    --comment "Pantau service" "$USER_NAME"
fi

say "staff group $STAFF_GROUP (may edit the people folder)"
if getent group "$STAFF_GROUP" >/dev/null 2>&1; then
  echo "    exists"
else
  run groupadd --system "$STAFF_GROUP"
fi
# the daemon reads what staff drop in the people folder
run usermod -a -G "$STAFF_GROUP" "$USER_NAME"

say "code in $PREFIX/src (from $SRC_REPO)"
# a fresh copy next to the old one, then swapped: no stale files survive an upgrade
run install -d -m 0755 "$PREFIX"
run rm -rf "$PREFIX/src.new"
run install -d -m 0755 "$PREFIX/src.new"
run tar -C "$SRC_REPO" --exclude=./.git --exclude=./.venv --exclude=./data --exclude=./.pantau-demo \
  --exclude=__pycache__ --exclude='*.pyc' -cf "$PREFIX/src.tar" .
run tar -C "$PREFIX/src.new" -xf "$PREFIX/src.tar"
run rm -rf "$PREFIX/src.tar" "$PREFIX/src.old"
[ -d "$PREFIX/src" ] && run mv "$PREFIX/src" "$PREFIX/src.old"
run mv "$PREFIX/src.new" "$PREFIX/src"

say "virtualenv $PREFIX/.venv"
if [ ! -x "$PREFIX/.venv/bin/python" ]; then
  run python3 -m venv "$PREFIX/.venv"
fi
run "$PREFIX/.venv/bin/python" -m pip install -q --disable-pip-version-check --upgrade "$PREFIX/src"

say "command pantau on the PATH ($BIN_LINK, config $ETC/config.toml by default)"
# a wrapper, not the bare venv script: `sudo -u pantau pantau ...` drops the environment,
# and the server's configuration must still be the default
run install -d -m 0755 "$PREFIX/bin"
printf '%s\n' '#!/bin/sh' "# Written by deploy/install.sh: the server's configuration unless --config/PANTAU_CONFIG says otherwise." \
  "PANTAU_CONFIG=\"\${PANTAU_CONFIG:-$ETC/config.toml}\" exec $PREFIX/.venv/bin/pantau \"\$@\"" \
  | put_file "$PREFIX/bin/pantau" 0755 root:root
run ln -sfn "$PREFIX/bin/pantau" "$BIN_LINK"

if [ "$BROWSER" = 1 ]; then
  say "Chromium (Playwright's own, else Debian's chromium package) in $PREFIX/ms-playwright"
  run install -d -m 0755 "$PREFIX/ms-playwright"
  run env PLAYWRIGHT_BROWSERS_PATH="$PREFIX/ms-playwright" bash "$PREFIX/src/deploy/ensure-chromium.sh" \
    "$PREFIX/.venv/bin/python"
fi

say "Tesseract with Indonesian for text in images (Debian's tesseract-ocr, tesseract-ocr-ind)"
run bash "$PREFIX/src/deploy/ensure-tesseract.sh"

say "settings in $ETC (kept if present)"
# /etc/pantau and watchlists/ may be passed through (0751) so staff reach people/;
# config.toml and lexicon stay readable by the service group only
run install -d -m 0751 -o root -g "$USER_NAME" "$ETC" "$ETC/watchlists"
run install -d -m 0750 -o root -g "$USER_NAME" "$ETC/watchlists/lexicon"
# people/: group pantau-staff writes, setgid so new files belong to the group
run install -d -m 2770 -o root -g "$STAFF_GROUP" "$ETC/watchlists/people"
run install -d -m 0700 -o root -g root "$ETC/credentials"
# the staff console (pantau-web.service) lets admins replace people files: group-writable folder
run chmod 0770 "$ETC/watchlists/people"
if [ -e "$ETC/config.toml" ]; then
  echo "    $ETC/config.toml kept"
else
  # the repository's commented config, with the data folder where systemd gives it
  sed -e 's|^dir = "data".*|dir = "/var/lib/pantau/data"   # StateDirectory of pantau.service|' \
    "$SRC_REPO/config.toml" | put_file "$ETC/config.toml" 0640 "root:$USER_NAME"
fi
for f in "$SRC_REPO"/watchlists/lexicon/*.toml; do
  if [ -e "$ETC/watchlists/lexicon/$(basename "$f")" ]; then
    echo "    lexicon $(basename "$f") kept"
  else
    run install -m 0640 -o root -g "$USER_NAME" "$f" "$ETC/watchlists/lexicon/"
  fi
done
for f in "$SRC_REPO"/watchlists/people/*.example "$SRC_REPO"/watchlists/README.md; do
  [ -e "$f" ] && run install -m 0640 -o root -g "$USER_NAME" "$f" "$ETC/watchlists/$(basename "$f")"
done
# files staff dropped earlier as root:pantau 0640 become editable by the staff group
for f in "$ETC"/watchlists/people/*; do
  [ -f "$f" ] && run chgrp "$STAFF_GROUP" "$f" && run chmod 0660 "$f"
done

say "systemd unit"
run install -m 0644 "$SRC_REPO/deploy/pantau.service" "$UNIT_DIR/pantau.service"
# the staff console: installed, enabled by the operator once a user exists (docs/operations.md)
run install -m 0644 "$SRC_REPO/deploy/pantau-web.service" "$UNIT_DIR/pantau-web.service"
run install -d -m 0755 "$UNIT_DIR/pantau.service.d"
{
  echo "# Written by deploy/install.sh from the files in $ETC/credentials (one secret per file)."
  echo "[Service]"
  if [ -d "$ETC/credentials" ]; then
    for c in "$ETC"/credentials/*; do
      [ -f "$c" ] && echo "LoadCredential=$(basename "$c"):$c"
    done
  fi
  true
} | put_file "$UNIT_DIR/pantau.service.d/credentials.conf" 0644 root:root
run systemctl daemon-reload
run systemctl enable pantau.service

say "configuration check"
CHECK=(runuser -u "$USER_NAME" -- env HOME="$STATE" "$PREFIX/.venv/bin/pantau" --config "$ETC/config.toml" check)
if [ "$DRY" = 1 ]; then
  run "${CHECK[@]}"
elif "${CHECK[@]}"; then
  if [ "$START" = 1 ]; then
    run systemctl restart pantau.service
    run systemctl --no-pager status pantau.service
  fi
else
  echo "    fix the problems above (sudoedit $ETC/config.toml, $ETC/watchlists/people/), then:" \
       "systemctl start pantau" >&2
fi

cat <<EOF
==> done. Next steps (docs/operations.md):
    - staff accounts: sudo usermod -a -G $STAFF_GROUP NAME  (then log in again)
    - people files:   $ETC/watchlists/people/*.toml, *.csv or *.xlsx (group $STAFF_GROUP may write;
                      the daemon checks and loads them on save; see: pantau status)
    - command:        pantau ... (on the PATH; as the service user: sudo -u $USER_NAME pantau ...)
    - secrets:        one file per secret in $ETC/credentials/ (root, 0600), referenced as \${NAME}
                      in config.toml; run this script again to register them
    - start / status: systemctl start pantau; sudo -u $USER_NAME pantau status
    - logs:           journalctl -u pantau -f
    - staff console:  sudo -u $USER_NAME $PREFIX/.venv/bin/pantau --config $ETC/config.toml users add NAME --role admin
                      systemctl enable --now pantau-web  (listens on 127.0.0.1:8080; put TLS in front)
EOF
