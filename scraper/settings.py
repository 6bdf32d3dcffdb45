"""The sections of config.toml other than ``[alerts]`` (:mod:`alerts.settings`), one pydantic
model each, and the value types they share (durations, sizes, fetch intervals).

:mod:`scraper.config` composes them into :class:`~scraper.config.Config` and loads
the file. A new setting goes into its section's model here, with a comment line
saying what it does (``docs/operations.md`` lists every key).
"""
from __future__ import annotations

import datetime
import os
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from alerts.settings import parse_hhmm
from alerts.timeutil import DurationText, parse_duration


class _Section(BaseModel):
    # defaults are validated too, so every duration is a DurationText (with .seconds)
    model_config = ConfigDict(extra="forbid", validate_default=True)


def _duration(value: str) -> DurationText:
    return DurationText(value)  # raises ValueError with a helpful message


#: a duration string such as "90s", "15m", "2h", "7d", parsed when loaded:
#: use ``.seconds`` / ``.delta`` (:class:`alerts.timeutil.DurationText`)
Duration = Annotated[str, AfterValidator(_duration)]

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?", re.IGNORECASE)
_UNITS = {"": 1, "b": 1, "kb": 1 << 10, "kib": 1 << 10, "mb": 1 << 20, "mib": 1 << 20,
          "gb": 1 << 30, "gib": 1 << 30}


def parse_size(value: str | int) -> int:
    """``"5MB"`` -> 5242880 (binary units: KB = 1024 B); an int is bytes."""
    if isinstance(value, int):
        number, unit = float(value), ""
    else:
        m = _SIZE.fullmatch(str(value).strip())
        if not m:
            raise ValueError(f"not a size: {value!r} (use e.g. \"5MB\", \"512KB\")")
        number, unit = float(m.group(1)), (m.group(2) or "").lower()
    size = int(number * _UNITS[unit])
    if size < 1024:
        raise ValueError(f"size {value!r} is too small (at least 1KB)")
    return size


def _size(value: str | int) -> str | int:
    parse_size(value)
    return value


#: a size such as "5MB" or "512KB", or a number of bytes (checked when loaded)
Size = Annotated[str | int, AfterValidator(_size)]


class StorageSettings(_Section):
    #: where posts, findings, outbox, evidence and sessions live
    dir: str = "data"


class GlobSettings(_Section):
    paths: list[str]


class BrowserSettings(_Section):
    #: empty = find one: Playwright's own Chromium, else Debian's chromium
    executable: str = ""
    headless: bool = True
    #: recycle the browser after this many pages (keeps memory flat)
    max_pages: int = Field(200, ge=1)
    #: time limit of one page load
    page_timeout: Duration = "30s"
    #: extra Chromium command-line flags
    args: list[str] = Field(default_factory=list)


#: shortest interval between two fetches of one account (politeness, load)
MIN_INTERVAL = 60.0
#: environment variable lowering MIN_INTERVAL, for tests and demos only (e.g. "1s")
ENV_MIN_INTERVAL = "PANTAU_MIN_INTERVAL"


def min_interval() -> float:
    """The shortest fetch interval allowed, in seconds (:data:`MIN_INTERVAL`, or the test override)."""
    if os.environ.get(ENV_MIN_INTERVAL):
        return max(1.0, parse_duration(os.environ[ENV_MIN_INTERVAL]))
    return MIN_INTERVAL


def _fetch_interval(value: str) -> DurationText:
    value = DurationText(value)
    seconds = value.seconds
    floor = min_interval()
    if seconds < floor:
        raise ValueError(f"interval {value!r} is too short: an account would be fetched every "
                         f"{seconds:g}s; use at least {floor:g}s (e.g. \"15m\", \"1h\")")
    return value


#: a fetch interval: a duration of at least :data:`MIN_INTERVAL`
Interval = Annotated[str, AfterValidator(_fetch_interval)]


