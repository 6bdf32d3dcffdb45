"""Capture on report: a tip (a post link) fetched now, its evidence kept, a finding for review.

``pantau capture URL --by NAME`` and the console's tip forms call
:func:`scraper.app.capture_tip`, which uses this module: find the watched
account the link belongs to (:func:`locate`), fetch the account's page through
the one fetch path and find the post on it (following older pages a little),
capture the evidence exactly as the daemon does (``EvidenceRecorder``: image,
raw data, hashes, a ``captured`` custody entry) plus a ``reported`` custody
entry naming who reported it, run the detector, and store a finding with
``source = "laporan"`` whatever the score.

Only listed accounts are watched (data protection). A link to an account on
no watchlist is refused unless the caller gives a reason (``--unlisted
"REASON"``); the reason goes into the audit log with the tip.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from alerts.timeutil import iso

from .errors import PantauError
from .models import Account, Person, Post
from .platforms import get_adapter, infer_platform, known_platforms
from .platforms.base import Adapter, Page
from .platforms.post_links import PostLink, post_link, same_account, same_post

MAX_URL = 2000
MAX_NOTE = 2000
#: older pages followed to find the post on its account's page
MAX_PAGES = 5
#: listed accounts on the link's host tried when the link does not name its account
MAX_TRIES = 5


class TipError(PantauError):
    """A tip that cannot be captured (message in Indonesian, for staff)."""


class Unlisted(TipError):
    """The post's account is on no watchlist and no reason to capture it anyway was given."""


@dataclass
class Target:
    """Where a tip's post lives: the person, the account, the post id if the link names it."""

    person: Person
    account: Account
    post_id: str | None
    listed: bool


def check_url(url: str) -> str:
    url = (url or "").strip()
    if not url.lower().startswith(("http://", "https://")) or len(url) > MAX_URL or any(c.isspace() for c in url):
        raise TipError("tautan unggahan harus berupa alamat http(s) lengkap, misalnya https://t.me/kanal/123")
    return url


def _platform_of(url: str, platform: str | None) -> str | None:
    if platform:
        if platform not in known_platforms():
            raise TipError(f"platform {platform!r} tidak dikenal; pilihan: {', '.join(known_platforms())}")
        return platform
    return infer_platform(url)


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).netloc or "").lower().removeprefix("www.")


def _same_account(a: str, b: str) -> bool:
    return same_account(a, b)


def locate(url: str, people: list[Person], known_posts: dict[str, tuple[str, str]],
           platform: str | None = None) -> tuple[list[Target], PostLink | None]:
    """Listed accounts ``url`` may belong to (best first), and what the link itself names.

    ``known_posts``: post URL -> (account key, post id) of posts Pantau already stored.
    """
    name = _platform_of(url, platform)
    link = post_link(url, name) if name else None
    accounts = [(p, a) for p in people for a in p.accounts]
    if link is None and name is None:  # a host of no known platform: the link patterns of the listed accounts there
        fitting = []
        for p, a in accounts:
            guess = post_link(url, a.platform) if _host(a.url) == _host(url) else None
            if guess and guess.account_url:
                fitting.append((not _same_account(guess.account_url, a.url), guess))
        link = min(fitting, key=lambda item: item[0])[1] if fitting else None
    if link and link.account_url:
        hits = [Target(p, a, link.post_id, True) for p, a in accounts
                if a.platform == link.platform and _same_account(link.account_url, a.url)]
        if hits:
            return hits, link
    for stored_url, (key, post_id) in known_posts.items():
        if same_post(stored_url, url):
            hits = [Target(p, a, post_id, True) for p, a in accounts if a.key == key]
            if hits:
                return hits, link
    if link and link.account_url:
        return [], link  # the link names its account, and it is on no watchlist
    host = _host(url)
    near = [Target(p, a, link.post_id if link else None, True) for p, a in accounts
            if _host(a.url) == host and (name is None or a.platform == name)]
    return near[:MAX_TRIES], link


