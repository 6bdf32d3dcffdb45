"""HTML alert emails read back from a real SMTP server (aiosmtpd): an HTML part
with inline CSS and the screenshot inline (cid), a text/plain part with line
breaks, everything from the post escaped, and only http(s) links (issue #11.2,
issue #14)."""
from __future__ import annotations

import re
import struct
import zlib
from datetime import datetime, timezone

from alerts.outbox import Alert, Outbox
from alerts.render import Renderer, safe_url, short_id
from alerts.settings import AlertsSettings
from tests.alerts_servers import SmtpSink

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
HOSTILE = ('Ayo coblos nomor 2 <img src="http://127.0.0.1:9/pixel.png"> <script>alert(1)</script> '
           '<a href="javascript:alert(2)">klik</a>\nbaris kedua')


def _png(path) -> str:
    raw = b"\x00\xff\x00\x00"  # one red pixel
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return str(path)


def _alert(shot: str) -> Alert:
    context = {
        "finding_id": "0123456789abcdef", "platform": "facebook",
        "person": {"name": "Budi <b>Santoso</b>", "nip": "198501012010011001",
                   "position": "Kepala Seksi", "unit": "Dinas Pendidikan"},
        "account_url": "https://facebook.com/budi", "post_url": "javascript:alert(3)",
        "published": "2026-11-20T01:00:00+00:00", "first_seen": "2026-11-24T02:00:00+00:00",
        "severity": "high", "score": 0.9, "terms": ["coblos"], "excerpt": HOSTILE,
        "matches": [{"term": "coblos", "category": "call", "reason": ""},
                    {"term": "nomor 2", "category": "number", "reason": ""}],
        "evidence": {"screenshot": shot, "sha256": "ab" * 32}}
    return Alert(id="finding:0123456789abcdef", kind="finding", severity="high", unit="",
                 context=context, attachments=[shot], created="2026-11-24T02:00:00+00:00")


def test_email_has_escaped_html_inline_image_and_text_part(tmp_path):
    shot = _png(tmp_path / "screenshot.png")
    smtp = SmtpSink().start()
    try:
        box = Outbox(tmp_path / "outbox", AlertsSettings(channels=[{"name": "email", "url": smtp.url(), "min_severity": "low", "min_interval": "0s"}], quiet_hours=""),
                     renderer=Renderer(base_url="https://pantau.example.id"), clock=lambda: T0)
        box.enqueue(_alert(shot))
        assert box.deliver_due().sent == 1
    finally:
        smtp.stop()
    msg = smtp.messages[0]
    assert "Indikasi kampanye perlu ditinjau" in str(msg["subject"])
    html = msg.get_body(preferencelist=("html",)).get_content()
    text = msg.get_body(preferencelist=("plain",)).get_content()
    # everything from the post arrives escaped: no live tag, no javascript: link
    assert "<script" not in html and "<img src=\"http://127.0.0.1:9" not in html
    assert "<b>Santoso</b>" not in html and "Budi &lt;b&gt;Santoso&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert "https://pantau.example.id/temuan/0123456789abcdef" in hrefs
    # inline CSS, the screenshot inline by Content-ID, the deadline in bold
    assert 'style="' in html and "<style" not in html
    assert '<img src="cid:screenshot.png"' in html
    inline = [p for p in msg.walk() if p["Content-ID"] == "<screenshot.png>"]
    assert inline and inline[0].get_content_disposition() == "inline"
    assert inline[0].get_content_type() == "image/png"
    assert re.search(r"<b[^>]*>Batas penanganan: 1 Desember 2026 10\.00 WITA</b>", html)
    # Indonesian reasons, no English category tags
    assert "ajakan memilih" in html and "nomor urut" in html
    assert "(call)" not in html and "(number)" not in html
    # the text part has one field per line
    lines = [line.strip() for line in text.splitlines()]
    for wanted in ("Nama: Budi <b>Santoso</b>", "NIP: 198501012010011001", "Jabatan: Kepala Seksi",
                   "Unit kerja: Dinas Pendidikan", "Pertama terlihat: 24 November 2026 10.00 WITA"):
        assert wanted in lines, (wanted, lines)
    assert "ID temuan: 01234567 (0123456789abcdef)" in lines


def test_whatsapp_text_is_short_with_id_and_link():
    ctx = _alert("/nowhere/screenshot.png").context | {"excerpt": "x " * 2000,
                                                      "person": {"name": "N" * 300, "unit": "U" * 300}}
    m = Renderer(base_url="https://pantau.example.id/").render("finding", "high", ctx, "short")
    whole = m.title + "\n" + m.body
    assert len(whole) < 700, len(whole)
    assert "ID temuan: 01234567" in whole
    assert whole.rstrip().endswith("https://pantau.example.id/temuan/0123456789abcdef")
    assert Renderer().render("finding", "high", ctx, "short").body.rstrip().endswith("01234567")


def test_safe_url_and_short_id():
    assert safe_url("https://x.id/a?b=1") == "https://x.id/a?b=1"
    for bad in ("javascript:alert(1)", "data:text/html,x", " JAVASCRIPT:x", "https://x.id/\"onmouseover=1",
                "vbscript:x", "//x.id"):
        assert safe_url(bad) == "", bad
    assert short_id("finding:0123456789abcdef") == "01234567"


def test_text_only_override_still_escapes_html(tmp_path):
    (tmp_path / "test_long.j2").write_text("Uji {{ channel }}\nbaris <i>{{ channel }}</i>\nketiga\n")
    m = Renderer(tmp_path).render("test", "low", {"channel": "<img src=x>"}, "long")
    assert "<img src=x>" not in m.html and "&lt;img src=x&gt;" in m.html
    assert "<br>" in m.html


def test_health_and_digest_emails_are_html_escaped_and_short_ids():
    from alerts.render import SAMPLES

    person = {"name": "<script>x</script>Budi", "nip": "198501012010011001", "unit": "Dinas <i>P</i>"}
    health = dict(SAMPLES[1][2], person=person, reason="<img src=http://127.0.0.1:9/p>",
                  account_url="javascript:alert(1)")
    m = Renderer().render("health", "high", health, "long")
    assert "<script>" not in m.html and "&lt;script&gt;x&lt;/script&gt;Budi" in m.html
    assert "<img src=http" not in m.html and 'href="javascript' not in m.html
    assert "Pemantauan akun terganggu" in m.html
    digest = dict(SAMPLES[3][2], findings=[{"finding_id": "0123456789abcdef", "person": person,
                                           "platform": "facebook", "post_url": "data:text/html,x",
                                           "severity": "high", "terms": ["<b>coblos</b>"],
                                           "first_seen": "2026-11-24T02:00:00+00:00",
                                           "deadline": "2026-12-01T02:00:00+00:00"}])
    d = Renderer().render("digest", "low", digest, "long")
    assert "ID temuan: 01234567" in d.html and "&lt;b&gt;coblos&lt;/b&gt;" in d.html
    assert 'href="data:' not in d.html and "<b>batas 1 Desember 2026 10.00 WITA</b>" in d.html
