"""Detector behaviour learnt from real posts (issue #10): targets, stance, news style, defects."""
from __future__ import annotations

import json
import pathlib

import pytest
from typer.testing import CliRunner

from alerts.detect import Detector, severity_at_least
from alerts.lexicon import load_lexicon
from alerts.stance import MODEL_PATH, StanceModel, default_model, features

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def detector() -> Detector:
    return Detector(load_lexicon(sorted((ROOT / "watchlists" / "lexicon").glob("*.toml"))))


def alerting(detection) -> bool:
    return severity_at_least(detection.severity, "medium")


def by_category(detection, category: str) -> list:
    return [m for m in detection.matches if m.category == category]


# -- defects (item 5) --------------------------------------------------------------------

def test_digits_inside_urls_are_not_ballot_numbers(detector: Detector) -> None:
    for text in ("Info lengkap https://t.co/A03xB02c dan pic.twitter.com/x01Y",
                 "Baca https://kompas.com/2024/02/03/pilpres-debat"):
        result = detector.detect(text)
        assert not [m for m in result.matches if m.term.strip("0") in ("1", "2", "3")], result.matches
    # a number outside the link still counts
    assert by_category(detector.detect("coblos 02 https://t.co/zz"), "number")


def test_one_span_counts_once(detector: Detector) -> None:
    # "menang" is both a call root and a support word in the lexicon
    result = detector.detect("Prabowo Subianto menang")
    spans = [(m.start, m.end) for m in result.matches if m.category in ("call", "support")]
    assert len(spans) == len(set(spans)) == 1, result.matches


def test_debat_does_not_switch_election_terms_off(detector: Detector) -> None:
    result = detector.detect("Debat capres tadi malam: capres nomor urut 1 paling siap")
    campaign = by_category(result, "campaign")
    assert campaign, result.matches
    assert not any("jadwal" in m.reason for m in result.matches if m.category == "neutral"), result.matches


@pytest.mark.parametrize("text,word,fits", [
    ("Jawaban soal 2 sudah benar", "soal", "soal/pasal"),
    ("Rumah saya di jalan 3 dekat masjid", "jalan", "alamat"),
    ("Antrian nomor 2 silakan ke loket", "antrian", "antrean"),
])
def test_number_contexts_give_reasons_that_fit(detector: Detector, text: str, word: str, fits: str) -> None:
    result = detector.detect(text)
    reasons = [m.reason for m in result.matches if m.category == "neutral"]
    assert any(fits in r for r in reasons), (word, reasons)
    assert not alerting(result)


def test_surname_of_another_person_is_not_the_candidate(detector: Detector) -> None:
    result = detector.detect("Wali Kota Balikpapan Rahmad Mas'ud meresmikan pasar baru, dukung UMKM")
    assert not [m for m in result.matches if m.candidate and m.category != "neutral"], result.matches
    note = [m for m in result.matches if "Rahmad Mas'ud" in m.reason]
    assert note and note[0].category == "neutral"
    # the candidate himself still counts
    rudy = detector.detect("Dukung Rudy Mas'ud jadi gubernur Kaltim!")
    assert any(m.candidate == "Rudy Mas'ud - Seno Aji" for m in rudy.matches if m.category != "neutral")


def test_invalid_published_keeps_the_input_id(tmp_path) -> None:
    from scraper.cli import app

    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[lexicon]\npaths = ["{ROOT}/watchlists/lexicon/*.toml"]\n[watchlists]\npaths = []\n')
    lines = "\n".join(json.dumps(x) for x in [
        {"id": "p-1", "text": "Ayo coblos 02", "published": "kemarin sore"},
        {"id": 7, "text": "Aamiin", "published": "2024-11-01T10:00:00Z"},
    ])
    result = CliRunner().invoke(app, ["--config", str(cfg), "detect"], input=lines + "\n")
    out = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert out[0]["id"] == "p-1" and "error" in out[0]
    assert out[1]["id"] == 7 and "stance" in out[1]


# -- who is meant (targets) --------------------------------------------------------------

def test_handles_nicknames_and_first_names_with_honorifics(detector: Detector) -> None:
    handle = detector.detect("@gibran_tweet pembohong, jangan dipilih")
    assert by_category(handle, "handle") and alerting(handle)
    nick = detector.detect("Samsul ngawur lagi di debat cawapres")
    assert any(m.term.lower() == "samsul" for m in nick.matches if m.category != "neutral") or alerting(nick)
    honorific = detector.detect("Pak Anies pemimpin cerdas, layak jadi presiden")
    assert alerting(honorific)
    assert any("sapaan" in m.reason for m in honorific.matches), honorific.matches


