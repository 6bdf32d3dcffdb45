"""The Indonesian report: HTML content always checked, PDF through the real Chromium."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alerts.timeutil import fmt_wita, utc_now
from review_fixtures import PERSON, finding_for, pipeline_findings, start_site
from scraper.cli import app
from scraper.report import render_html, report_context
from scraper.review import Reviewer
from scraper.store import storage_layout


@pytest.fixture(scope="module")
def world(tmp_path_factory, chromium):
    base = tmp_path_factory.mktemp("report")
    site = start_site()
    try:
        config, store = pipeline_findings(base, site)
    finally:
        site.stop()
    fid = finding_for(store, "102")["id"]
    Reviewer(config.storage_dir).confirm(fid, by="Rina Marlina", note="ajakan memilih paslon 02")
    return base, config, store, store.get(fid)


def _cli(base: Path, *args: str):
    return CliRunner().invoke(app, ["--config", str(base / "config.toml"), *args])


def _must_hold(text: str, finding: dict) -> None:
    flat = "".join(text.split())
    for value in (PERSON["name"], PERSON["nip"], PERSON["position"], PERSON["unit"], finding["post_url"],
                  fmt_wita(finding["first_seen"]), fmt_wita(finding["deadline"]), fmt_wita(finding["published"]),
                  "Badan Kepegawaian Negara (BKN) c.q. Satgas Netralitas ASN", "Rina Marlina"):
        assert "".join(value.split()) in flat, value
    for art in finding["evidence"]["artefacts"].values():
        assert art["sha256"] in flat, art
    assert finding["evidence"]["manifest_sha256"] in flat


def test_html_report_holds_everything_the_recommendation_needs(world, tmp_path):
    base, config, store, finding = world
    out = tmp_path / "laporan.html"
    result = _cli(base, "report", finding["id"][:8], "--out", str(out), "--by", "Rina")
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    _must_hold(html, finding)
    assert "petunjuk awal" in html and "ajakan memilih paslon 02" in html
    assert 'src="data:image/png;base64,iVBORw0KGgo' in html  # the screenshot, embedded
    assert "UTUH" in html and "TIDAK UTUH" not in html
    assert "Pemilihan Presiden" in html  # election named from the lexicon
    assert "Prabowo-Gibran" in html and "ajakan" in html  # matched terms with reasons
    assert "dihapus setelah bukti diambil" not in html


def test_pdf_report_renders_through_chromium(world, tmp_path):
    base, config, store, finding = world
    out = tmp_path / "laporan.pdf"
    result = _cli(base, "report", finding["id"], "--format", "pdf", "--out", str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed: PDF text not checked")
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    _must_hold(text, finding)


def test_report_says_post_deleted_and_escapes_post_text(world):
    base, config, store, finding = world
    layout = storage_layout(config.storage_dir)
    doc = dict(finding, post_deleted_at="2026-11-25T01:00:00+00:00",
               text='<script>alert("x")</script> Ayo coblos', status="new", review=[])
    ctx = report_context(doc, config.report, evidence_dir=layout["evidence"] / doc["id"], custody_entries=[],
                         evidence_ok=False, evidence_problems=["RUSAK x: page.html: berubah"], now=utc_now())
    html = render_html(ctx)
    assert "Unggahan dihapus setelah bukti diambil" in html and "25 November 2026 09.00 WITA" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "TIDAK UTUH" in html and "RUSAK x: page.html: berubah" in html
    assert "Belum ditinjau" in html


def test_report_flags_altered_evidence_and_rejects_unknown_format(world, tmp_path):
    base, config, store, finding = world
    other = finding_for(store, "104")
    shot = storage_layout(config.storage_dir)["evidence"] / other["id"] / "screenshot.png"
    original = shot.read_bytes()
    try:
        shot.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        out = tmp_path / "r.html"
        result = _cli(base, "report", other["id"], "--out", str(out), "--force")
        assert result.exit_code == 0
        html = out.read_text(encoding="utf-8")
        assert "TIDAK UTUH" in html and "screenshot.png" in html
        assert "data:image/png" not in html  # an altered screenshot is not shown as evidence
    finally:
        shot.write_bytes(original)
    bad = _cli(base, "report", other["id"], "--format", "odt")
    assert bad.exit_code == 2 and "html, pdf, atau docx" in bad.output


def test_report_links_only_http_and_post_html_escaped(world):
    """Issue #11.2: a javascript:/data: post link is never clickable in the HTML report."""
    base, config, store, finding = world
    layout = storage_layout(config.storage_dir)
    doc = dict(finding, post_url="javascript:alert(document.cookie)", account_url="data:text/html,<b>x</b>",
               person=dict(finding["person"], name='<img src="http://127.0.0.1:9/p.png">Budi'))
    ctx = report_context(doc, config.report, evidence_dir=layout["evidence"] / doc["id"], custody_entries=[],
                         evidence_ok=True, evidence_problems=[], now=utc_now())
    html = render_html(ctx)
    import re
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    assert "javascript:alert(document.cookie)" in html  # shown as text, not as a link
    assert '<img src="http://127.0.0.1:9' not in html and "&lt;img src=" in html


