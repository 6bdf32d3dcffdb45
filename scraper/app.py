"""The composition root: build every service from a validated config.

Nothing else in Pantau reads the config to construct its own collaborators;
they receive them from here (and tests build them the same way with local
parts).
"""
from __future__ import annotations

import gc
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Protocol

from alerts.outbox import Outbox
from alerts.problems import Problem
from alerts.render import Renderer
from alerts.severity import DEFAULT_THRESHOLDS, Thresholds

from . import __version__
from .config import Config, check_config, load_config
from .first_scan import at_start_of_day
from .models import Person
from .pipeline import Services
from .platforms import get_adapter
from .platforms.base import FetchMode
from .settings import parse_size
from .store import FindingStore, PostStore, prepare_storage
from .watchlist import check_watchlists, load_watchlists

if TYPE_CHECKING:
    from alerts.detect import Detector
    from alerts.lexicon import Lexicon

log = logging.getLogger(__name__)


def alert_renderer(config: Config) -> Renderer:
    """The alert renderer: staff templates, and links to ``[web] base_url`` when set."""
    return Renderer(config.alerts.templates_dir, base_url=config.web.base_url)


def thresholds(config: Config) -> Thresholds:
    d = config.detector
    return Thresholds(
        low=d.low if d.low is not None else DEFAULT_THRESHOLDS.low,
        medium=d.medium if d.medium is not None else DEFAULT_THRESHOLDS.medium,
        high=d.high if d.high is not None else DEFAULT_THRESHOLDS.high,
    )


def build_detector(config: Config) -> Detector:
    from alerts.detect import Detector
    from alerts.lexicon import load_lexicon

    return Detector(load_lexicon(config.lexicon_files()), thresholds(config))


class DeferredDetector:
    """The detector of a run, built on first use (issue #17): a cycle in which nothing
    changed detects nothing, and the detector's imports and tables cost ~110 ms of every
    ``pantau once``. ``lexicon`` is the loaded lexicon, or a loader of files known to
    pass (:mod:`scraper.checked`), called on first use; everything else is the built
    :class:`~alerts.detect.Detector`'s."""

    def __init__(self, lexicon: Lexicon | Callable[[], Lexicon], thresholds: Thresholds) -> None:
        self._lexicon = lexicon
        self.thresholds = thresholds
        self._built: Detector | None = None

    @property
    def lexicon(self) -> Lexicon:
        if callable(self._lexicon):
            self._lexicon = self._lexicon()
        return self._lexicon

    @property
    def built(self) -> Detector:
        if self._built is None:
            from alerts.detect import Detector

            self._built = Detector(self.lexicon, self.thresholds)
        return self._built

    def __getattr__(self, name: str) -> Any:  # only for what is not set above
        return getattr(self.built, name)


class OpenCases:
    """NIPs of the people with an open case, read from the findings when a deleted post first
    asks (:func:`scraper.cases.open_case_nips`): a run in which nothing was deleted neither reads
    every finding nor loads the case modules at start (issue #17). The daemon replaces it with
    the set its case job keeps current."""

    def __init__(self, findings: FindingStore) -> None:
        self._findings = findings
        self._nips: set[str] | None = None

    def __contains__(self, nip: object) -> bool:
        if self._nips is None:
            from .cases import open_case_nips

            self._nips = open_case_nips(self._findings.all())
        return nip in self._nips


def load_people(config: Config) -> list[Person]:
    """The people of the watchlists; read back from the cache when the files passed before
    (:mod:`scraper.checked`), else checked in full (raises :class:`WatchlistError`)."""
    from .checked import CheckedCache

    return CheckedCache(config.storage_dir).people(config.watchlist_files(), load_watchlists)


