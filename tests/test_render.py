"""Indonesian templates: every kind and style renders, wording is a lead (never a
verdict), staff overrides work, broken templates are reported, pending table."""
from __future__ import annotations

import copy
import pytest

from alerts.render import SAMPLES, SHIPPED_DIR, STYLES, Renderer, check_templates, format_pending

FINDING = copy.deepcopy(SAMPLES[0][2])


@pytest.mark.parametrize("name,kind,context", SAMPLES, ids=[s[0] for s in SAMPLES])
@pytest.mark.parametrize("style", STYLES)
def test_every_template_renders_a_title_and_never_a_verdict(name, kind, context, style):
    message = Renderer().render(kind, context.get("severity", "high"), context, style)
    assert message.title and message.body
    text = (message.title + message.body).lower()
    assert "melanggar" not in text and "pelanggaran" not in text


def test_shipped_templates_never_say_melanggar():
    for path in SHIPPED_DIR.glob("*.j2"):
        assert "melanggar" not in path.read_text().lower(), path.name


def test_finding_long_has_every_field_in_wita():
    m = Renderer().render("finding", "high", FINDING, "long")
    assert "perlu ditinjau" in m.title and "Budi Santoso" in m.title
    for needle in ("198501012010011001", "Kepala Seksi", "Dinas Pendidikan", "facebook",
                   "https://facebook.com/budi/posts/1", "20 November 2026 09.00 WITA",
                   "24 November 2026 10.00 WITA", "1 Desember 2026 10.00 WITA", "coblos",
                   "Ayo coblos nomor 2", "ditemukan pada pemindaian pertama akun ini", "Pilkada PPU 2026",
                   "indikasi"):
        assert needle in m.body, needle


def test_finding_short_fits_whatsapp_and_says_first_scan():
    ctx = dict(FINDING, excerpt="x" * 300)
    m = Renderer().render("finding", "high", ctx, "short")
    assert len(m.title) + len(m.body) + 1 <= 1024
    assert "ditemukan pada pemindaian pertama akun ini" in m.body
    ctx = dict(FINDING, first_scan=False, change="edited")
    m = Renderer().render("finding", "high", ctx, "short")
    assert "pemindaian pertama" not in m.body and "(diubah)" in m.body


def test_missing_keys_render_gracefully_and_deadline_is_derived():
    m = Renderer().render("finding", "medium", {"first_seen": "2026-11-24T02:00:00+00:00"}, "long")
    assert "Nama            : -" in m.body
    assert "1 Desember 2026 10.00 WITA" in m.body  # first_seen + 7 days


def test_evidence_line_follows_screenshot():
    ctx = dict(FINDING, evidence={"screenshot": "/x.png", "sha256": "ab" * 32})
    assert "tangkapan layar terlampir (SHA-256 " + "ab" * 32 in Renderer().render(
        "finding", "high", ctx, "long").body


def test_health_event_picks_template():
    r = Renderer()
    failing = r.render("health", "high", SAMPLES[1][2], "short")
    recovered = r.render("health", "high", SAMPLES[2][2], "short")
    assert "terganggu" in failing.title and "pulih" in recovered.title


def test_staff_override_folder_and_broken_template(tmp_path):
    (tmp_path / "test_short.j2").write_text("UJI {{ channel }}\nisi khusus staf\n")
    r = Renderer(tmp_path)
    assert r.render("test", "none", {"channel": "wa"}, "short").title == "UJI wa"
    assert r.render("test", "none", {"channel": "wa"}, "long").title.startswith("[Pantau]")  # shipped
    assert check_templates(tmp_path) == []
    (tmp_path / "finding_long.j2").write_text("{% if %}\n")
    problems = check_templates(tmp_path, "config.toml")
    assert len(problems) == 1 and "finding_long.j2" in str(problems[0])
    assert check_templates(tmp_path / "absent")[0].entry == "templates_dir"


def test_format_pending_is_indonesian_and_masked():
    rows = [{"alert_id": "finding:f1", "channel": "email", "attempts": 3, "state": "retrying",
             "last_error": "FAILURE: Connection error", "next_try": "2026-11-24T02:00:00+00:00"},
            {"alert_id": "finding:f2", "channel": "wa", "attempts": 9, "state": "dead",
             "last_error": "json://u:pw1234@h/x refused", "next_try": None}]
    text = format_pending(rows)
    assert "KANAL" in text and "mengulang" in text and "gagal permanen" in text
    assert "24 November 2026 10.00 WITA" in text and "pw1234" not in text
    assert "2 pengiriman tertunda, 1 di antaranya gagal permanen." in text
    assert format_pending([]) == "Tidak ada peringatan yang menunggu pengiriman."
    header, rule = text.splitlines()[:2]
    assert len(rule) >= len(header.rstrip()) - 1  # a rule as wide as the columns


def test_every_detector_category_has_an_indonesian_label():
    """Staff never see an English category tag: each category the detector can emit is in KATEGORI."""
    from alerts.detect import _CATEGORY
    from alerts.render import KATEGORI

    missing = sorted(set(_CATEGORY.values()) - set(KATEGORI))
    assert not missing, f"categories without an Indonesian label: {missing}"
