"""Detector behaviour on concrete posts: evasion, traps, offsets, reasons, periods."""
from __future__ import annotations

import datetime
import pathlib

import pytest

from alerts.detect import DEFAULT_THRESHOLDS, Detector, Thresholds, severity_at_least
from alerts.lexicon import load_lexicon

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_lexicon(sorted((ROOT / "watchlists" / "lexicon").glob("*.toml"))))


def counted(detection, category: str) -> list:
    return [m for m in detection.matches if m.category == category]


def test_severity_helpers() -> None:
    assert severity_at_least("high", "medium") and severity_at_least("medium", "medium")
    assert not severity_at_least("low", "medium")
    t = Thresholds(low=1, medium=2, high=3)
    assert [t.severity(x) for x in (0, 1, 2.5, 3)] == ["none", "low", "medium", "high"]


@pytest.mark.parametrize("text, span, term", [
    ("Ayo c0bl0s pr4b0w0 ya", "pr4b0w0", "Prabowo"),
    ("dukung p r a b o w o", "p r a b o w o", "Prabowo"),
    ("Pilih Andi H a r a h a p ya", "Andi H a r a h a p", "Andi Harahap"),
    ("Menangkan Mudyat Nooor!!", "Mudyat Nooor", "Mudyat Noor"),
    ("dukung Gan\u200bjar Pra\u200bnowo", "Gan\u200bjar Pra\u200bnowo", "Ganjar Pranowo"),
    ("#RudySenoGratispol mantap", "#RudySenoGratispol", "#RudySenoGratispol"),
])
def test_evasion_alerts_and_spans_point_at_original(detector: Detector, text: str, span: str, term: str) -> None:
    result = detector.detect(text)
    assert severity_at_least(result.severity, "medium"), result
    hit = [m for m in result.matches if m.term == term]
    assert hit, result.matches
    assert text[hit[0].start:hit[0].end] == span


def test_call_near_number(detector: Detector) -> None:
    result = detector.detect("Ayo coblos nomor 2!")
    assert result.severity == "medium"
    assert result.score == 5.0
    assert {m.category for m in result.matches} == {"call", "number"}
    assert all(m.reason for m in result.matches)


def test_gestures_and_acronym(detector: Detector) -> None:
    result = detector.detect("AMIN!! salam satu jari ☝️")
    assert severity_at_least(result.severity, "medium")
    assert result.elections == ("pilpres-2024",)
    acr = counted(result, "acronym")[0]
    assert acr.candidate == "Anies Baswedan - Muhaimin Iskandar"
    gesture = [m for m in result.matches if m.category == "gesture" and "☝" in m.term][0]
    assert "AMIN!! salam satu jari ☝️"[gesture.start:gesture.end] == "☝️"


@pytest.mark.parametrize("text", [
    "Aamiin ya Allah semoga sehat selalu",
    "Terima kasih atas perhatian anda semua",
    "Antrian nomor 2 silakan ke loket 3",
    "Juara 2 lomba mewarnai, pilih nomor 2 ya di voting foto",
    "Sat set kerjaan beres, gemoy banget kucingku",
    "Gibran anak saya hari ini ulang tahun",
    "Ikut kampanye imunisasi polio di posyandu",
    "Ingat! ASN wajib netral, dilarang foto pose satu jari atau dua jari",
    "Presiden Prabowo Subianto meresmikan bendungan",
    "Jangan lupa 27 November datang ke TPS, gunakan hak pilih anda",
    "Perubahan iklim makin terasa",
    "Main coblos balon waktu agustusan seru",
    "Bayar PBB sebelum jatuh tempo ya",
    "✌️ liburan dulu",
])
def test_traps_do_not_alert(detector: Detector, text: str) -> None:
    result = detector.detect(text)
    assert not severity_at_least(result.severity, "medium"), result


def test_neutralised_matches_are_explained(detector: Detector) -> None:
    result = detector.detect("Aamiin ya Allah, AMIN")
    amin = [m for m in result.matches if m.term == "AMIN"][0]
    assert amin.category == "neutral"
    assert "doa" in amin.reason


def test_campaign_period_scores_higher(detector: Detector) -> None:
    text = "Mudyat Noor hadir di Sepaku"
    before = detector.detect(text, datetime.datetime(2024, 6, 1, tzinfo=datetime.timezone.utc))
    during = detector.detect(text, datetime.datetime(2024, 10, 1, tzinfo=datetime.timezone.utc))
    # a full name with nothing else is not an alert on real posts; the campaign period weighs more
    assert during.score > before.score > 0
    assert severity_at_least(during.severity, before.severity)
    assert during.elections == ("pilbup-ppu-2024",)
    assert "masa kampanye" in during.matches[0].reason


def test_to_json_shape(detector: Detector) -> None:
    data = detector.detect("#AMINajaDulu").to_json()
    assert data["severity"] in ("medium", "high") and data["elections"] == ["pilpres-2024"]
    assert set(data["stance"]) == {"side", "news", "reason"}
    assert data["matches"][0] == {
        "term": "#AMINajaDulu", "category": "hashtag", "start": 0, "end": 12,
        "reason": data["matches"][0]["reason"], "election": "pilpres-2024",
        "candidate": "Anies Baswedan - Muhaimin Iskandar",
    }


def test_detect_is_pure(detector: Detector) -> None:
    text = "Menangkan Prabowo-Gibran! ✌️"
    assert detector.detect(text) == detector.detect(text)
    assert DEFAULT_THRESHOLDS.medium == 3.0
