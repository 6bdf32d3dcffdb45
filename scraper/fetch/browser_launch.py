"""Launching Chromium: which executable, which flags, and Playwright's driver.

Split out of :mod:`scraper.fetch.browser` (which re-exports these names) to keep modules small.
"""
from __future__ import annotations

import os
import shutil
from typing import Any

from ..errors import FetchError


#: flags that avoid hangs and phoning home on a closed network
CHROMIUM_FLAGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--disable-dev-shm-usage",
] + [
    # memory (issue #17): share renderer processes between the short-lived
    # contexts instead of one (or more) per page, and drop features a
    # headless scraper never uses
    # (no --disable-features here: it would replace the list Playwright passes)
    "--renderer-process-limit=1",
    "--disable-site-isolation-trials",
    "--in-process-gpu",
    "--no-zygote",
    "--disable-extensions",
    "--mute-audio",
    "--js-flags=--max-old-space-size=256 --max-semi-space-size=1",
]
#: V8 options for Playwright's Node driver: a small young generation (its default
#: grows the driver to ~140 MB PSS over a cycle of contexts)
DRIVER_NODE_OPTIONS = "--max-semi-space-size=1 --max-old-space-size=192"
DEBIAN_CHROMIUM = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"]


def find_chromium(configured: str = "") -> str | None:
    """The Chromium to launch: the configured one, Playwright's own, else Debian's.

    Returns None to mean "let Playwright use its own download".
    Raises FetchError when nothing usable exists.
    """
    if configured:
        if not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
            raise FetchError(f"[browser] executable {configured!r} does not exist or is not executable")
        return configured
    own = _playwright_chromium_path()
    if own and os.path.isfile(own):
        return None
    for candidate in DEBIAN_CHROMIUM:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    raise FetchError("no Chromium found: run `playwright install chromium`, or `apt-get install chromium`, "
                     "or set [browser] executable")


def _playwright_chromium_path() -> str | None:
    """Where Playwright's own Chromium would be, without launching anything."""
    root = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or os.path.expanduser("~/.cache/ms-playwright")
    if not os.path.isdir(root):
        return None
    for name in sorted(os.listdir(root), reverse=True):
        if name.startswith("chromium-") or name.startswith("chromium_headless_shell-"):
            for rel in ("chrome-linux/chrome", "chrome-linux64/chrome",
                        "chrome-headless-shell-linux64/chrome-headless-shell", "chrome-linux/headless_shell"):
                path = os.path.join(root, name, rel)
                if os.path.isfile(path):
                    return path
    return None


async def _start_playwright() -> Any:
    """Start Playwright's driver with :data:`DRIVER_NODE_OPTIONS` (unless NODE_OPTIONS is set)."""
    from playwright.async_api import async_playwright

    own = "NODE_OPTIONS" not in os.environ
    if own:
        os.environ["NODE_OPTIONS"] = DRIVER_NODE_OPTIONS  # read by the driver process at its start
    try:
        return await async_playwright().start()
    finally:
        if own:
            os.environ.pop("NODE_OPTIONS", None)
