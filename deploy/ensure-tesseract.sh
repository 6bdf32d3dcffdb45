#!/usr/bin/env bash
# Make sure Tesseract with Indonesian is installed for reading text in images
# (Debian packages tesseract-ocr and tesseract-ocr-ind). With --fonts, also
# the TrueType fonts the OCR tests draw their posters with.
# Best effort: Pantau runs without OCR (a start-up warning and a
# `pantau check` note); under CI the OCR tests fail when it is missing.
# Usage: deploy/ensure-tesseract.sh [--fonts]
set -u
PKGS=""
if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx ind; then
  PKGS="tesseract-ocr tesseract-ocr-ind"
fi
if [ "${1:-}" = "--fonts" ]; then
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf ] || PKGS="$PKGS fonts-dejavu-core"
  [ -f /usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf ] || PKGS="$PKGS fonts-liberation"
fi
[ -z "$PKGS" ] && exit 0
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "ensure-tesseract: not root; install by hand: apt-get install -y$PKGS" >&2; exit 0
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-tesseract: no apt-get; install Tesseract with Indonesian ($PKGS) by hand" >&2; exit 0
fi
echo "ensure-tesseract: installing$PKGS" >&2
$SUDO apt-get update -qq >/dev/null 2>&1 || true
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PKGS >/dev/null 2>&1 \
  || echo "ensure-tesseract: apt-get install$PKGS failed; OCR stays off until it is installed" >&2
exit 0
