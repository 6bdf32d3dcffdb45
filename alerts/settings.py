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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from alerts.timeutil import parse_duration

Severity = Literal["none", "low", "medium", "high"]
Kind = Literal["finding", "health", "notice", "digest", "test"]
Style = Literal["auto", "long", "short"]

SEVERITY_RANK = {"none": 0, "low": 1, "medium": 2, "high": 3}

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


def parse_hhmm(text: str) -> tuple[int, int]:
    """``"07:30"`` -> ``(7, 30)``; raises ValueError with a clear message."""
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


def _check_duration(value: str) -> str:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError(f"duration must be positive: {value!r}")
    return value


class ChannelSettings(BaseModel):
    """One ``[[alerts.channels]]`` table."""

    model_config = ConfigDict(extra="forbid")

    #: stable name used in the outbox and in staff-facing lists (never the URL)
    name: str
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
        if value.strip():
            parse_duration(value)
        return value.strip()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
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
    model_config = ConfigDict(extra="forbid")

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
        if parse_duration(self.retry_max) < parse_duration(self.retry_initial):
            raise ValueError("retry_max must not be shorter than retry_initial")
        names = [c.name for c in self.all_channels()]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"channel names must be unique: {', '.join(dupes)}")
        return self

    # -- derived values -------------------------------------------------
    def all_channels(self) -> list[ChannelSettings]:
        """The named channels plus one channel per simple-form URL.

        A simple-form URL is named ``<scheme>-<8 hex of its SHA-256>``, so the
        name is stable when the list is reordered (pending deliveries follow
        the URL) and never shows the URL itself.
        """
        simple = [
            ChannelSettings(
                name=simple_channel_name(url), url=url, min_severity=self.min_severity,
                kinds=["finding", "health", "notice"], digest=True,
            )
            for url in self.urls
        ]
        return simple + list(self.channels)

    def seconds(self, key: str) -> float:
        """A duration setting in seconds, e.g. ``settings.seconds("dead_after")``."""
        return parse_duration(getattr(self, key))


def simple_channel_name(url: str) -> str:
    scheme = (urlsplit(url).scheme or "url").lower()[:12]
    return f"{scheme}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:8]}"
