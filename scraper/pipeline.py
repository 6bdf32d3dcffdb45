"""One account's run: fetch -> parse -> diff -> detect -> evidence -> enqueue -> store.

Order of writes (crash safety): evidence files, then the outbox (alerts are
on disk before anything is marked done), then findings, then the account's
shard. A crash anywhere leaves the shard as it was, so the next run sees the
same posts as new again; finding and alert ids are deterministic and both
stores ignore ids they already hold, so the rerun neither loses nor doubles
anything.
"""
from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Container

from alerts.outbox import Alert, Outbox
from alerts.storage import is_disk_full
from alerts.timeutil import iso, parse_iso, utc_now

from . import first_scan
from .cluster.codec import ParsedPage
from .diff import diff_posts
from .errors import FetchError, HealthProblem, LayoutChanged, RateLimited
from .fetch.page import fetch_account_page
from .finding import finding_alert, person_json
from .health import HealthBook, HealthEvent, empty_result_reason
from .models import Account, Person, Post
from .parsing import read_posts
from .platforms import get_adapter
from .platforms.base import Adapter, Page, Posts
from .profile_watch import own_profile_fetch, read_profile
from .sources import complete_images, detect_post, detect_profile_item, read_images
from .store import FindingStore, PostStore

if TYPE_CHECKING:  # the collaborators' types, without importing httpx/Playwright/the detector here
    from alerts.detect import Detector

    from .cluster.remote import RemoteFetcher
    from .evidence import EvidenceRecorder
    from .fetch.browser import Browser
    from .fetch.http import HttpFetcher
    from .ocr import OcrReader
    from .profile import ProfileStore

log = logging.getLogger(__name__)

#: findings are recorded from this severity on; routing decides who is told
RECORD_FROM = "low"
#: a page whose posts did not change skips the shard write, except once in this
#: period, so that ``last_seen`` (which retention reads) stays current
SEEN_REFRESH = timedelta(hours=6)


@dataclass
class Services:
    """Everything a run needs, built once by the composition root (daemon/CLI)."""

    posts: PostStore
    findings: FindingStore
    detector: Detector
    outbox: Outbox
    health: HealthBook
    http: HttpFetcher
    browser: Browser | None  # None: no browser platforms and no screenshots
    evidence: EvidenceRecorder | None = None  # None: [evidence] enabled = false
    ocr: OcrReader | None = None  # None: no text read from images
    profiles: ProfileStore | None = None  # None: profiles not watched
    clock: Callable[[], datetime] = utc_now
    run_timeout: float = 300.0
    #: a new account's first scan alerts from here on (None: the lexicon's earliest campaign start)
    first_scan_since: datetime | None = None
    first_scan_pages: int = first_scan.DEFAULT_PAGES
    #: NIPs of people with an open case: a deleted post of theirs is alerted at once (scraper.cases)
    open_cases: Container[str] = field(default_factory=set)
    #: scraper.cluster.remote.RemoteFetcher when [cluster] broker is set: workers fetch and parse
    remote: RemoteFetcher | None = None
    #: page fetches at once over all accounts ([schedule] concurrency; None: only the host gate).
    #: Held around the fetch alone, so one account's parsing and writing overlap others' fetches.
    fetch_gate: asyncio.Semaphore | None = None


@dataclass
class AccountResult:
    account: Account
    ok: bool = True
    new: int = 0
    edited: int = 0
    deleted: int = 0
    findings: int = 0
    alerts: int = 0
    older: int = 0  # first scan: posts from before [scan] first_scan_since, stored without alerting
    error: str | None = None
    state: str = "ok"

    def to_error(self) -> dict[str, str]:
        return {"account": self.account.url, "error": self.error or self.state}


def posts_digest(posts: list[Post]) -> str:
    """Digest of what a page shows (ids, texts, media, links, times): equal means nothing changed."""
    rows = [[p.post_id, p.text, list(p.media), p.url, iso(p.published)] for p in posts]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode("utf-8")).hexdigest()


def health_alert(event: HealthEvent, person: Person, account: Account,
                 now: Callable[[], datetime] = utc_now) -> Alert:
    """The alert for a health event; ``now`` is the caller's clock (``created``)."""
    kind, since_s = event.kind, iso(event.since)
    context = {
        "event": kind, "platform": account.platform, "account_url": account.url,
        "person": person_json(person), "state": event.state,
        "reason": event.reason, "since": since_s, "failures": event.failures,
    }
    return Alert(id=f"health:{account.key}:{kind}:{since_s}", kind="health", severity="high",
                 unit=person.unit, context=context, attachments=[], created=iso(now()))