class ScheduleSettings(_Section):
    #: default interval between two fetches of one account
    interval: Interval = "1h"
    #: random delay added to each run so accounts do not all fire together
    jitter: Duration = "5m"
    #: hard time limit of one account's run (fetch, parse, store, evidence)
    run_timeout: Duration = "5m"
    #: page fetches at the same time; twice as many account runs are in progress, so parsing,
    #: detection and writes overlap the fetches (scraper.cycle.accounts_at_once)
    concurrency: int = Field(4, ge=1, le=64)
    #: per-platform intervals, e.g. { telegram = "2h", mastodon = "15m" }
    intervals: dict[str, Interval] = Field(default_factory=dict)
    #: how often the outbox is retried
    delivery_interval: Duration = "1m"
    #: accounts of a person with an open case (confirmed, recommended, decided) are fetched this often
    case_interval: Interval = "15m"


class DetectorSettings(_Section):
    #: score thresholds of the severities (empty = the detector's defaults)
    low: float | None = None
    medium: float | None = None
    high: float | None = None


class HttpSettings(_Section):
    user_agent: str = "Pantau/0.1 (+pemantauan netralitas ASN; Bawaslu)"
    timeout: Duration = "15s"
    retries: int = Field(2, ge=0, le=10)
    per_host_concurrency: int = Field(2, ge=1, le=32)
    #: minimum delay between two requests to one host
    min_delay: Duration = "2s"
    #: largest response body read; a bigger one is a ``too_large`` health problem
    max_body: Size = "5MB"
    #: per-platform caps, e.g. { youtube = "10MB" } (platforms with fixed hosts)
    max_bodies: dict[str, Size] = Field(default_factory=dict)

    @field_validator("max_bodies")
    @classmethod
    def _platforms(cls, value: dict[str, Any]) -> dict[str, Any]:
        from .platforms import ADAPTERS  # late: the platforms package is heavier than config

        fixed = sorted(n for n, c in ADAPTERS.items() if c.hosts)
        unknown = sorted(set(value) - set(fixed))
        if unknown:
            raise ValueError(f"no per-platform cap for {', '.join(unknown)}: use one of "
                             f"{', '.join(fixed)} (other platforms use max_body)")
        return value


class ScanSettings(_Section):
    #: a new account's first scan alerts on posts since this date (default: the
    #: start of the earliest campaign period in the lexicon); older ones are stored only
    first_scan_since: datetime.date | None = None
    #: pages read back at most on a first scan (Telegram ?before=, Bluesky cursor)
    first_scan_pages: int = Field(5, ge=1, le=50)


class HealthSettings(_Section):
    #: consecutive failures before staff get one health alert
    failure_threshold: int = Field(3, ge=1, le=100)


class EvidenceSettings(_Section):
    enabled: bool = True
    #: take a screenshot of the post (needs the browser)
    screenshot: bool = True
    timeout: Duration = "60s"


class OcrSettings(_Section):
    """``[ocr]``: text in images (Tesseract); see scraper/ocr.py."""

    #: read the text in post images, avatars and headers
    enabled: bool = True
    #: platforms whose images are not read, e.g. ["instagram", "tiktok"]
    platforms_off: list[str] = Field(default_factory=list)
    #: Tesseract languages ("ind+eng": Indonesian first, English for slogans)
    languages: str = Field("ind+eng", pattern=r"^[a-z_]{3,16}(\+[a-z_]{3,16})*$")
    #: at most this many images read per post
    max_images: int = Field(4, ge=1, le=20)
    #: an image larger than this many bytes is not fetched
    max_bytes: int = Field(8_000_000, ge=10_000, le=100_000_000)
    #: time limit of one image: fetching, and reading it
    timeout: Duration = "30s"

    @field_validator("platforms_off")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        from .platforms import known_platforms

        unknown = [p for p in v if p not in known_platforms()]
        if unknown:
            raise ValueError(f"unknown platform(s) {', '.join(unknown)}; known: {', '.join(known_platforms())}")
        return v


