"""Which channels get an alert, and when (quiet hours). Pure functions.

Rules (documented in docs/alerts.md):

* ``finding``: the channel takes the kind, the alert's severity is at or above
  the channel's ``min_severity``, and the unit matches (``units`` empty = all).
  Severity "none" never routes. Findings below every channel's threshold reach
  staff only through the daily digest.
* ``health`` and ``notice``: routed as if they were "high" (they pass every
  ``min_severity``), still subject to ``kinds`` and ``units``. Alerts with no
  unit ("" - system notices) only reach channels without a ``units`` filter.
* ``digest``: every channel with ``digest = true``.
* ``test``: every channel.

Quiet hours hold every alert on a quiet channel except high-severity findings;
the delivery waits until the quiet hours end (WITA). Quiet channels are those
flagged ``quiet = true`` and, unless flagged ``quiet = false``, the WhatsApp
schemes in :data:`WHATSAPP_SCHEMES`.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from alerts.severity import Severity
from alerts.settings import ChannelSettings, parse_quiet_hours
from alerts.timeutil import UTC, WITA

#: apprise schemes that deliver to WhatsApp: Meta Cloud API, Whapi, Evolution API
WHATSAPP_SCHEMES = frozenset({"whatsapp", "whapi", "evolution", "evolutions"})
#: schemes that get the long (email) message form when style = "auto"
LONG_STYLE_SCHEMES = frozenset({"mailto", "mailtos"})
#: routing severity given to kinds that are not about one post
ROUTING_SEVERITY = {"health": "high", "notice": "high"}


def scheme_of(url: str) -> str:
    return (urlsplit(url).scheme or "").lower()


def is_quiet_channel(channel: ChannelSettings) -> bool:
    if channel.quiet is not None:
        return channel.quiet
    return scheme_of(channel.url) in WHATSAPP_SCHEMES


def style_of(channel: ChannelSettings) -> str:
    if channel.style != "auto":
        return channel.style
    return "long" if scheme_of(channel.url) in LONG_STYLE_SCHEMES else "short"


def routes(kind: str, severity: str, unit: str, channel: ChannelSettings) -> bool:
    """True when an alert of this kind/severity/unit goes to ``channel``."""
    if kind == "test":
        return True
    if kind == "digest":
        return channel.digest
    if kind not in channel.kinds:
        return False
    if channel.units and unit not in channel.units:
        return False
    effective = ROUTING_SEVERITY.get(kind, severity)
    rank = Severity.rank_of(effective)
    if rank == 0:
        return False
    return rank >= Severity(channel.min_severity).rank


def route(kind: str, severity: str, unit: str, channels: list[ChannelSettings],
          exclude: frozenset[str] = frozenset()) -> list[str]:
    """Names of the channels an alert goes to, in configuration order."""
    return [c.name for c in channels if c.name not in exclude and routes(kind, severity, unit, c)]


def bypasses_quiet(kind: str, severity: str) -> bool:
    return kind == "finding" and severity == "high"


def quiet_until(now: datetime, quiet_hours: str) -> datetime | None:
    """If ``now`` is inside the WITA quiet hours, the UTC time they end; else None."""
    window = parse_quiet_hours(quiet_hours)
    if window is None:
        return None
    (sh, sm), (eh, em) = window
    local = now.astimezone(WITA)
    minute = local.hour * 60 + local.minute
    start, end = sh * 60 + sm, eh * 60 + em
    if start < end:
        inside = start <= minute < end
    else:  # crosses midnight, e.g. 22:00-06:00
        inside = minute >= start or minute < end
    if not inside:
        return None
    end_local = local.replace(hour=eh, minute=em, second=0, microsecond=0)
    if end_local <= local:
        end_local += timedelta(days=1)
    return end_local.astimezone(UTC)


def hold_until(kind: str, severity: str, channel: ChannelSettings, now: datetime,
               quiet_hours: str) -> datetime | None:
    """When a delivery to ``channel`` must wait for quiet hours to end, that time."""
    if not is_quiet_channel(channel) or bypasses_quiet(kind, severity):
        return None
    return quiet_until(now, quiet_hours)


def next_daily(now: datetime, hhmm: tuple[int, int]) -> datetime:
    """The next UTC time (strictly after ``now``) that is ``hhmm`` WITA."""
    local = now.astimezone(WITA)
    target = local.replace(hour=hhmm[0], minute=hhmm[1], second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return target.astimezone(UTC)