def check_everything(config_path, notes: list[str] | None = None) -> list[Problem]:
    """Every problem in the config, the watchlists and the lexicon files.

    ``notes`` (if given) receives remarks for staff that are not problems:
    ignored spreadsheet columns, and a warning when no account is watched.
    """
    config, problems = check_config(config_path)
    if config is None:
        return problems
    files = config.watchlist_files()
    people, wl_problems = check_watchlists(files, notes=notes)
    problems += wl_problems
    if notes is not None and not wl_problems and not any(p.accounts for p in people):
        where = ", ".join(config.watchlists.paths)
        notes.append("PERINGATAN: tidak ada akun yang dipantau" + (" (tidak ada berkas daftar pantauan)"
                     if not files else "") + f"; isi daftar pantauan di {where}")
    lexicon_files = config.lexicon_files()
    if not lexicon_files:
        problems.append(Problem(str(config.path), "lexicon.paths",
                                "no lexicon file matches these globs; the detector would find nothing"))
    from alerts.lexicon import check_lexicon

    problems += check_lexicon(lexicon_files)
    from alerts.channels import build_channels
    from alerts.render import check_templates

    if config.alerts.templates_dir:
        problems += check_templates(config.alerts.templates_dir, file_label=config.alerts.templates_dir)
    try:
        _channels, channel_problems = build_channels(config.alerts.all_channels(), file_label=str(config.path))
        problems += channel_problems
    except Exception as exc:  # pragma: no cover - reported, not fatal for check
        problems.append(Problem(str(config.path), "alerts", f"channels could not be built: {exc}"))
    t = thresholds(config)
    if not (t.low <= t.medium <= t.high):
        problems.append(Problem(str(config.path), "detector",
                                f"thresholds must rise: low ({t.low}) <= medium ({t.medium}) <= high ({t.high})"))
    return problems


def load_checked(config_path) -> tuple[Config, list[Person]]:
    """Config and people after a full check; ProblemsError lists every problem."""
    from alerts.problems import ProblemsError

    problems = check_everything(config_path)
    if problems:
        raise ProblemsError(problems)
    config = load_config(config_path)
    return config, load_people(config)


def needs_browser(people: list[Person]) -> bool:
    return any(get_adapter(a.platform).fetch_mode(a) == FetchMode.BROWSER for p in people for a in p.accounts)


@dataclass
class Runtime:
    config: Config
    services: Services
    people: list[Person]


def build_fetchers(config: Config, *, gate, sessions_dir, browser: bool):
    """The HTTP fetcher and (if ``browser``) the Chromium of ``config``, both behind ``gate``.

    Used by the daemon's runtime and by ``pantau worker`` (which passes the
    gate shared through Redis).
    """
    from .fetch.http import HttpFetcher

    http = HttpFetcher(user_agent=config.http.user_agent, timeout=config.http.timeout.seconds,
                       retries=config.http.retries, gate=gate, max_body=parse_size(config.http.max_body),
                       max_bodies={k: parse_size(v) for k, v in config.http.max_bodies.items()})
    chromium = None
    if browser:  # Playwright's modules only when a browser is wanted (~15 ms of every start)
        from .fetch.browser import Browser

        chromium = Browser(executable=config.browser.executable, headless=config.browser.headless,
                           args=config.browser.args, max_pages=config.browser.max_pages,
                           page_timeout=config.browser.page_timeout.seconds,
                           sessions_dir=sessions_dir, gate=gate)
    return http, chromium