def test_signature_names_the_reviewer_and_role_and_custody_is_numbered_per_finding(world, tmp_path):
    base, config, store, finding = world
    out = tmp_path / "r.html"
    result = _cli(base, "report", finding["id"][:8], "--out", str(out), "--role", "Kepala Divisi Penanganan")
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    sign = html[html.index('class="sign"'):]
    assert "<u>Rina Marlina</u>" in sign and "Kepala Divisi Penanganan" in sign  # the reviewer, by default
    assert "BELUM DITINJAU" not in html and "DITOLAK oleh" not in html
    import re
    custody = html[html.index("log custody)</h2>"):html.index("Hasil tinjauan petugas")]
    numbers = re.findall(r"<tr><td>(\d+)</td>", custody)
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)] and len(numbers) >= 2, numbers
    other = _cli(base, "report", finding["id"][:8], "--out", str(out), "--by", "Andi Wijaya")
    assert other.exit_code == 0 and "<u>Andi Wijaya</u>" in out.read_text(encoding="utf-8")


def test_unreviewed_or_dismissed_finding_refused_without_force_and_bannered_with(world, tmp_path):
    base, config, store, finding = world
    fresh = finding_for(store, "104")
    assert fresh["status"] == "new"
    out = tmp_path / "draf.html"
    refused = _cli(base, "report", fresh["id"][:8], "--out", str(out))
    assert refused.exit_code == 1 and not out.exists()
    assert "belum ditinjau" in refused.output.lower() or "baru" in refused.output and "--force" in refused.output
    forced = _cli(base, "report", fresh["id"][:8], "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    html = out.read_text(encoding="utf-8")
    assert 'class="banner">DRAF: TEMUAN BELUM DITINJAU' in html
    doc = dict(fresh, status="dismissed")
    layout = storage_layout(config.storage_dir)
    ctx = report_context(doc, config.report, evidence_dir=layout["evidence"] / doc["id"], custody_entries=[],
                         evidence_ok=True, evidence_problems=[], now=utc_now())
    assert "TEMUAN INI DITOLAK" in render_html(ctx)


def test_docx_export_is_editable_and_holds_the_same_data(world, tmp_path):
    import docx

    base, config, store, finding = world
    out = tmp_path / "laporan.docx"
    result = _cli(base, "report", finding["id"][:8], "--format", "docx", "--out", str(out),
                  "--role", "Koordinator Divisi")
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    _must_hold(text + "\n" + cells, finding)
    assert "Data pelapor dan hasil klarifikasi (diisi petugas)" in text and "Nama pelapor" in cells
    assert "Rina Marlina" in text and "Koordinator Divisi" in text
    assert len(document.inline_shapes) == 1  # the screenshot
