"""The one module that imports Playwright.

One Chromium process is shared; every fetch gets its own browser context,
closed in ``finally`` whatever happens. The browser is relaunched when it
disconnects (crash) and recycled after ``max_pages`` pages so its memory
stays flat over months. Every page load has a hard time limit.

Launch switches (:mod:`scraper.fetch.browser_launch`): ``--disable-background-networking
--disable-component-update --disable-sync --no-first-run --disable-gpu
--disable-dev-shm-usage --renderer-process-limit=1 --disable-extensions --mute-audio
--js-flags=--max-old-space-size=256 --max-semi-space-size=1``, and a
``--disable-features`` that adds the WebUI omnibox popup (a renderer of its own in
headless Chromium) to Playwright's list. ``[browser] args`` are added after these; a
``--disable-features`` there adds to the list. Chromium's sandbox is on unless Pantau
runs as root or ``args`` has ``--no-sandbox`` (Playwright's default is off).
"""
from __future__ import annotations

import asyncio
import logging
import os
from contextlib import asynccontextmanager
from pathlib import Path
from datetime import datetime
from typing import Any, AsyncIterator, Callable

from alerts.storage import atomic_write_bytes
from alerts.timeutil import utc_now

from ..errors import FetchError, RateLimited
from ..platforms.base import Page
from .browser_capture import _Capture
# Re-exported: conftest, docs/img/screenshots.py and others import find_chromium from here.
from .browser_launch import (  # noqa: F401
    CHROMIUM_FLAGS,
    DEBIAN_CHROMIUM,
    DISABLED_FEATURES,
    DRIVER_NODE_OPTIONS,
    _playwright_chromium_path,
    _start_playwright,
    feature_args,
    find_chromium,
    install_driver_env,
)
from .http import DEFAULT_COOLDOWN, parse_retry_after
from .politeness import host_key

log = logging.getLogger(__name__)

#: resource types a fetch of the DOM never needs (evidence screenshots load them)
BLOCKED_IN_FETCH = frozenset({"image", "font", "media"})


