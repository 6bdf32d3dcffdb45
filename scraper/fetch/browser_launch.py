"""Launching Chromium: which executable, which flags, and Playwright's driver.

Split out of :mod:`scraper.fetch.browser` (which re-exports these names) to keep modules small.

Memory (issue #17, target: the whole tree under 600 MB PSS in ``bench/memory.py``):

* ``--disable-software-rasterizer``: with ``--disable-gpu`` the GPU process (which still
  hosts the display compositor) otherwise loads SwiftShader, a software GPU nobody uses
  here; without it the GPU process is ~26 instead of ~40 MB PSS. Pages are still
  composited and screenshots taken in software; WebGL is unavailable (it already is:
  Chromium no longer falls back to SwiftShader for WebGL without
  ``--enable-unsafe-swiftshader``).
* Playwright's Node driver gets :data:`DRIVER_NODE_OPTIONS` in its own environment only
  (:func:`install_driver_env`; Pantau's environment and its other children are left
  alone). ``--jitless`` runs the driver's JavaScript in V8's interpreter: no compiled
  code, ~9 MB PSS less, no measurable change in a cycle's wall time (the driver mostly
  relays messages; JSON and base64 are native). It also switches off WebAssembly in
  the driver, which Playwright needs only for WebP screenshots and image comparisons:
  Pantau takes PNG screenshots. A small young generation keeps the heap from growing
  over a cycle of pages; ``--max-old-space-size=192`` is the ceiling for the driver's
  heap (~40 MB live, plus a screenshot or page body in transit as base64).
  An operator's ``NODE_OPTIONS`` is appended after ours, so theirs win (Node applies
  them in order; ``--no-jitless`` brings the JIT back).
"""
from __future__ import annotations

import os
import shutil
from typing import Any

from ..errors import FetchError


#: flags that avoid hangs and phoning home on a closed network, and keep memory down
#: (issue #17). None of them weakens isolation: the sandbox, the zygote the sandbox
#: needs and site isolation stay as Chromium ships them; watched pages are hostile.
CHROMIUM_FLAGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # no GPU on a server; compositing in software (screenshots, PDF) is unaffected
    "--disable-gpu",
    # ... and no SwiftShader software GPU loaded in the GPU process (~14 MB PSS)
    "--disable-software-rasterizer",
    "--disable-dev-shm-usage",
    # fewer renderer processes: reuse one when the sites allow it. A soft limit:
    # site isolation still gives another site its own process.
    "--renderer-process-limit=1",
    "--disable-extensions",
    "--mute-audio",
    # a small young generation and a capped heap per renderer (a runaway page fails
    # that page, not the machine)
    "--js-flags=--max-old-space-size=256 --max-semi-space-size=1",
]
#: Chromium features switched off on top of Playwright's list (see :func:`feature_args`).
#: Headless Chromium still builds the omnibox popup of its invisible window as WebUI
#: pages, a renderer process of its own (~50 MB) that nobody ever sees; its pages are
#: Chromium's, so dropping them changes nothing for watched pages.
DISABLED_FEATURES = ["WebUIOmniboxPopup", "WebUIOmniboxFullPopup", "WebUIOmniboxAimPopup"]
#: What Playwright passes as ``--disable-features`` (playwright-core
#: chromiumSwitches.ts). Chromium keeps only the last ``--disable-features`` on a
#: command line, so ours must repeat Playwright's; tests/test_browser_launch.py
#: fails when a Playwright upgrade changes this list.
PLAYWRIGHT_DISABLED_FEATURES = [
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect", "TcpPortRandomizationWin",
    "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled", "PreconnectToSearch",
    "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion",
]
#: V8 options for Playwright's Node driver (see the module docstring): a small young
#: generation (its default grows the driver to ~140 MB PSS over a cycle of contexts), a
#: heap ceiling, and no JIT (~9 MB PSS less)
DRIVER_NODE_OPTIONS = "--max-semi-space-size=1 --max-old-space-size=192 --jitless"


def feature_args(args: list[str]) -> list[str]:
    """``args`` with every ``--disable-features`` merged into one, last, that also
    carries Playwright's list and :data:`DISABLED_FEATURES` (a user's own
    ``--disable-features`` in ``[browser] args`` adds to them instead of replacing them)."""
    names: list[str] = list(PLAYWRIGHT_DISABLED_FEATURES) + list(DISABLED_FEATURES)
    rest = []
    for arg in args:
        if arg.startswith("--disable-features="):
            names += [n for n in arg.split("=", 1)[1].split(",") if n]
        else:
            rest.append(arg)
    return rest + ["--disable-features=" + ",".join(dict.fromkeys(names))]


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


def driver_node_options(user: str | None) -> str:
    """NODE_OPTIONS for the driver: ours, then the operator's (later options win in Node)."""
    return f"{DRIVER_NODE_OPTIONS} {user}" if user and user.strip() else DRIVER_NODE_OPTIONS


#: the modules where Playwright's transport looks up ``get_driver_env`` (upstream and
#: this project's build of it)
_TRANSPORT_MODULES = ("playwright._impl._transport", "playwright._impl.transport")


def install_driver_env() -> bool:
    """Give Playwright's driver :func:`driver_node_options` in its own environment.

    Playwright builds the driver's environment with ``get_driver_env()`` (a copy of
    ``os.environ``) when it spawns it; that function is wrapped where the transport
    looks it up, so nothing is set in Pantau's own environment. Idempotent. Returns
    False when this Playwright has no such hook (the driver then runs with Node's
    defaults; tests/test_browser_launch.py fails on that).
    """
    import importlib

    for name in _TRANSPORT_MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        original = getattr(module, "get_driver_env", None)
        if original is None:
            continue
        if getattr(original, "_pantau", False):
            return True

        def get_driver_env() -> dict:
            env = original()
            env["NODE_OPTIONS"] = driver_node_options(env.get("NODE_OPTIONS"))
            return env

        get_driver_env._pantau = True  # type: ignore[attr-defined]
        module.get_driver_env = get_driver_env
        return True
    return False


async def _start_playwright() -> Any:
    """Start Playwright's driver with :func:`driver_node_options` in its environment."""
    from playwright.async_api import async_playwright

    if not install_driver_env():
        import logging

        logging.getLogger(__name__).warning("Playwright's driver starts without Pantau's NODE_OPTIONS "
                                            "(this Playwright has no get_driver_env to wrap)")
    return await async_playwright().start()