@asynccontextmanager
async def open_runtime(config: Config, *, people: list[Person] | None = None,
                       browser: bool | None = None) -> AsyncIterator[Runtime]:
    """Services for ``config``; closes the browser and HTTP client afterwards."""
    from .checked import CheckedCache
    from .fetch.politeness import HostGate
    from .health import HealthBook
    from .ocr import build_ocr
    from .profile import ProfileStore

    layout = prepare_storage(config.storage_dir)
    people = load_people(config) if people is None else people
    min_delay = config.http.min_delay.seconds
    gate = HostGate(per_host_concurrency=config.http.per_host_concurrency,
                    min_delay=min_delay, jitter=min(0.5, min_delay))
    # with a broker the workers fetch; the browser is then only for evidence screenshots
    fetches_here = not config.cluster.broker
    want_browser = browser if browser is not None else (
        (fetches_here and needs_browser(people)) or config.evidence.screenshot)
    http, chromium = build_fetchers(config, gate=gate, sessions_dir=layout["sessions"], browser=want_browser)
    remote = None
    if not fetches_here:
        from .cluster.remote import RemoteFetcher

        remote = await RemoteFetcher(config).start()
    evidence = None
    if config.evidence.enabled:
        from .evidence import EvidenceRecorder

        evidence = EvidenceRecorder(layout["evidence"], browser=chromium if config.evidence.screenshot else None,
                                    timeout=config.evidence.timeout.seconds, version=__version__)
    services = Services(
        posts=PostStore(layout["root"]),
        findings=FindingStore(layout["findings"]),
        detector=DeferredDetector(CheckedCache(config.storage_dir).lexicon(config.lexicon_files()),
                                  thresholds(config)),
        outbox=open_outbox(config),
        health=HealthBook(layout["health"], threshold=config.health.failure_threshold),
        http=http,
        browser=chromium,
        evidence=evidence,
        run_timeout=config.schedule.run_timeout.seconds,
        first_scan_since=at_start_of_day(config.scan.first_scan_since) if config.scan.first_scan_since else None,
        first_scan_pages=config.scan.first_scan_pages,
        remote=remote,
        ocr=build_ocr(config, gate, layout["root"]),
        profiles=ProfileStore(layout["root"]),
    )
    services.open_cases = OpenCases(services.findings)
    try:
        yield Runtime(config=config, services=services, people=people)
    finally:
        services.health.flush()
        if remote is not None:
            await remote.close()
        await services.ocr.aclose()
        await http.aclose()
        if chromium is not None:
            await chromium.close()


# -- operations shared by the CLI and the staff console ----------------------------------------

@dataclass
class Stores:
    """The files staff commands and the console read and change (file locks respected)."""

    config: Config
    layout: dict
    findings: FindingStore

    @property
    def audit(self):
        from .review import audit_log

        return audit_log(self.config.storage_dir)

    @property
    def custody(self):
        from .evidence import custody_log

        return custody_log(self.layout["evidence"])

    def reviewer(self):
        from .review import Reviewer

        return Reviewer(self.config.storage_dir)


def open_stores(config: Config) -> Stores:
    """The stores under ``[storage] dir`` (nothing is created but the folders)."""
    layout = prepare_storage(config.storage_dir)
    return Stores(config=config, layout=layout, findings=FindingStore(layout["findings"]))


def open_outbox(config: Config) -> Outbox:
    """The outbox under ``[storage] dir`` with the channels and templates of ``[alerts]``."""
    return Outbox(prepare_storage(config.storage_dir)["outbox"], config.alerts, renderer=alert_renderer(config))


class CycleProgress(Protocol):
    """What :func:`run_once` reports while it runs (``pantau once``'s progress bar)."""

    def start(self, total: int) -> None: ...

    def advance(self, result: Any) -> None: ...


async def run_once(config: Config, progress: CycleProgress | None = None) -> dict:
    """One full cycle over every account now (``pantau once``, the demo); its summary.

    The cycle is recorded in ``state.json`` for ``pantau status``; a full disk
    is left to :data:`alerts.storage.DISK` (the caller reports it).

    The garbage collector (issue #17): off while the runtime is built (the watchlist,
    lexicon, stores and modules live through the run, so a collection finds nothing:
    ~60 passes before the first fetch), then on with :data:`RUN_GC_THRESHOLD`. Both are
    put back afterwards.
    """
    from .gc_pause import PausedCollection

    threshold = gc.get_threshold()
    with PausedCollection() as collecting:
        try:
            return await _run_once(config, progress, collecting)
        finally:
            gc.set_threshold(*threshold)


#: a one-off run's collector thresholds: a pass every 7,000 new container objects instead of
#: 700 (a cycle's pages and posts are short-lived and freed by reference counting; ~20 ms of
#: collections in a warm 500-account run become a few passes; memory grows by at most that many)
RUN_GC_THRESHOLD = (7000, 10, 10)


async def _run_once(config: Config, progress: CycleProgress | None, collecting: bool) -> dict:
    from alerts.storage import is_disk_full

    from .cycle import run_cycle
    from .status import record_cycle

    async with open_runtime(config) as rt:
        gc.freeze()  # the watchlist, lexicon and stores live through the run: out of every collection
        gc.set_threshold(*RUN_GC_THRESHOLD)
        if collecting:
            gc.enable()
        if progress is not None:
            progress.start(sum(len(p.accounts) for p in rt.people))
        cycle = await run_cycle(rt.services, rt.people, concurrency=config.run_concurrency,
                                on_result=progress.advance if progress is not None else None)
        try:
            record_cycle(config.storage_dir, cycle, rt.services)
        except OSError as exc:
            if not is_disk_full(exc):
                raise
        return cycle.summary()