async def _fetch(services: Services, adapter: Adapter, account: Account, memo: dict[str, Any],
                 url: str | None = None, conditional: bool = True) -> Page:
    """The account's page through the one fetch path (``scraper.fetch.page``), at most
    ``services.fetch_gate`` of them at once."""
    url = url or adapter.fetch_url(account, memo.get("resolved", {}))
    if services.fetch_gate is None:
        return await _fetch_now(services, adapter, account, memo, url, conditional)
    async with services.fetch_gate:
        return await _fetch_now(services, adapter, account, memo, url, conditional)


async def _fetch_now(services: Services, adapter: Adapter, account: Account, memo: dict[str, Any],
                     url: str, conditional: bool) -> Page:
    if services.remote is not None:  # a worker fetches (the same fetch path) and parses
        return await services.remote.fetch(adapter, account, url,
                                           etag=memo.get("etag") if conditional else None,
                                           last_modified=memo.get("last_modified") if conditional else None)
    return await fetch_account_page(
        adapter, account, url, http=services.http, browser=services.browser,
        etag=memo.get("etag") if conditional else None,
        last_modified=memo.get("last_modified") if conditional else None)


def _read(adapter: Adapter, page: Page, account: Account) -> Posts:
    """The page's posts: as a worker parsed them (``[cluster]``), else parsed here."""
    if isinstance(page, ParsedPage) and page.posts is not None:
        return page.posts
    return read_posts(adapter, page, account)


async def _resolve(services: Services, adapter: Adapter, account: Account, memo: dict[str, Any]) -> dict | None:
    """Platforms that need a one-off lookup (YouTube @handle -> channel id)."""
    url = adapter.needs_resolution(account, memo.get("resolved", {}))
    if not url:
        return None
    page = await _fetch(services, adapter, account, memo, url=url, conditional=False)
    resolved = dict(memo.get("resolved", {}))
    resolved.update(adapter.parse_resolution(page))
    return resolved


async def process_account(services: Services, person: Person, account: Account) -> AccountResult:
    """Run one account; never raises for account-level trouble."""
    result = AccountResult(account=account)
    try:
        await asyncio.wait_for(_process(services, person, account, result), services.run_timeout)
    except asyncio.TimeoutError:
        _failed(services, person, account, result, "timeout",
                f"run took longer than {services.run_timeout:.0f}s")
    except RateLimited as exc:
        _failed(services, person, account, result, "rate_limited", str(exc))
    except HealthProblem as exc:
        _failed(services, person, account, result, exc.state, exc.reason)
    except FetchError as exc:
        _failed(services, person, account, result, "network", str(exc))
    except asyncio.CancelledError:
        raise
    except OSError as exc:
        if not is_disk_full(exc):
            log.exception("account %s (%s): unexpected error", account.url, person.name)
            _failed(services, person, account, result, "error", f"{type(exc).__name__}: {exc}")
        else:  # the disk, not the account: no health record; alerts.storage.DISK logs it once a minute
            result.ok, result.state = False, "storage_full"
            result.error = f"storage_full: {exc.strerror or exc}"
    except Exception as exc:  # a bug must not stop the other accounts
        log.exception("account %s (%s): unexpected error", account.url, person.name)
        _failed(services, person, account, result, "error", f"{type(exc).__name__}: {exc}")
    return result


def _failed(services: Services, person: Person, account: Account, result: AccountResult,
            state: str, reason: str) -> None:
    result.ok, result.state, result.error = False, state, f"{state}: {reason}"
    log.warning("account %s (%s): %s: %s", account.url, person.name, state, reason)
    event = services.health.record_failure(account.key, state, reason, services.clock())
    _announce(services, event, person, account)


def _announce(services: Services, event: Any, person: Person, account: Account) -> None:
    """Queue the alert of a health event; if the outbox cannot take it, the event is retracted
    (raised again next time) so staff never get a "recovered" without the "failing" before it."""
    if event is None:
        return
    try:
        services.outbox.enqueue(health_alert(event, person, account, services.clock))
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        services.health.retract(event)