class Browser:
    """A lazily launched, self-healing Chromium."""

    def __init__(self, *, executable: str = "", headless: bool = True, args: list[str] | None = None,
                 max_pages: int = 200, page_timeout: float = 30.0, sessions_dir: Path | None = None,
                 user_agent: str | None = None, gate: Any = None,
                 clock: Callable[[], datetime] = utc_now):
        self._configured = executable
        self._clock = clock  # fetched_at and Retry-After dates (tests pass a fake clock)
        self.headless = headless
        self.args = feature_args(list(CHROMIUM_FLAGS) + list(args or []))
        if os.geteuid() == 0:
            self.args.append("--no-sandbox")  # Chromium refuses to run its sandbox as root
        # Playwright turns Chromium's sandbox off unless asked; watched pages are hostile.
        self.sandbox = "--no-sandbox" not in self.args
        self.max_pages = max_pages
        self.page_timeout = page_timeout
        self.sessions_dir = Path(sessions_dir) if sessions_dir else None
        self.user_agent = user_agent
        self.gate = gate
        self._pw: Any = None
        self._browser: Any = None
        self._pages = 0
        self._lock = asyncio.Lock()
        self._active = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.launches = 0
        self._shared: Any = None  # the anonymous context fetches share (see _tab)
        self._shared_of: Any = None
        self._shared_lock = asyncio.Lock()

    async def _ensure(self) -> Any:
        async with self._lock:
            if self._browser is not None and self._browser.is_connected() and self._pages < self.max_pages:
                return self._browser
            if self._browser is not None:
                # Recycle: wait for the pages still open on the old browser.
                await self._idle.wait()
                await self._shutdown_browser()
            if self._pw is None:
                self._pw = await _start_playwright()
            executable = find_chromium(self._configured)
            self._browser = await self._pw.chromium.launch(
                executable_path=executable, headless=self.headless, args=self.args,
                chromium_sandbox=self.sandbox)
            self._browser.on("disconnected", self._on_disconnected)
            self._pages = 0
            self.launches += 1
            log.info("Chromium launched (%s), launch #%d", executable or "Playwright's own", self.launches)
            return self._browser

    def _on_disconnected(self, browser: Any) -> None:
        if browser is self._browser:  # not a close of ours: Chromium crashed or was killed
            log.warning("Chromium disconnected unexpectedly; relaunching on next use")
            self._browser = None

    async def _shutdown_browser(self) -> None:
        browser, self._browser = self._browser, None
        self._shared = self._shared_of = None  # closed with its browser
        if browser is not None:
            try:
                await browser.close()
            except Exception as exc:  # already gone
                log.debug("closing Chromium: %s", exc)

    async def close(self) -> None:
        async with self._lock:
            await self._shutdown_browser()
            if self._pw is not None:
                try:
                    await self._pw.stop()
                finally:
                    self._pw = None

    def context_options(self) -> dict[str, Any]:
        """What every context gets, for fetches and for ``pantau login`` alike (the
        saved session then belongs to the same locale, time zone and user agent)."""
        options: dict[str, Any] = {"locale": "id-ID", "timezone_id": "Asia/Makassar"}
        if self.user_agent:
            options["user_agent"] = self.user_agent
        return options

    def session_path(self, platform: str) -> Path | None:
        if self.sessions_dir is None:
            return None
        return self.sessions_dir / f"{platform}.json"

    @asynccontextmanager
    async def _tab(self, session_platform: str | None, options: dict[str, Any]) -> AsyncIterator[Any]:
        """A page for one fetch, closed afterwards.

        A fetch that needs a login or its own headers gets a fresh context;
        the others open a tab in one anonymous context shared until the
        browser is recycled: a context per fetch meant a set of renderer
        processes per fetch (memory, issue #17). These pages are public and
        fetched without a login, so sharing their cookies costs nothing.
        """
        if session_platform or options:
            async with self.context(session_platform=session_platform, **options) as ctx:
                yield await ctx.new_page()
            return
        browser = await self._ensure()
        self._pages += 1
        self._active += 1
        self._idle.clear()
        page = None
        try:
            async with self._shared_lock:
                if self._shared is None or self._shared_of is not browser:
                    self._shared = await browser.new_context(**self.context_options())
                    self._shared_of = browser
                    self._shared.set_default_timeout(self.page_timeout * 1000)
                    self._shared.set_default_navigation_timeout(self.page_timeout * 1000)
            page = await self._shared.new_page()
            yield page
        finally:
            if page is not None:
                try:
                    await page.close()
                except Exception as exc:
                    log.debug("closing page: %s", exc)
            self._active -= 1
            if self._active == 0:
                self._idle.set()

    @asynccontextmanager
    async def context(self, *, session_platform: str | None = None, **options: Any) -> AsyncIterator[Any]:
        """A fresh browser context, always closed afterwards."""
        kwargs = self.context_options()
        if session_platform:
            state = self.session_path(session_platform)
            if state is None or not state.is_file():
                raise FetchError(f"no saved login session for {session_platform}: run `pantau login {session_platform}`")
            kwargs["storage_state"] = str(state)
        kwargs.update(options)
        browser = await self._ensure()
        self._pages += 1
        self._active += 1
        self._idle.clear()
        ctx = None
        try:
            ctx = await browser.new_context(**kwargs)
            ctx.set_default_timeout(self.page_timeout * 1000)
            ctx.set_default_navigation_timeout(self.page_timeout * 1000)
            yield ctx
        finally:
            if ctx is not None:
                try:
                    await ctx.close()
                except Exception as exc:
                    log.debug("closing context: %s", exc)
            self._active -= 1
            if self._active == 0:
                self._idle.set()

    async def fetch_page(self, url: str, *, wait_selector: str | None = None,
                         session_platform: str | None = None, timeout: float | None = None,
                         headers: dict[str, str] | None = None,
                         capture: tuple[str, ...] | None = None) -> Page:
        """Load ``url`` and return the rendered DOM as a Page.

        A missing ``wait_selector`` element is not an error: the DOM is
        returned anyway so the adapter can recognise a login wall or a
        changed layout. ``capture``: URL substrings of responses (JSON the
        page itself loads, e.g. X's ``/UserTweets``) whose bodies are kept in
        ``Page.responses``.

        While the host cools down after a 429 this raises
        :class:`~scraper.errors.RateLimited` at once (the job does not wait
        inside its time limit); a 429 answer sets that cool-down and raises it.
        """
        limit = timeout or self.page_timeout
        extra = {"extra_http_headers": headers} if headers else {}
        self._check_cooling(url)

        async def load() -> Page:
            async with self._tab(session_platform, extra) as page:
                captured = _Capture(capture) if capture else None
                if captured is not None:
                    page.on("response", captured.on_response)
                await page.route("**/*", _skip_heavy)
                response = await page.goto(url, wait_until="domcontentloaded")
                if response is not None and response.status == 429:
                    raise self._rate_limited(url, response.headers.get("retry-after"))
                if wait_selector:
                    try:
                        await page.wait_for_selector(wait_selector, timeout=min(limit, 15) * 1000)
                    except Exception:
                        pass  # the adapter decides what a missing element means
                else:
                    try:
                        await page.wait_for_load_state("networkidle", timeout=min(limit, 5) * 1000)
                    except Exception:
                        pass
                return Page(
                    url=url,
                    final_url=page.url,
                    status=response.status if response is not None else 0,
                    body=await page.content(),
                    fetched_at=self._clock(),
                    headers=dict(response.headers) if response is not None else {},
                    content_type=(response.headers.get("content-type", "") if response is not None else ""),
                    title=await page.title(),
                    responses=await captured.bodies() if captured is not None else (),
                )

        if self.gate is not None:
            async with self.gate.slot(url):
                return await _limited(load(), limit, "page load", url)
        return await _limited(load(), limit, "page load", url)

    def _check_cooling(self, url: str) -> None:
        """Fail fast while ``url``'s host cools down after a 429 (HTTP or browser)."""
        if self.gate is None:
            return
        until = self.gate.cooling_until(url)
        if until is not None:
            remaining = max(0.0, until - self.gate.now())
            raise RateLimited(f"{host_key(url)} cooling down for {remaining:.0f}s more (HTTP 429)",
                              url=url, retry_after=remaining)

    def _rate_limited(self, url: str, retry_after: str | None) -> RateLimited:
        seconds = parse_retry_after(retry_after, self._clock())
        if seconds is None:
            seconds = DEFAULT_COOLDOWN
        if self.gate is not None:
            self.gate.cooldown(url, seconds)
        log.warning("HTTP 429 in the browser from %s: cooling down %.0fs", host_key(url), seconds)
        return RateLimited(f"HTTP 429 (retry after {seconds:.0f}s): {url}", url=url, retry_after=seconds)

    async def screenshot(self, path: Path, *, html: str | None = None, url: str | None = None,
                         base_url: str | None = None, selector: str | None = None,
                         session_platform: str | None = None, timeout: float | None = None) -> bool:
        """Screenshot of ``selector``'s element (else the whole page) to ``path``.

        Renders ``html`` (a page as it was fetched; network blocked so nothing
        changes it) or loads ``url``. Returns True when the element was found.
        """
        limit = timeout or self.page_timeout

        async def shoot() -> bool:
            # a phone-like width: posts render as a readable column, as staff see them
            async with self.context(session_platform=session_platform,
                                    viewport={"width": 720, "height": 1000}) as ctx:
                page = await ctx.new_page()
                if html is not None:
                    # The page as fetched, frozen: nothing is loaded from the network.
                    await page.route("**/*", lambda route: route.abort())
                    await page.set_content(_with_base(html, base_url), wait_until="domcontentloaded")
                else:
                    await page.goto(url, wait_until="domcontentloaded")
                found = False
                data: bytes
                if selector:
                    element = await page.query_selector(selector)
                    if element is not None:
                        data = await element.screenshot(type="png")
                        found = True
                if not found:
                    data = await page.screenshot(type="png", full_page=True)
                atomic_write_bytes(path, data)
                return found

        return await _limited(shoot(), limit, "screenshot", url)

    async def pdf(self, html: str, path: Path) -> None:
        """Render ``html`` to an A4 PDF at ``path`` (headless Chromium only)."""
        async with self.context() as ctx:
            page = await ctx.new_page()
            await page.set_content(html, wait_until="load")
            data = await page.pdf(format="A4", print_background=True,
                                  margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"})
            atomic_write_bytes(path, data)

    async def smoke_test(self) -> str:
        """Launch and render a trivial page; returns the browser version."""
        browser = await self._ensure()
        async with self.context() as ctx:
            page = await ctx.new_page()
            await page.set_content("<p id=x>ok</p>")
            if await page.text_content("#x") != "ok":
                raise FetchError("browser smoke test failed")
        return browser.version

    async def login(self, platform: str, url: str) -> Path:
        """Open a visible browser for a staff member to log in; save the session (0600)."""
        from playwright.async_api import async_playwright

        install_driver_env()
        target = self.session_path(platform)
        if target is None:
            raise FetchError("no sessions folder configured")
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=find_chromium(self._configured),
                                               headless=False, args=self.args, chromium_sandbox=self.sandbox)
            try:
                ctx = await browser.new_context(**self.context_options())
                page = await ctx.new_page()
                await page.goto(url)
                # The staff member logs in, then closes the window.
                await page.wait_for_event("close", timeout=0)
                state = await ctx.storage_state()
            finally:
                await browser.close()
        import json

        atomic_write_bytes(target, json.dumps(state).encode())
        return target


async def _skip_heavy(route: Any) -> None:
    """Images, fonts and media are not fetched for a DOM read: less memory, less traffic."""
    if route.request.resource_type in BLOCKED_IN_FETCH:
        await route.abort()
    else:
        await route.continue_()


async def _limited(work: Any, limit: float, what: str, url: str | None) -> Any:
    """Await ``work`` within ``limit`` (+5 s for closing); Playwright errors become FetchError."""
    try:
        return await asyncio.wait_for(work, limit + 5)
    except asyncio.TimeoutError:
        raise FetchError(f"{what} took longer than {limit:.0f}s", url=url) from None
    except FetchError:  # includes RateLimited
        raise
    except Exception as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        raise FetchError(f"{what}: {type(exc).__name__}: {first_line}", url=url) from exc


def _with_base(html: str, base_url: str | None) -> str:
    if not base_url or "<base " in html[:4000].lower():
        return html
    tag = f'<base href="{base_url}">'
    lower = html.lower()
    i = lower.find("<head>")
    if i >= 0:
        return html[: i + 6] + tag + html[i + 6:]
    return tag + html