class ReportSettings(_Section):
    #: who receives recommendations (changes with the law: text, not code)
    recipient: str = "Badan Kepegawaian Negara (BKN)"
    office: str = "Bawaslu Kabupaten Penajam Paser Utara"
    city: str = "Penajam"


class RetentionSettings(_Section):
    #: dismissed findings are purged after this many days
    dismissed_days: int = Field(90, ge=1)
    #: stored posts that never raised a finding are purged after this many days
    posts_days: int = Field(60, ge=1)
    #: daily purge time (WITA, HH:MM)
    run_at: str = "03:00"

    @field_validator("run_at")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        parse_hhmm(v)
        return v


class WebSettings(_Section):
    """The staff console (``pantau web``)."""

    #: address and port ``pantau web`` listens on (loopback: put a TLS reverse proxy in front)
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    #: the console's public address, e.g. "https://pantau.example.go.id"; alerts link to
    #: ``<base_url>/temuan/<id>`` when set (empty: no links). https:// also makes cookies Secure.
    base_url: str = ""
    #: a login lasts at most this long (then staff log in again)
    session_lifetime: Duration = "12h"
    #: the key that signs session cookies (empty: ``<storage>/web-secret.key``, made on first start, 0600)
    secret_key_file: str = ""
    #: a public tip page at ``/lapor`` (no login; only submits a post link, rate-limited per address)
    public_tips: bool = False
    #: public tips accepted per address and hour
    public_tips_per_hour: int = Field(5, ge=1, le=100)

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if v and not re.match(r"^https?://[^\s/]+", v):
            raise ValueError(f"not an http(s) address: {v!r} (e.g. https://pantau.example.go.id)")
        return v

    def finding_url(self, finding_id: str) -> str | None:
        """The console page of a finding, or None when ``base_url`` is not set."""
        return f"{self.base_url}/temuan/{finding_id}" if self.base_url else None


class ClusterSettings(_Section):
    """Fetch workers on other machines (``pantau worker``); empty ``broker`` = one machine."""

    #: the Redis the coordinator and the workers share: "redis://:${PANTAU_REDIS_PASSWORD}@10.0.0.5:6379/0"
    #: or "rediss://..." for TLS; empty: this machine fetches itself and no Redis is needed
    broker: str = ""
    #: fetch tasks the coordinator keeps enqueued at once (its run concurrency when a broker is set)
    in_flight: int = Field(200, ge=1, le=5000)
    #: fetches one worker runs at once
    worker_concurrency: int = Field(8, ge=1, le=64)
    #: platforms a worker serves (empty: every platform it can: those needing a login only when
    #: ``sessions/<platform>.json`` exists); ``pantau worker --platforms`` overrides it
    platforms: list[str] = Field(default_factory=list)
    #: the coordinator sends a task again when no result came back in this time
    redeliver_after: Duration = "2m"
    #: a worker silent this long is dead: the broker hands its unfinished tasks to others
    heartbeat_timeout: Duration = "60s"
    #: time limit of one fetch task on a worker
    task_timeout: Duration = "3m"

    @field_validator("broker")
    @classmethod
    def _broker(cls, v: str) -> str:
        v = v.strip()
        if v and not re.match(r"^rediss?://", v):
            raise ValueError("broker must be a redis:// or rediss:// address "
                             "(e.g. \"redis://:${PANTAU_REDIS_PASSWORD}@10.0.0.5:6379/0\")")
        return v

    @field_validator("platforms")
    @classmethod
    def _known_platforms(cls, v: list[str]) -> list[str]:
        from .platforms import ADAPTERS

        unknown = sorted(set(v) - set(ADAPTERS))
        if unknown:
            raise ValueError(f"unknown platform(s) {', '.join(unknown)}; known: {', '.join(sorted(ADAPTERS))}")
        return v