# About 80 lines on purpose: the run's steps in their order (resolve, fetch, the two "nothing changed"
# exits, parse, diff and first scan, detect, record, shard write), each a call; the early exits keep it flat.
async def _process(services: Services, person: Person, account: Account, result: AccountResult) -> None:
    adapter = get_adapter(account.platform)
    shard = services.posts.shard(account)
    memo = shard.meta()
    resolved = await _resolve(services, adapter, account, memo)
    if resolved is not None:
        memo["resolved"] = resolved
        shard.update_meta({"resolved": resolved})

    page = await _fetch(services, adapter, account, memo)
    now = services.clock()
    meta_update = _validators(page)
    if page.not_modified:
        _succeeded(services, person, account, shard.listed_count())
        return
    profile = None
    if own_profile_fetch(account):  # e.g. Bluesky's getProfile: the page says nothing about it
        profile = await read_profile(services, account, page, now)
    body = body_digest(adapter, page.body)
    if _unchanged(memo, body, now, key="body_digest") and not (profile is not None and profile.changed):
        # the same bytes as the last full run (counters aside): nothing to parse (issue #17)
        _succeeded(services, person, account, shard.listed_count())
        return
    meta_update["body_digest"] = body

    posts = _read(adapter, page, account)
    if posts.skipped:
        log.warning("account %s (%s): %d item(s) on the page could not be read and were skipped: %s",
                    account.url, person.name, posts.skipped, "; ".join(posts.skip_reasons[:3]))
    digest = posts_digest(posts)
    if profile is None:  # the profile on the page just read (Telegram, RSS, ...)
        profile = await read_profile(services, account, page, now)
    if posts and _unchanged(memo, digest, now) and not profile.changed:  # a changed profile: a full run
        if any(memo.get(k) != meta_update.get(k) for k in ("etag", "last_modified") if k in meta_update):
            shard.update_meta(meta_update)  # new validators for the next conditional GET
        _succeeded(services, person, account, len(posts))
        return
    meta_update["posts_digest"] = digest
    stored = shard.stored_for_diff()
    listed_before = sum(1 for s in stored.values() if not s.deleted)
    if not posts:
        reason = empty_result_reason(services.health.get(account.key), 0)
        if listed_before or reason:
            raise LayoutChanged(reason or f"halaman tidak lagi menampilkan postingan (sebelumnya {listed_before}); "
                                "kemungkinan tata letak berubah atau ada dinding login", url=page.final_url)

    is_first = not memo.get("scanned", False)
    since = None
    if is_first:
        since = services.first_scan_since or first_scan.default_since(services.detector.lexicon.elections)
        posts, _ = await first_scan.read_back(
            lambda url: _fetch(services, adapter, account, memo, url=url, conditional=False),
            lambda older: _read(adapter, older, account), adapter, account, page, posts,
            since=since, pages=services.first_scan_pages)
    changes = diff_posts(stored, posts, now)
    candidates = [(p, "new") for p in changes.new] + [(p, "edited") for p, _ in changes.edited]
    if is_first:
        result.older = sum(1 for p, _ in candidates if first_scan.is_older(p, since))
        candidates = [(p, c) for p, c in candidates if not first_scan.is_older(p, since)]

    findings, sources = await _detect(services, person, account, page, candidates, profile, now, is_first)
    fresh = await _record_findings(services, person, account, adapter, findings, sources, result)
    _mark_deleted(services, person, account, changes.deleted, now, result)

    flagged: dict[str, list[str]] = {}
    for f in findings:
        flagged.setdefault(f["post_id"], []).append(f["id"])
    meta_update["scanned"] = True
    # in the writer thread: its fsync must not stall the other accounts' fetches (issue #17)
    await _written(shard.apply, account, changes, now, meta_update, flagged)
    await _written(profile.commit, now)

    result.new, result.edited, result.deleted = len(changes.new), len(changes.edited), len(changes.deleted)
    result.findings = len(fresh)
    _succeeded(services, person, account, len(posts))
    if changes.new or changes.edited or changes.deleted or fresh:
        log.info("account %s (%s): %d new, %d edited, %d deleted, %d findings%s", account.url, person.name,
                 result.new, result.edited, result.deleted, result.findings,
                 f"; first scan: {result.older} posts from before {iso(since)} stored without alerting"
                 if result.older else "")


#: the one thread that writes account state (shards, profiles) off the event loop. One, not
#: asyncio's pool of up to six: writes are short (a small JSON, an fsync), and each extra
#: thread made the loop fight for the GIL (some 100,000 futex calls in a 500-account first
#: scan; issue #17). Writes of different accounts queue; one account's are in order anyway.
_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pantau-write")


async def _written(write: Callable[..., Any], *args: Any) -> Any:
    """``write(*args)`` in the writer thread, with the caller's context (its log fields)."""
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(_WRITER, partial(context.run, write, *args))


def _validators(page: Page) -> dict[str, Any]:
    """The page's ETag/Last-Modified, kept for the next conditional GET."""
    meta: dict[str, Any] = {}
    if page.headers and page.headers.get("etag"):
        meta["etag"] = page.headers.get("etag")
    if page.headers and page.headers.get("last-modified"):
        meta["last_modified"] = page.headers.get("last-modified")
    return meta


