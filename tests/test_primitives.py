"""The shared primitives that used to exist two or three times: one of each now."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from alerts.settings import AlertsSettings, parse_hhmm, parse_quiet_hours
from alerts.severity import SEVERITIES, Severity
from alerts.storage import pid_alive
from scraper.finding import evidence_manifest, has_evidence


@pytest.mark.parametrize("text, want", [("07:30", (7, 30)), ("07.30", (7, 30)), ("7:05", (7, 5)), (" 23.59 ", (23, 59))])
def test_one_time_of_day_parser_takes_colon_and_dot(text, want):
    assert parse_hhmm(text) == want


@pytest.mark.parametrize("bad", ["24:00", "07:60", "0730", "7", ""])
def test_bad_times_of_day_are_named(bad):
    with pytest.raises(ValueError, match="HH:MM"):
        parse_hhmm(bad)


def test_quiet_hours_and_digest_time_take_the_dot_too():
    assert parse_quiet_hours("22.00-06.00") == ((22, 0), (6, 0))
    assert AlertsSettings(digest_time="07.30", urls=[]).digest_time == "07.30"


def test_severity_is_ordered_by_rank_and_equals_its_string():
    assert list(Severity) == ["none", "low", "medium", "high"] and SEVERITIES == ("none", "low", "medium", "high")
    assert Severity.HIGH > "medium" > Severity.LOW  # not the alphabet: "high" < "low" as strings
    assert max(Severity("low"), Severity("high")) == "high"
    assert sorted(["high", "none", "medium", "low"], key=Severity) == ["none", "low", "medium", "high"]
    assert Severity.MEDIUM.at_least("medium") and not Severity.LOW.at_least("medium")
    assert Severity.rank_of("bogus") == 0 and Severity.rank_of(None, 2) == 2
    assert {"high": 1}[Severity.HIGH] == 1 and f"{Severity.HIGH}" == "high"


def test_pid_alive():
    assert pid_alive(os.getpid())
    assert not pid_alive(None) and not pid_alive(0)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)


def test_has_evidence_needs_a_manifest():
    assert has_evidence({"evidence": {"manifest_sha256": "ab" * 32}})
    assert evidence_manifest({"evidence": {"manifest_sha256": "ab" * 32}}) == "ab" * 32
    for finding in ({}, None, {"evidence": None}, {"evidence": {"error": "timeout"}}, {"evidence": "x"},
                    {"evidence": {"manifest_sha256": ""}}):
        assert not has_evidence(finding)


def test_alert_and_health_alert_take_the_callers_clock():
    from datetime import datetime, timezone

    from alerts.alert import Alert
    from scraper.health import HealthEvent
    from scraper.models import Account, Person
    from scraper.pipeline import health_alert

    fake = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    alert = Alert(id="x", kind="notice", severity="high", unit="", context={}, clock=lambda: fake)
    assert alert.created == "2030-01-02T03:04:05+00:00" and "clock" not in alert.to_dict()
    account = Account("telegram", "https://t.me/a")
    person = Person("Ani (fiktif)", "198503122010012003", "Staf", "Dinas", (account,))
    event = HealthEvent("failing", account.key, "not_found", "404", fake, 3)
    assert health_alert(event, person, account, lambda: fake).created == "2030-01-02T03:04:05+00:00"


def _stored_finding() -> dict:
    from datetime import datetime, timezone

    from alerts.detect import Detector
    from alerts.lexicon import load_lexicon
    from scraper.models import Account, Person, Post
    from scraper.finding import build_finding
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    detector = Detector(load_lexicon(sorted((repo / "watchlists" / "lexicon").glob("*.toml"))))
    now = datetime(2024, 11, 20, 2, 0, tzinfo=timezone.utc)
    account = Account("telegram", "https://t.me/budi")
    person = Person("Budi (fiktif)", "198503122010011003", "Staf", "Dinas Pendidikan", (account,))
    post = Post(platform="telegram", account_url=account.url, post_id="7", url="https://t.me/budi/7",
                text="Ayo coblos nomor 2, dukung paslon 2 di pilkada!",
                published=now)
    detection = detector.detect(post.text, now)
    return build_finding(person, account, post, detection, now=now, change="new", first_scan=False)


def test_a_stored_finding_round_trips_through_the_type_with_keys_it_does_not_know():
    from scraper.finding import Finding, finding_summary

    doc = _stored_finding()
    assert list(Finding.from_json(doc).to_json()) == list(doc) and Finding.from_json(doc).to_json() == doc
    later = {**doc, "source": "laporan", "tips": [{"by": "Ani", "at": "2024-11-20T03:00:00+00:00"}],
             "case": {"status": "recommended", "letter_number": "12/PP"}, "key_of_a_newer_version": [1, 2]}
    finding = Finding.from_json(later)
    assert finding.to_json() == later
    assert finding.source == "laporan" and finding.case["letter_number"] == "12/PP" and finding.unit == "Dinas Pendidikan"
    assert finding_summary(finding) == finding_summary(later)
    assert finding_summary(later)["source"] == "laporan" and finding_summary(doc)["source"] == "pantau"
    old = {k: v for k, v in doc.items() if k not in ("media", "change", "first_scan", "review", "evidence")}
    assert Finding.from_json(old).media == [] and not Finding.from_json(old).has_evidence


def test_durations_are_parsed_once_when_the_config_loads(tmp_path):
    import pickle
    from datetime import timedelta

    from alerts.timeutil import DurationText
    from scraper.config import load_config

    cfg = tmp_path / "config.toml"
    cfg.write_text('[http]\ntimeout = "20s"\n[alerts]\nretry_max = "2h"\n')
    config = load_config(cfg)
    assert config.http.timeout == "20s" and config.http.timeout.seconds == 20.0  # the text stays the contract
    assert config.http.min_delay.seconds == 2.0  # defaults too
    assert config.alerts.retry_max.delta == timedelta(hours=2) and config.alerts.seconds("retry_max") == 7200
    assert config.interval_for("telegram") == config.schedule.interval.seconds
    again = pickle.loads(pickle.dumps(config.http.timeout))
    assert isinstance(again, DurationText) and again.seconds == 20.0


def test_campaign_days_are_wita_days():
    """Scoring asks the WITA calendar day (Asia/Makassar), not UTC+8 added by hand to a naive time."""
    from datetime import datetime, time, timedelta, timezone
    from pathlib import Path

    from alerts.lexicon import load_lexicon
    from alerts.scoring import Scorer
    from alerts.timeutil import WITA

    repo = Path(__file__).resolve().parents[1]
    lexicon = load_lexicon(sorted((repo / "watchlists" / "lexicon").glob("*.toml")))
    election = lexicon.elections[0]
    scorer = Scorer(lexicon)
    first_minute = datetime.combine(election.campaign_start, time(0, 30), tzinfo=WITA)  # 16:30 UTC the day before
    assert election.id in scorer._active(first_minute.astimezone(timezone.utc))
    assert election.id in scorer._active(first_minute.astimezone(timezone.utc).replace(tzinfo=None))  # naive = UTC
    assert election.id not in scorer._active(first_minute - timedelta(hours=1))  # 23:30 WITA the day before
    assert scorer._active(None) == set()