def test_accounts_addressed_in_a_reply_are_not_the_topic(detector: Detector) -> None:
    assert not alerting(detector.detect("@user @gibran_tweet Monggo mampir ke Solo mbak, kulinernya enak"))
    assert alerting(detector.detect("@user @gibran_tweet pembohong, jangan dipilih"))


def test_in_a_short_post_praise_anywhere_is_about_the_candidate(detector: Detector) -> None:
    result = detector.detect("Pak Prabowo memang tidak pandai merangkai kata, tapi beliau itu tegas dan jujur")
    assert alerting(result), result
    assert any(m.category == "praise" for m in result.matches)


def test_bounded_fuzzy_matching(detector: Detector) -> None:
    result = detector.detect("Khofifa hebat, pemimpin terbaik Jatim")
    fuzzy = [m for m in result.matches if "salah eja" in m.reason]
    assert fuzzy and fuzzy[0].candidate and "Khofifah" in fuzzy[0].candidate
    # ordinary words are never bent into names
    for text in ("Pembangunan jembatan selesai", "Muhammad Ridwan ketua RT kami"):
        assert not [m for m in detector.detect(text).matches if "salah eja" in m.reason], text


def test_candidates_outside_the_lexicon_surface_at_lower_severity(detector: Detector) -> None:
    result = detector.detect("Ayo pilih Hendrik-Sutrisno untuk Kabupaten Sejahtera!")
    unknown = by_category(result, "unknown")
    assert unknown and "tidak ada di leksikon" in unknown[0].reason
    assert result.severity != "high"
    for text in ("Rapat koordinasi bersama Hendrik dan Sutrisno di aula kantor",
                 "Selamat ulang tahun Hendrik-Sutrisno, sahabatku"):
        assert not by_category(detector.detect(text), "unknown"), text


# -- stance and news style ---------------------------------------------------------------

def test_evaluative_posts_without_a_call_word_alert(detector: Detector) -> None:
    for text in ("Gibran pembohong, tidak layak jadi wakil presiden",
                 "Pak Ganjar pemimpin terbaik, paling siap di debat"):
        result = detector.detect(text)
        assert alerting(result), (text, result)
        assert result.stance is not None and result.stance.reason


def test_news_style_pushes_towards_reporting(detector: Detector) -> None:
    news = ("Capres nomor urut 1 Anies Baswedan menegaskan komitmen soal pangan, kata dia di Jakarta "
            "https://t.co/abc123 @detikcom")
    result = detector.detect(news)
    assert result.stance is not None and result.stance.news
    assert "pemberitaan" in result.stance.reason
    assert not alerting(result)
    assert any(m.category == "neutral" and "pemberitaan" in m.reason for m in result.matches)


def test_news_with_the_pairs_campaign_hashtag_still_alerts(detector: Detector) -> None:
    text = ("Khofifah Indar Parawansa menegaskan komitmen membangun Jatim, kata dia "
            "https://t.co/x1 #KhofifahEmil2024")
    assert alerting(detector.detect(text))


def test_stance_model_ships_loads_offline_and_is_deterministic(tmp_path) -> None:
    assert MODEL_PATH.exists() and MODEL_PATH.stat().st_size < 20 * 1024 * 1024
    model = default_model()
    assert model is not None and model.meta.get("seed") == 0
    text = "Anies pemimpin cerdas, layak jadi presiden"
    first = model.predict(text, ((0, 5),))
    again = StanceModel.load(MODEL_PATH).predict(text, ((0, 5),))
    assert first == again
    copy = tmp_path / "m.json.gz"
    model.save(copy)
    assert StanceModel.load(copy).weights == model.weights


def test_features_mask_candidates_and_mark_news_style() -> None:
    feats = features("Prabowo mengatakan hal itu https://t.co/x @kompascom", ((0, 7),))
    assert "__cand__" in feats and "prabowo" not in feats
    assert {"__attrib__", "__has_url__", "__media__"} <= set(feats)


def test_detector_without_model_falls_back_to_rules() -> None:
    lexicon = load_lexicon(sorted((ROOT / "watchlists" / "lexicon").glob("*.toml")))
    plain = Detector(lexicon, stance_model=None)
    result = plain.detect("Ayo coblos nomor 2, Prabowo-Gibran")
    assert result.stance is None and result.score == result.rule_score and alerting(result)
