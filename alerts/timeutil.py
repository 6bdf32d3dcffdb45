"""Time: store UTC, show WITA (Asia/Makassar)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

WITA = ZoneInfo("Asia/Makassar")
UTC = timezone.utc
#: UU 7/2017 art. 454: a finding is processed within 7 days of becoming known.
PROCESSING_DAYS = 7

_BULAN = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
          "Agustus", "September", "Oktober", "November", "Desember"]


def utc_now() -> datetime:
    return datetime.now(UTC)


def to_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("naive datetime: Pantau only handles aware times")
    return dt.astimezone(UTC)


def iso(dt: datetime | None) -> str | None:
    """UTC ISO 8601 with seconds, e.g. ``2026-11-24T02:00:00+00:00``."""
    return None if dt is None else to_utc(dt).replace(microsecond=0).isoformat()


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def fmt_wita(dt: datetime | str | None, with_time: bool = True) -> str:
    """``24 November 2026 10.15 WITA`` (Indonesian style), or ``-``."""
    if isinstance(dt, str):
        dt = parse_iso(dt)
    if dt is None:
        return "-"
    local = dt.astimezone(WITA)
    day = f"{local.day} {_BULAN[local.month - 1]} {local.year}"
    return f"{day} {local:%H.%M} WITA" if with_time else day


def deadline(first_seen: datetime) -> datetime:
    """The processing deadline of a finding first seen at ``first_seen``."""
    return first_seen + timedelta(days=PROCESSING_DAYS)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class DurationText(str):
    """A duration as written in the config (``"90s"``, ``"1h"``), parsed once when the config loads.

    It is the string (equal to it, shown and written as it), plus ``.seconds``
    (float) and ``.delta`` (timedelta), so no call site parses it again.
    """

    seconds: float

    def __new__(cls, text: str) -> "DurationText":
        obj = super().__new__(cls, text)
        obj.seconds = parse_duration(text)
        return obj

    @property
    def delta(self) -> timedelta:
        return timedelta(seconds=self.seconds)


def parse_duration(text: str) -> float:
    """Seconds in a duration like ``30m``, ``1h``, ``7d``, ``90s``."""
    m = _DURATION.match(str(text))
    if not m:
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 15m, 2h, 7d)")
    return float(m.group(1)) * _UNIT[m.group(2)]