def unlisted_target(url: str, link: PostLink | None, reason: str) -> Target:
    """The account of a link to an account on no watchlist (a tip with ``--unlisted``)."""
    if link is None or not link.account_url:
        raise TipError("akun unggahan ini tidak ada di daftar pantauan dan tidak bisa ditentukan dari tautannya; "
                       "tambahkan akunnya ke daftar pantauan lalu ulangi (atau sebutkan --platform)")
    person = Person(name=f"Akun tidak terdaftar: {link.account_url}", nip="", position="-", unit="-",
                    accounts=(), source="laporan")
    account = Account(platform=link.platform, url=link.account_url, person_name=person.name)
    return Target(person=person, account=account, post_id=link.post_id, listed=False)


def find_post(posts: list[Post], url: str, post_id: str | None) -> Post | None:
    for post in posts:
        if same_post(post.url, url) or (post_id and post.post_id == post_id):
            return post
    return None


async def fetch_post(services: Any, adapter: Adapter, account: Account, url: str,
                     post_id: str | None) -> tuple[Post, Page] | None:
    """The post and the page it was read from, through the daemon's fetch path; None if not found."""
    from .parsing import read_posts
    from .pipeline import _fetch

    page = await _fetch(services, adapter, account, {}, conditional=False)
    for _ in range(MAX_PAGES):
        posts = list(read_posts(adapter, page, account))
        post = find_post(posts, url, post_id)
        if post is not None:
            return post, page
        older = _older(adapter, page, posts, account, post_id)
        if not older or not posts:
            return None
        page = await _fetch(services, adapter, account, {}, url=older, conditional=False)
    return None


def _older(adapter: Adapter, page: Page, posts: list[Post], account: Account, post_id: str | None) -> str | None:
    if adapter.name == "telegram" and post_id and post_id.isdigit():
        # straight to the page that ends with the post (t.me/s/<name>?before=<id+1>)
        ids = [int(p.post_id) for p in posts if p.post_id.isdigit()]
        if ids and min(ids) > int(post_id) + 1:
            base = adapter.fetch_url(account)
            return f"{base}?before={int(post_id) + 1}"
    return adapter.older_page_url(page, posts, account)


def tip_id(account: Account, post_id: str) -> str:
    """One finding per reported post (a second tip on it is added to the same finding)."""
    return hashlib.sha256(f"laporan|{account.key}|{post_id}".encode()).hexdigest()[:16]


def tip_record(by: str, note: str, url: str, now: Any, channel: str, unlisted: str = "") -> dict[str, Any]:
    return {"by": by, "note": note, "url": url, "at": iso(now), "channel": channel,
            **({"unlisted_reason": unlisted} if unlisted else {})}


def check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise TipError(f"catatan terlalu panjang (maksimal {MAX_NOTE} karakter)")
    return note

@dataclass
class TipResult:
    finding: dict
    created: bool  # False: the post was reported before; this tip was added to that finding
    listed: bool


