"""Network responses captured while a page loads (bounded in count and size).

Split out of :mod:`scraper.fetch.browser` to keep modules small.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)


#: captured network responses: at most this many, each at most this many characters
CAPTURE_MAX_RESPONSES = 20
CAPTURE_MAX_CHARS = 5_000_000


class _Capture:
    """Bodies of the responses whose URL contains one of ``markers``, read as they arrive."""

    def __init__(self, markers: tuple[str, ...]):
        self.markers = tuple(markers)
        self.tasks: list[asyncio.Task[tuple[str, str] | None]] = []

    def on_response(self, response: Any) -> None:
        if len(self.tasks) < CAPTURE_MAX_RESPONSES and any(m in response.url for m in self.markers):
            self.tasks.append(asyncio.ensure_future(self._read(response)))

    @staticmethod
    async def _read(response: Any) -> tuple[str, str] | None:
        try:
            if response.status != 200:
                return None
            text = await response.text()
        except Exception as exc:  # the page navigated away, the body is gone: the DOM remains
            log.debug("captured response %s unreadable: %s", response.url, exc)
            return None
        return (response.url, text) if len(text) <= CAPTURE_MAX_CHARS else None

    async def bodies(self) -> tuple[tuple[str, str], ...]:
        if not self.tasks:
            return ()
        done = await asyncio.gather(*self.tasks, return_exceptions=True)
        return tuple(item for item in done if isinstance(item, tuple))
