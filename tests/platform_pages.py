"""Build a Page from a platform fixture file, as a fetch would have returned it."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from alerts.timeutil import utc_now
from scraper.parsing import page_title
from scraper.platforms.base import Page

FIXTURES = Path(__file__).parent / "fixtures" / "platforms"


def fixture_page(platform: str, name: str, *, url: str, final_url: str | None = None, status: int = 200,
                 fetched_at: datetime | None = None, with_title: bool = False) -> Page:
    """``tests/fixtures/platforms/<platform>/<name>`` as a Page; ``with_title`` reads <title> like a browser."""
    body = (FIXTURES / platform / name).read_text(encoding="utf-8")
    return Page(url=url, final_url=final_url or url, status=status, body=body,
                fetched_at=fetched_at or utc_now(), title=page_title(body) if with_title else "")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
