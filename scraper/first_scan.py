"""How far back a new account's first scan reads, and which of its posts may alert.

A new account's first scan alerts on posts published since ``[scan]
first_scan_since`` (default: the start of the earliest campaign period in the
lexicon). To get there it follows the platform's own paging backwards
(Telegram ``/s/<name>?before=<id>``, Bluesky's ``cursor``), at most
``[scan] first_scan_pages`` pages in all. Posts older than that date are
stored (so later scans know them and can tell edits and deletions) but never
alert; the run's summary says how many were kept that way.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timezone
from typing import Any, Awaitable, Callable, Iterable

from .errors import FetchError, HealthProblem
from .models import Account, Post
from .platforms.base import Adapter, Page, Posts

log = logging.getLogger(__name__)

#: pages read in all on a first scan when the config does not say
DEFAULT_PAGES = 5


def default_since(elections: Iterable[Any]) -> datetime | None:
    """The start (00:00 WITA, as UTC) of the earliest campaign period, or None without elections."""
    starts = [e.campaign_start for e in elections if isinstance(getattr(e, "campaign_start", None), date)]
    if not starts:
        return None
    return at_start_of_day(min(starts))


def at_start_of_day(day: date | datetime) -> datetime:
    """Midnight in Penajam Paser Utara (WITA, UTC+8) of ``day``, as an aware UTC time."""
    if isinstance(day, datetime):
        return day if day.tzinfo else day.replace(tzinfo=timezone.utc)
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo("Asia/Makassar")).astimezone(timezone.utc)


def is_older(post: Post, since: datetime | None) -> bool:
    """A post from before ``since`` (a post without a time is never "older")."""
    return since is not None and post.published is not None and post.published < since


async def read_back(fetch: Callable[[str], Awaitable[Page]], read: Callable[[Page], Posts], adapter: Adapter,
                    account: Account, page: Page, posts: Posts, *, since: datetime | None,
                    pages: int) -> tuple[Posts, int]:
    """``posts`` plus those of older pages, until a page reaches back past
    ``since``, the platform has no older page, or ``pages`` pages were read.

    Returns the merged posts (first occurrence of an id wins) and the number
    of pages read. Trouble on an older page stops the paging quietly: the
    first page was fine, and the account must not fail for its history.
    """
    merged = Posts(posts)
    merged.skipped = posts.skipped
    seen = {p.post_id for p in posts}
    read_pages, current, current_posts = 1, page, list(posts)
    while read_pages < pages and current_posts:
        if since is not None and any(is_older(p, since) for p in current_posts):
            break  # this page already reaches back past the date
        url = adapter.older_page_url(current, current_posts, account)
        if not url:
            break
        try:
            current = await fetch(url)
            current_posts = list(read(current))
        except (FetchError, HealthProblem) as exc:
            log.info("first scan of %s: older page %s not read (%s); stopping there", account.url, url, exc)
            break
        read_pages += 1
        fresh = [p for p in current_posts if p.post_id not in seen]
        if not fresh:
            break  # the platform served the same page again
        seen.update(p.post_id for p in fresh)
        merged.extend(fresh)
    return merged, read_pages