async def capture(config: Any, url: str, *, by: str, note: str = "", unlisted: str = "",
                  platform: str | None = None, channel: str = "cli",
                  people: list[Person] | None = None) -> TipResult:
    """Fetch the post at ``url`` now, keep its evidence and make a finding (``source`` ``laporan``).

    Raises :class:`scraper.tips.TipError` (Indonesian) when the link is bad, its
    account is on no watchlist and no ``unlisted`` reason is given, or the post
    cannot be found or fetched. See :mod:`scraper.tips`.
    """
    from .app import load_people, open_runtime, open_stores
    from .finding import build_finding, finding_alert
    from .review import audit_log

    url, note = check_url(url), check_note(note)
    by, unlisted = " ".join((by or "").split())[:64], " ".join((unlisted or "").split())[:500]
    if not by:
        raise TipError("nama pelapor wajib diisi (--by NAMA)")
    people = load_people(config) if people is None else people
    stores = open_stores(config)
    targets = _targets(url, people, stores, platform, unlisted)
    watched = [Person(t.person.name, t.person.nip, t.person.position, t.person.unit, (t.account,)) for t in targets]
    async with open_runtime(config, people=watched) as rt:
        target, post, page = await _fetch_first(rt, targets, url)
        now = rt.services.clock()
        detection = rt.services.detector.detect(post.text, post.published)
        finding = build_finding(target.person, target.account, post, detection, now=now, change="laporan",
                                first_scan=False)
        record = tip_record(by, note, url, now, channel, "" if target.listed else unlisted)
        finding.update(id=tip_id(target.account, post.post_id), source="laporan", tips=[record])
        details = {"url": url, "note": note, "channel": channel, "listed": target.listed,
                   "account_url": target.account.url, "platform": target.account.platform,
                   **({} if target.listed else {"unlisted_reason": unlisted})}
        earlier = stores.findings.get(finding["id"])
        if earlier is not None and earlier["id"] == finding["id"]:
            updated = stores.findings.update(finding["id"], lambda doc: doc.setdefault("tips", []).append(record))
            audit_log(config.storage_dir).append("tip", finding_id=finding["id"], actor=by,
                                                 details={**details, "again": True})
            return TipResult(finding=updated or earlier, created=False, listed=target.listed)
        finding["evidence"] = await _tip_evidence(rt, stores, finding, post, page, target, by, record)
        stores.findings.add_new([finding])
        audit_log(config.storage_dir).append("tip", finding_id=finding["id"], actor=by, details=details)
        names = {e.id: e.name for e in rt.services.detector.lexicon.elections}
        rt.services.outbox.enqueue(finding_alert(finding, names))
    return TipResult(finding=finding, created=True, listed=target.listed)


def _targets(url: str, people: list, stores: Any, platform: str | None, unlisted: str) -> list:
    """The watched accounts the link may belong to, or the unlisted target (needs a reason)."""
    from .finding import Finding

    stored = map(Finding.from_json, stores.findings.all())
    known = {f.post_url: (f.account_key, f.post_id) for f in stored if f.post_url}
    targets, link = locate(url, people, known, platform)
    if targets:
        return targets
    if not unlisted:
        raise Unlisted("akun unggahan ini tidak ada di daftar pantauan; Pantau hanya memantau akun yang terdaftar. "
                       "Jika tetap perlu diamankan, ulangi dengan --unlisted \"ALASAN\" (alasannya dicatat di log "
                       "audit), atau tambahkan akunnya ke daftar pantauan")
    return [unlisted_target(url, link, unlisted)]


async def _fetch_first(rt: Any, targets: list, url: str) -> tuple:
    """``(target, post, page)`` of the first target whose account shows the post; else TipError."""
    from .errors import FetchError, HealthProblem

    problems = []
    for target in targets:
        try:
            hit = await fetch_post(rt.services, get_adapter(target.account.platform), target.account, url,
                                   target.post_id)
        except (FetchError, HealthProblem) as exc:
            problems.append(f"{target.account.url}: {exc}")
            continue
        if hit is not None:
            return (target, *hit)
    why = ("; ".join(problems[:3]) if problems else "unggahan tidak ada di halaman akunnya "
           "(mungkin sudah dihapus, atau tautannya bukan tautan satu unggahan)")
    raise TipError(f"unggahan {url} tidak bisa diambil: {why}")


async def _tip_evidence(rt: Any, stores: Any, finding: dict, post, page, target, by: str,
                        record: dict) -> dict:
    """The evidence of a tip, captured as the daemon does, plus a ``reported`` custody entry naming the reporter."""
    from . import __version__
    from .pipeline import _capture

    services = rt.services
    if services.evidence is None:  # tips always keep evidence, even where the daemon's capture is off
        from .evidence import EvidenceRecorder

        services.evidence = EvidenceRecorder(stores.layout["evidence"], browser=services.browser,
                                             timeout=rt.config.evidence.timeout.seconds, version=__version__)
    evidence = await _capture(services, finding, post, page, get_adapter(target.account.platform),
                              target.account, target.person)
    if "manifest_sha256" in evidence:
        stores.custody.append("reported", finding_id=finding["id"], actor=by,
                              details={k: record[k] for k in ("url", "note", "channel", "at")},
                              artefacts={"manifest.json": evidence["manifest_sha256"]})
    return evidence
