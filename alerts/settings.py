"""The ``[alerts]`` section of config.toml (validated with pydantic).

Two forms work side by side:

* the simple form: ``urls`` (apprise URLs) and ``min_severity``; every alert at
  or above ``min_severity`` goes to each URL, and each gets the daily digest;
* ``[[alerts.channels]]`` tables, each a named apprise URL with its own
  ``min_severity``, ``units`` (routing by unit/agency), ``kinds``, ``digest``
  flag, ``quiet`` flag and message ``style``.

Durations use :func:`alerts.timeutil.parse_duration` (``90s``, ``15m``, ``2h``,
``2d``); times of day are WITA ``HH:MM``.
"""
from __future__ import annotations

import hashlib
import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from alerts.severity import Severity
from alerts.timeutil import DurationText

Kind = Literal["finding", "health", "notice", "digest", "test"]
Style = Literal["auto", "long", "short"]

#: a time of day: 07:30, 7:30 or 07.30 (Indonesian writing)
_HHMM = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def parse_hhmm(text: str) -> tuple[int, int]:
    """``"07:30"`` or ``"07.30"`` -> ``(7, 30)``; raises ValueError with a clear message.

    The one parser of times of day (config, quiet hours, digest, retention).
    """
    m = _HHMM.match(str(text).strip())
    if not m:
        raise ValueError(f"not a time of day: {text!r} (use HH:MM, e.g. 07:00)")
    return int(m.group(1)), int(m.group(2))


def parse_quiet_hours(text: str) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """``"22:00-06:00"`` -> ``((22, 0), (6, 0))``; ``""`` -> None (no quiet hours)."""
    text = str(text).strip()
    if not text:
        return None
    parts = text.split("-")
    if len(parts) != 2:
        raise ValueError(f"not a time range: {text!r} (use HH:MM-HH:MM, e.g. 22:00-06:00)")
    start, end = parse_hhmm(parts[0]), parse_hhmm(parts[1])
    if start == end:
        raise ValueError(f"quiet hours {text!r} start and end at the same time")
    return start, end


def _check_duration(value: str) -> DurationText:
    duration = DurationText(value)
    if duration.seconds <= 0:
        raise ValueError(f"duration must be positive: {value!r}")
    return duration