def decide(stores: Stores, finding_id: str, decision: str, *, by: str, note: str = "",
           force: bool = False) -> dict:
    """Confirm or dismiss (``decision`` is ``confirmed``/``dismissed`` or ``confirm``/``dismiss``)."""
    from .review import DECISIONS, ReviewError

    action = {v: k for k, v in DECISIONS.items()}.get(decision, decision)
    if action not in DECISIONS:
        raise ReviewError(f"keputusan {decision!r} tidak dikenal; pilih confirmed atau dismissed")
    return getattr(stores.reviewer(), action)(finding_id, by=by, note=note, force=force)


def case_step(stores: Stores, finding_id: str, step: str, *, by: str, **values: str) -> dict:
    """One case step (``recommend``, ``decide``, ``close``; see :mod:`scraper.cases`), audited."""
    from .cases import STEPS, CaseBook
    from .review import ReviewError

    if step not in STEPS:
        raise ReviewError(f"langkah {step!r} tidak dikenal; pilih recommend, decide atau close")
    book = CaseBook(stores.config.storage_dir, recipient=stores.config.report.recipient)
    return getattr(book, step)(finding_id, by=by, **values)


# The report operations live in scraper/report_ops.py; re-exported so callers keep using scraper.app.
from .report_ops import (REPORT_FORMATS, REPORT_MEDIA, Report, ReportError, election_names,  # noqa: E402,F401
                         evidence_bundle, make_report, report_refusal)


def verify_and_record(stores: Stores, finding_id: str | None, *, actor: str, once_a_day: bool = False):
    """Check every evidence file and the custody/audit chains (one finding: an id or unique
    prefix; None: all); when intact, say so in the custody and audit logs. The report.

    Recorded only when intact: an entry must never chain onto altered bytes unnoticed.
    ``once_a_day`` (the console's finding page, which checks on every view): record only when
    ``actor`` has no ``verified`` entry for this scope yet on today's WITA date, so page views
    do not flood the custody log.
    """
    from .evidence import verify_evidence
    from .review import resolve_id

    only = resolve_id(stores.findings, finding_id)["id"] if finding_id else None
    audit = stores.audit
    report = verify_evidence(stores.layout["evidence"], stores.findings.all(), only=only, extra_logs=[audit])
    if report.ok and not (once_a_day and _verified_today(stores, only, actor)):
        details = {"scope": only or "semua", "findings": len(report.checked), "artefacts": report.artefacts}
        stores.custody.append("verified", finding_id=only, actor=actor, details=details)
        audit.append("verified", finding_id=only, actor=actor, details=details)
    return report


def _verified_today(stores: Stores, only: str | None, actor: str) -> bool:
    """Whether ``actor`` already recorded a verification of this scope on today's WITA date."""
    from alerts.timeutil import WITA, parse_iso

    today = stores.custody.clock().astimezone(WITA).date()
    for entry in stores.custody.entries(only):
        when = parse_iso(entry.get("time"))
        if (entry.get("action") == "verified" and entry.get("actor") == actor
                and entry.get("finding_id") == only and when and when.astimezone(WITA).date() == today):
            return True
    return False


# -- capture on report (tips) ------------------------------------------------------------------

async def capture_tip(config: Config, url: str, *, by: str, note: str = "", unlisted: str = "",
                      platform: str | None = None, channel: str = "cli",
                      people: list[Person] | None = None):
    """Fetch the post at ``url`` now, keep its evidence and make a finding (``source`` ``laporan``).

    The CLI (``pantau capture``) and the console call this; see :func:`scraper.tips.capture`.
    Returns a :class:`scraper.tips.TipResult`; raises :class:`scraper.tips.TipError`.
    """
    from .tips import capture

    return await capture(config, url, by=by, note=note, unlisted=unlisted, platform=platform, channel=channel,
                         people=people)
