"""Routing by severity, unit and kind; quiet hours in WITA; settings validation."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from alerts.routing import hold_until, is_quiet_channel, next_daily, quiet_until, route, style_of
from alerts.settings import AlertsSettings, ChannelSettings

UTC = timezone.utc


def channels():
    return AlertsSettings(urls=["mailto://127.0.0.1:25?from=a@example.org&to=b@example.org"],
                          min_severity="high", channels=[
        {"name": "wa-koordinator", "url": "whatsapp://tok@123/62811", "min_severity": "high"},
        {"name": "email-koordinator", "url": "mailto://127.0.0.1?to=k@example.org", "min_severity": "medium",
         "digest": True},
        {"name": "wa-dinkes", "url": "json://127.0.0.1/wa", "min_severity": "medium",
         "units": ["Dinas Kesehatan"], "quiet": True},
        {"name": "health-only", "url": "tgram://1:AA/2", "kinds": ["health"]},
    ]).all_channels()


@pytest.mark.parametrize("kind,severity,unit,expected", [
    ("finding", "high", "Dinas Kesehatan", ["SIMPLE", "wa-koordinator", "email-koordinator", "wa-dinkes"]),
    ("finding", "medium", "Dinas Kesehatan", ["email-koordinator", "wa-dinkes"]),
    ("finding", "medium", "Dinas Pendidikan", ["email-koordinator"]),
    ("finding", "low", "Dinas Kesehatan", []),          # digest only
    ("finding", "none", "", []),
    ("health", "low", "", ["SIMPLE", "wa-koordinator", "email-koordinator", "health-only"]),
    ("health", "low", "Dinas Kesehatan", ["SIMPLE", "wa-koordinator", "email-koordinator", "wa-dinkes",
                                          "health-only"]),
    ("notice", "high", "", ["SIMPLE", "wa-koordinator", "email-koordinator"]),
    ("digest", "low", "", ["SIMPLE", "email-koordinator"]),
    ("test", "none", "", ["SIMPLE", "wa-koordinator", "email-koordinator", "wa-dinkes", "health-only"]),
])
def test_route(kind, severity, unit, expected):
    chans = channels()
    simple = chans[0].name
    got = route(kind, severity, unit, chans)
    assert got == [simple if n == "SIMPLE" else n for n in expected]


def test_exclude_and_simple_name_is_stable_and_hides_url():
    chans = channels()
    assert chans[0].name == "mailto"  # named after its scheme, never the URL
    assert route("notice", "high", "", chans, exclude=frozenset({"wa-koordinator"})) == [
        chans[0].name, "email-koordinator"]


def test_quiet_channels_and_styles():
    by = {c.name: c for c in channels()}
    assert is_quiet_channel(by["wa-koordinator"]) and is_quiet_channel(by["wa-dinkes"])
    assert not is_quiet_channel(by["email-koordinator"]) and not is_quiet_channel(by["health-only"])
    assert style_of(by["email-koordinator"]) == "long" and style_of(by["wa-koordinator"]) == "short"
    assert not is_quiet_channel(ChannelSettings(name="w", url="whapi://t/62811", quiet=False))
    assert is_quiet_channel(ChannelSettings(name="w", url="evolution://h/t/62811"))


@pytest.mark.parametrize("utc,expected", [
    (datetime(2026, 11, 24, 13, 59, tzinfo=UTC), None),                                  # 21.59 WITA
    (datetime(2026, 11, 24, 14, 0, tzinfo=UTC), datetime(2026, 11, 24, 22, 0, tzinfo=UTC)),  # 22.00
    (datetime(2026, 11, 24, 17, 30, tzinfo=UTC), datetime(2026, 11, 24, 22, 0, tzinfo=UTC)),  # 01.30
    (datetime(2026, 11, 24, 21, 59, tzinfo=UTC), datetime(2026, 11, 24, 22, 0, tzinfo=UTC)),  # 05.59
    (datetime(2026, 11, 24, 22, 0, tzinfo=UTC), None),                                   # 06.00
])
def test_quiet_until_crossing_midnight(utc, expected):
    assert quiet_until(utc, "22:00-06:00") == expected


def test_quiet_hours_same_day_window_and_off():
    assert quiet_until(datetime(2026, 11, 24, 5, 0, tzinfo=UTC), "12:00-14:00") == datetime(
        2026, 11, 24, 6, 0, tzinfo=UTC)
    assert quiet_until(datetime(2026, 11, 24, 17, 0, tzinfo=UTC), "") is None


def test_hold_until_lets_high_findings_through():
    wa = ChannelSettings(name="wa", url="whatsapp://tok@123/62811")
    night = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 00.00 WITA
    assert hold_until("finding", "high", wa, night, "22:00-06:00") is None
    assert hold_until("finding", "medium", wa, night, "22:00-06:00") is not None
    assert hold_until("health", "high", wa, night, "22:00-06:00") is not None
    mail = ChannelSettings(name="m", url="mailto://127.0.0.1?to=a@example.org")
    assert hold_until("finding", "low", mail, night, "22:00-06:00") is None


def test_next_daily_in_wita():
    now = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 08.00 WITA: today's 07.00 passed
    assert next_daily(now, (7, 0)) == datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    assert next_daily(datetime(2026, 11, 23, 22, 0, tzinfo=UTC), (7, 0)) == datetime(
        2026, 11, 23, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize("data,needle", [
    ({"quiet_hours": "22:00-6"}, "not a time of day"),
    ({"quiet_hours": "22:00"}, "not a time range"),
    ({"digest_time": "7 pagi"}, "not a time of day"),
    ({"retry_initial": "sebentar"}, "not a duration"),
    ({"dead_after": "0s"}, "must be positive"),
    ({"retry_initial": "2h", "retry_max": "1h"}, "retry_max must not be shorter"),
    ({"channels": [{"name": "a", "url": "json://x"}, {"name": "a", "url": "json://y"}]}, "unique"),
    ({"channels": [{"name": "a b", "url": "json://x"}]}, "channel name"),
    ({"channels": [{"name": "a", "url": "json://x", "severity": "high"}]}, "Extra inputs"),
    ({"min_severity": "urgent"}, "min_severity"),
    ({"urls": ["not-a-url"]}, "not an apprise URL"),
])
def test_settings_validation_messages(data, needle):
    with pytest.raises(ValidationError) as exc:
        AlertsSettings(**data)
    assert needle in str(exc.value)


def test_defaults():
    s = AlertsSettings()
    assert (s.urls, s.min_severity, s.quiet_hours, s.digest_time) == ([], "medium", "22:00-06:00", "07:00")
    assert (s.seconds("retry_initial"), s.seconds("retry_max"), s.seconds("dead_after")) == (60, 3600, 172800)