class ChannelSettings(BaseModel):
    """One ``[[alerts.channels]]`` table."""

    model_config = ConfigDict(extra="forbid")

    #: the channel's identity: the outbox keys deliveries by it, staff see it
    #: (never the URL). Left out: derived from the scheme ("mailtos", "mailtos-2")
    name: str = ""
    #: apprise URL (``${ENV}`` references already expanded by the config loader)
    url: str
    min_severity: Severity = "medium"
    #: route only alerts about these units/agencies; empty = every unit
    units: list[str] = Field(default_factory=list)
    #: alert kinds this channel takes (the digest is controlled by ``digest``)
    kinds: list[Kind] = Field(default_factory=lambda: ["finding", "health", "notice"])
    #: this channel receives the daily digest
    digest: bool = False
    #: hold non-high alerts during quiet hours; None = automatic (WhatsApp schemes)
    quiet: bool | None = None
    #: "long" (email form), "short" (WhatsApp/chat form) or "auto" (by scheme)
    style: Style = "auto"
    #: least time between two sends on this channel; "" = apprise's own default
    #: for the service (5.5s for email); "0s" suits a local relay or gateway
    min_interval: str = ""

    @field_validator("min_interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        return DurationText(value.strip()) if value.strip() else ""

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if value and not _NAME.match(value):
            raise ValueError(
                f"channel name {value!r} must be 1-40 letters, digits, '-', '_' or '.'"
            )
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("not an apprise URL (expected scheme://...)")
        return value.strip()


class AlertsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)  # durations become DurationText

    #: apprise URLs; every alert at or above min_severity goes to each
    urls: list[str] = Field(default_factory=list)
    min_severity: Severity = "medium"
    #: named channels with their own routing (``[[alerts.channels]]``)
    channels: list[ChannelSettings] = Field(default_factory=list)
    #: WITA range during which quiet channels only get high-severity findings; "" = off
    quiet_hours: str = "22:00-06:00"
    #: WITA time of the daily digest
    digest_time: str = "07:00"
    #: first retry delay; doubles after each failed attempt up to retry_max
    retry_initial: str = "1m"
    retry_max: str = "1h"
    #: a delivery still failing this long after enqueue becomes dead
    dead_after: str = "2d"
    #: folder with staff-edited templates overriding the shipped ones; "" = shipped only
    templates_dir: str = ""
    #: limit for one send to one channel
    send_timeout: str = "30s"
    #: names derived for ``urls`` (see :meth:`all_channels`)
    _url_names: list[str] = PrivateAttr(default_factory=list)

    @field_validator("retry_initial", "retry_max", "dead_after", "send_timeout")
    @classmethod
    def _duration(cls, value: str) -> str:
        return _check_duration(value)

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value.strip()

    @field_validator("digest_time")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        parse_hhmm(value)
        return value.strip()

    @field_validator("urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if "://" not in url:
                raise ValueError("not an apprise URL (expected scheme://...)")
        return [u.strip() for u in value]

    @model_validator(mode="after")
    def _consistent(self) -> "AlertsSettings":
        if self.retry_max.seconds < self.retry_initial.seconds:
            raise ValueError("retry_max must not be shorter than retry_initial")
        given = [c.name for c in self.channels if c.name]
        dupes = sorted({n for n in given if given.count(n) > 1})
        if dupes:
            raise ValueError(f"channel names must be unique: {', '.join(dupes)}")
        derived = _derived_names([scheme_name(u) for u in self.urls]
                                 + [scheme_name(c.url) for c in self.channels if not c.name], set(given))
        self._url_names = derived[: len(self.urls)]
        rest = iter(derived[len(self.urls):])
        for channel in self.channels:
            if not channel.name:
                channel.name = next(rest)
        return self

    # -- derived values -------------------------------------------------
    def all_channels(self) -> list[ChannelSettings]:
        """One channel per simple-form URL, then the ``[[alerts.channels]]`` tables.

        A channel's identity is its name, never its URL: a simple-form URL (or a
        table without ``name``) is named after its scheme, ``mailtos``, then
        ``mailtos-2`` for a second one, so fixing a port or changing a password
        inside the URL keeps the queued deliveries. The numbering follows the
        order in the file (reordering two URLs of one scheme swaps their names).
        """
        names = getattr(self, "_url_names", None) or _derived_names(
            [scheme_name(u) for u in self.urls], {c.name for c in self.channels})
        simple = [
            ChannelSettings(
                name=name, url=url, min_severity=self.min_severity,
                kinds=["finding", "health", "notice"], digest=True,
            )
            for name, url in zip(names, self.urls)
        ]
        return simple + list(self.channels)

    def simple_urls(self) -> list[tuple[str, str]]:
        """``(name, url)`` of the simple-form URLs (for migrating old outbox keys)."""
        return [(c.name, c.url) for c in self.all_channels()[: len(self.urls)]]

    def seconds(self, key: str) -> float:
        """A duration setting in seconds, e.g. ``settings.seconds("dead_after")``."""
        return getattr(self, key).seconds


def scheme_name(url: str) -> str:
    """The name a channel gets from its URL's scheme (``mailtos``), a valid channel name."""
    scheme = re.sub(r"[^a-z0-9_.-]", "", (urlsplit(url).scheme or "").lower())[:30]
    return scheme if scheme and scheme[0].isalnum() else "kanal"


def _derived_names(bases: list[str], taken: set[str]) -> list[str]:
    """Unique names: ``base``, then ``base-2``, ``base-3``... skipping ``taken``."""
    used = set(taken)
    out = []
    for base in bases:
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}-{n}"
        used.add(name)
        out.append(name)
    return out


#: an outbox key of the old URL-based naming: ``<scheme>-<8 hex of sha256(url)>``
LEGACY_NAME = re.compile(r"^([a-z0-9+.-]{1,12})-([0-9a-f]{8})$")


def simple_channel_name(url: str) -> str:
    """The old, URL-based name of a simple-form URL (outbox records written before names)."""
    scheme = (urlsplit(url).scheme or "url").lower()[:12]
    return f"{scheme}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:8]}"