async def _detect(services: Services, person: Person, account: Account, page: Page,
                  candidates: list[tuple[Post, str]], profile: Any, now: datetime, is_first: bool,
                  ) -> tuple[list[dict[str, Any]], dict[str, tuple[Post, list[Any], Page]]]:
    """Each new or edited post with its images (OCR) and shared content, then the profile
    (sources.py): the findings, and per finding id what its evidence keeps (post, images, page)."""
    findings: list[dict[str, Any]] = []
    sources: dict[str, tuple[Post, list[Any], Page]] = {}
    for post, change in candidates:
        images = await read_images(services, post, account)
        finding = detect_post(services.detector, person, account, post, images, now=now, change=change,
                              first_scan=is_first, record_from=RECORD_FROM)
        if finding is not None:
            findings.append(finding)
            sources[finding["id"]] = (post, images, page)
    for item in profile.items:
        finding = detect_profile_item(services.detector, person, account, item, now=now, record_from=RECORD_FROM)
        if finding is not None:
            findings.append(finding)
            sources[finding["id"]] = (item.post, item.images, profile.page or page)
    return findings, sources


async def _record_findings(services: Services, person: Person, account: Account, adapter: Adapter,
                           findings: list[dict[str, Any]], sources: dict[str, tuple[Post, list[Any], Page]],
                           result: AccountResult) -> list[dict[str, Any]]:
    """The findings not known yet: their evidence, then their alerts (durable in the outbox before
    anything is marked done), then the findings store. Returns them."""
    known: set[str] = set()
    reported: set[tuple[str, str]] = set()
    if findings:
        known = services.findings.ids()
        # a post staff reported by hand (``pantau capture``, the console's tips) already has its
        # finding under another id: detecting it again must not make a second one (issue #19)
        reported = services.findings.reported_posts()
    fresh = [f for f in findings if f["id"] not in known and (account.key, f["post_id"]) not in reported]
    if fresh and services.evidence is not None:
        for finding in fresh:
            post, images, source_page = sources[finding["id"]]
            images = await complete_images(services, images, account)
            finding["evidence"] = await _capture(services, finding, post, source_page, adapter, account,
                                                 person, images)
    names = {e.id: e.name for e in services.detector.lexicon.elections}
    for finding in fresh:
        if services.outbox.enqueue(finding_alert(finding, names)):
            result.alerts += 1
    services.findings.add_new(fresh)
    return fresh


def _mark_deleted(services: Services, person: Person, account: Account, deleted: list[Any], now: datetime,
                  result: AccountResult) -> None:
    """Findings of posts no longer listed get ``post_deleted_at``; with an open case, an alert at once."""
    deleted_ids = {s.post_id for s in deleted}
    if not deleted_ids:
        return
    stamp = iso(now)
    affected = {f["id"] for f in services.findings.all()
                if f.get("account_key") == account.key and f.get("post_id") in deleted_ids}
    services.findings.update_many(affected, lambda doc: doc.update(post_deleted_at=doc.get("post_deleted_at") or stamp))
    if person.nip in services.open_cases:
        result.alerts += _case_deletions(services, person, account, deleted, now)


def _case_deletions(services: Services, person: Person, account: Account, deleted: list[Any], now: datetime) -> int:
    """A person with an open case deleted posts: one alert per post, at once (deleting evidence matters)."""
    from .cases import OPEN_CASE, case_status, deleted_post_alert

    cases = [f for f in services.findings.all() if f.get("nip") == person.nip and case_status(f) in OPEN_CASE]
    sent = 0
    for stored in deleted:
        alert = deleted_post_alert(person, account, stored.post_id, stored.url, now, cases)
        sent += bool(services.outbox.enqueue(alert))
    log.warning("account %s (%s): %d post(s) deleted while a case is open", account.url, person.name, len(deleted))
    return sent


def body_digest(adapter: Adapter, body: str | bytes | None) -> str:
    """Digest of a page body without what changes on every load (an adapter's ``volatile`` regex,
    e.g. Telegram's view counters): equal means the page is the same as last time."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    volatile = adapter.volatile
    if volatile is not None:
        text = volatile.sub("", text)
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()


def _unchanged(memo: dict[str, Any], digest: str, now: datetime, key: str = "posts_digest") -> bool:
    """The page (``body_digest``) or its posts (``posts_digest``) equal a recent full run's."""
    if not memo.get("scanned") or memo.get(key) != digest:
        return False
    last = parse_iso(memo.get("last_fetch"))
    return last is not None and now - last < SEEN_REFRESH


def _succeeded(services: Services, person: Person, account: Account, posts: int) -> None:
    event = services.health.record_success(account.key, services.clock(), posts)
    _announce(services, event, person, account)


async def _capture(services: Services, finding: dict[str, Any], post: Post, page: Page, adapter: Adapter,
                   account: Account, person: Person, images: list[Any] | tuple = ()) -> dict[str, Any]:
    try:
        return await services.evidence.capture(finding=finding, post=post, page=page, adapter=adapter,
                                               account=account, person=person, images=images)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # evidence trouble must not cost the alert
        log.warning("evidence for finding %s (%s): %s", finding["id"], account.url, exc)
        return {"error": str(exc)}
