"""Fields of a post for the detector: caption, text in images, shared content, profile.

Real detector and the shipped lexicon; OCR results built directly (no Tesseract needed).
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from alerts.detect import Detector
from alerts.lexicon import load_lexicon
from scraper.models import Account, Person, Post
from scraper.ocr import OcrResult
from scraper.sources import (Field, annotate, detect_fields, detect_post, image_candidates, join_fields,
                             post_fields, share_info)

REPO = Path(__file__).resolve().parents[1]
AT = datetime(2024, 10, 10, 1, 0, tzinfo=timezone.utc)
ACCOUNT = Account("telegram", "https://t.me/budi_ppu")
PERSON = Person("Budi (fiktif)", "198503122010011003", "Guru", "Dinas Pendidikan", (ACCOUNT,))
POSTER = "COBLOS NOMOR 2\nANDI HARAHAP - DAYANG DONNA"


@pytest.fixture(scope="module")
def detector():
    return Detector(load_lexicon(sorted((REPO / "watchlists" / "lexicon").glob("*.toml"))))


def post(text: str, media=(), **extra) -> Post:
    return Post("telegram", ACCOUNT.url, "7", "https://t.me/budi_ppu/7", AT, text, tuple(media), extra=extra)


def image(text: str, n: int = 1) -> OcrResult:
    return OcrResult(f"https://cdn.example/{n}.jpg", f"{n:064x}", text, b"\x89PNG...", "image/png")


def counted(matches):
    return [m for m in matches if m["category"] != "neutral"]


def test_join_keeps_each_fields_span():
    text, spans = join_fields([Field("caption", "abc"), Field("image", "XYZ")])
    assert text == "abc\n\nXYZ"
    assert [(b, e, f.name) for b, e, f in spans] == [(0, 3, "caption"), (5, 8, "image")]


def test_a_match_only_in_the_image_says_so(detector):
    fields = post_fields(post("Selamat pagi semua"), [image(POSTER)])
    detection, matches, spans = detect_fields(detector, fields, AT)
    assert detection.severity in ("medium", "high")
    assert counted(matches) and all(m["field"] == "image" for m in counted(matches))
    assert all(m["reason"].startswith("teks pada gambar: ") for m in counted(matches))
    finding = {"text": "Selamat pagi semua"}
    annotate(finding, matches, spans, images=[image(POSTER)])
    assert finding["image_only"] and finding["fields"] == ["image"]
    assert finding["excerpt"].startswith("[teks pada gambar] COBLOS NOMOR 2")
    assert finding["ocr"][0]["sha256"] == f"{1:064x}" and "image" not in finding["ocr"][0]
    assert "teks pada gambar" in finding["source_note"]
    # the console highlights what the detector read: caption, then the image text
    from scraper.web.views import highlight

    assert finding["detected_text"] == "Selamat pagi semua\n\n" + POSTER
    marked = [part for part, m in highlight(finding["detected_text"], matches) if m]
    assert "COBLOS" in marked and "NOMOR 2" in marked


def test_a_caption_match_keeps_its_plain_reason(detector):
    fields = post_fields(post("Ayo coblos nomor 2 Andi Harahap!"), [image("Selamat pagi semua")])
    _, matches, spans = detect_fields(detector, fields, AT)
    assert {m["field"] for m in counted(matches)} == {"caption"}
    assert not any(m["reason"].startswith("teks pada gambar") for m in matches)
    finding = {}
    annotate(finding, matches, spans, images=[image("Selamat pagi semua")])
    assert not finding["image_only"] and finding["source_note"] == ""
    assert finding["detected_text"] == "Ayo coblos nomor 2 Andi Harahap!\n\nSelamat pagi semua"


def test_a_repost_is_shared_content_and_a_quote_keeps_its_own_caption(detector):
    repost = post("Ayo coblos nomor 2, Andi Harahap - Dayang Donna!", share=True, share_kind="repost",
                  original_author="andidonna.test", original_url="https://bsky.app/profile/andidonna.test/post/1")
    assert share_info(repost.extra) == {"kind": "repost", "original_author": "andidonna.test",
                                        "original_url": "https://bsky.app/profile/andidonna.test/post/1"}
    fields = post_fields(repost)
    assert [f.name for f in fields] == ["shared"]
    _, matches, spans = detect_fields(detector, fields, AT)
    assert all(m["reason"].startswith("membagikan konten: ") for m in counted(matches))
    finding = {}
    annotate(finding, matches, spans, share=share_info(repost.extra))
    assert "membagikan ulang (repost) konten milik andidonna.test" in finding["source_note"]
    quote = post("Setuju!", share=True, share_kind="quote", quoted_text="Coblos nomor 2 Andi-Donna")
    assert [(f.name, f.text) for f in post_fields(quote)] == [("caption", "Setuju!"),
                                                             ("shared", "Coblos nomor 2 Andi-Donna")]
    assert share_info({}) is None and share_info({"share": False}) is None


def test_detect_post_builds_a_finding_with_its_sources(detector):
    now = datetime(2026, 11, 29, tzinfo=timezone.utc)
    harmless = detect_post(detector, PERSON, ACCOUNT, post("Selamat pagi semua"), [image("Semoga sehat")],
                           now=now, change="new", first_scan=False, record_from="low")
    assert harmless is None
    finding = detect_post(detector, PERSON, ACCOUNT, post("Selamat pagi semua"), [image(POSTER)],
                          now=now, change="new", first_scan=False, record_from="low")
    again = detect_post(detector, PERSON, ACCOUNT, post("Selamat pagi semua"), [image(POSTER)],
                        now=now, change="new", first_scan=False, record_from="low")
    assert finding["id"] == again["id"]  # deterministic: the same post and image never alert twice
    assert finding["text"] == "Selamat pagi semua" and "COBLOS" in finding["image_text"]
    assert finding["image_only"] and finding["share"] is None


def test_image_candidates_skip_videos_documents_and_other_schemes():
    p = post("x", media=["https://cdn/a.jpg?size=l", "https://cdn/v.mp4", "https://cdn/list.m3u8",
                         "https://cdn/thumb", "data:image/png;base64,AAAA", "https://cdn/doc.pdf"])
    assert image_candidates(p) == ["https://cdn/a.jpg?size=l", "https://cdn/thumb"]


def test_evidence_card_shows_each_image_re_encoded_with_its_text_and_hash():
    import base64

    from ocr_images import poster
    from scraper.evidence_image import card_html, make_stamp
    from scraper.ocr import card_image

    original = poster(["COBLOS NOMOR 2"], size=40, seed=3)  # a PNG
    url = card_image(original)
    assert url.startswith("data:image/jpeg;base64,")
    assert base64.b64decode(url.split(",", 1)[1])[:3] == b"\xff\xd8\xff"  # Pantau's JPEG, not the watched file
    assert card_image(b"<svg onload=alert(1)>") == ""
    stamp = make_stamp("https://t.me/budi_ppu/7", ACCOUNT.url, AT, "0" * 64)
    html = card_html(platform="telegram", author="Budi", account_url=ACCOUNT.url, published=AT,
                     text="Selamat pagi semua", media=[], stamp=stamp,
                     images=[(url, "COBLOS <script>x</script>", "ab" * 32)])
    assert url in html and "Teks pada gambar 1 (OCR):" in html and "ab" * 32 in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_the_excerpt_comes_from_the_image_that_matched(detector):
    images = [image("Selamat pagi semua", 1), image(POSTER, 2)]
    _, matches, spans = detect_fields(detector, post_fields(post("Halo"), images), AT)
    finding = {"text": "Halo"}
    annotate(finding, matches, spans, images=images)
    assert finding["excerpt"] == "[teks pada gambar] " + POSTER
    assert [o["sha256"] for o in finding["ocr"]] == [f"{1:064x}", f"{2:064x}"]
