"""The editable report (``pantau report --format docx``), from the same context as the PDF.

Staff complete a "Form A"-style report before signing: reporter details and the
result of the clarification are theirs to write, so the report is also written
as a Word document (python-docx, a well-kept pure-Python writer; LibreOffice and
Word open it). :func:`render_docx` takes the dict :func:`scraper.report.report_context`
builds, so both formats always say the same thing; everything from a post is
plain text in a run (no markup is interpreted).
"""
from __future__ import annotations

import base64
import io
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt, RGBColor

RED = RGBColor(0xAA, 0x00, 0x00)
FORM_FIELDS = ("Nama pelapor", "Alamat pelapor", "Nomor telepon / surel", "Tanggal laporan diterima",
               "Nomor register laporan")


def _kv(doc: Any, rows: list[tuple[str, str]]) -> None:
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].width, cells[1].width = Cm(5), Cm(12)
        cells[0].text = label
        cells[1].text = str(value if value not in (None, "") else "-")


def _grid(doc: Any, header: list[str], rows: list[list[Any]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows or [["-"] + [""] * (len(header) - 1)]:
        for cell, value in zip(table.add_row().cells, row):
            cell.text = str(value if value is not None else "")


def _tips_and_case(doc: Any, ctx: dict[str, Any]) -> None:
    """Who reported the post and how far the case went (issue #19), as in the HTML report."""
    if ctx.get("tips"):
        doc.add_heading("Laporan yang diterima", level=3)
        _grid(doc, ["Pelapor / penerima", "Waktu", "Lewat", "Catatan"],
              [[t.get("by"), t.get("at"), t.get("channel"), (t.get("note") or "")
                + (f" (akun tidak terdaftar; alasan: {t['unlisted_reason']})" if t.get("unlisted_reason") else "")]
               for t in ctx["tips"]])
    case = ctx.get("case") or {}
    if not case.get("case_status"):
        return
    doc.add_heading("Tindak lanjut kasus", level=3)
    _kv(doc, [("Status kasus", ctx["case_status"]),
              ("Rekomendasi", f"surat nomor {case['letter_number']} tanggal {case['recommended_date_id']} kepada "
                              f"{case['recipient']}" if case.get("recommended_date") else "belum"),
              ("Putusan instansi", f"{case['decided_date_id']}: {case['outcome']}"
                                   + (f" (kategori sanksi: {case['sanction']})" if case.get("sanction") else "")
               if case.get("decided_date") else "belum"),
              ("Kasus selesai", ctx.get("case_closed") or "belum")])


# Longer than ~60 lines on purpose: the document is written top to bottom in the order it
# reads (numbered sections 1-7: parties, time and place, post, evidence, custody, review, clarification);
# cutting it into helpers would scatter one document across functions.
def render_docx(ctx: dict[str, Any]) -> bytes:
    """The report as .docx bytes (A4, Indonesian), editable fields left blank for staff."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(10.5)
    finding, person, settings = ctx["finding"], ctx["person"], ctx["settings"]

    if ctx.get("banner"):
        run = doc.add_paragraph().add_run(ctx["banner"])
        run.bold, run.font.color.rgb, run.font.size = True, RED, Pt(12)
    doc.add_paragraph().add_run(str(settings["office"]).upper()).bold = True
    doc.add_heading("Laporan Temuan Dugaan Pelanggaran Netralitas ASN", level=1)
    doc.add_paragraph(f"ID temuan {finding.get('id')} · dibuat {ctx['generated']} oleh Pantau")
    _kv(doc, [("Kepada", settings["recipient"]), ("Dari", settings["office"]), ("Status tinjauan", ctx["status"]),
              ("Sumber temuan", ctx.get("source", "-"))]
        + ([("Status kasus", ctx["case_status"])] if (ctx.get("case") or {}).get("case_status") else []))
    doc.add_paragraph("Temuan ini adalah petunjuk awal yang dihasilkan secara otomatis dan harus diverifikasi "
                      "oleh petugas pengawas sebelum dijadikan dasar rekomendasi. Pantau tidak menyimpulkan "
                      "adanya pelanggaran.")
    if ctx.get("deleted_at"):
        doc.add_paragraph().add_run(f"Unggahan dihapus setelah bukti diambil (sejak {ctx['deleted_at']}).").bold = True

    doc.add_heading("1. Pihak yang dilaporkan", level=2)
    _kv(doc, [("Nama", person.get("name")), ("NIP", person.get("nip")), ("Jabatan", person.get("position")),
              ("Unit kerja / instansi", person.get("unit"))])
    doc.add_heading("2. Waktu dan tempat", level=2)
    _kv(doc, [("Platform", finding.get("platform")), ("Akun", finding.get("account_url")),
              ("Tautan unggahan", finding.get("post_url")), ("Waktu unggah", ctx["published"]),
              ("Pertama terlihat", ctx["first_seen"]),
              ("Batas penanganan", f"{ctx['deadline']} (7 hari sejak pertama terlihat)")])
    doc.add_heading("3. Uraian temuan", level=2)
    doc.add_paragraph(f"Tingkat indikasi: {ctx['severity']}; skor {finding.get('score')}"
                      + (f"; terkait {', '.join(ctx['elections'])}" if ctx.get("elections") else "") + ".")
    doc.add_paragraph(str(finding.get("text") or "")).paragraph_format.left_indent = Cm(0.8)
    if finding.get("source_note"):  # text in images, a share, a profile (scraper/sources.py)
        doc.add_paragraph(f"Sumber indikasi: {finding['source_note']}")
    if finding.get("image_text"):
        doc.add_paragraph("Teks pada gambar unggahan (dibaca dengan OCR; gambar ada pada bukti):")
        doc.add_paragraph(str(finding["image_text"])).paragraph_format.left_indent = Cm(0.8)
    _grid(doc, ["Istilah", "Jenis", "Alasan"], [[r["term"], r["category"], r["reason"]] for r in ctx["reasons"]])

    doc.add_heading("4. Bukti", level=2)
    uri = ctx.get("screenshot_uri") or ""
    if uri.startswith("data:image/png;base64,"):
        doc.add_paragraph(f"Tangkapan layar unggahan (diambil {ctx.get('captured_at')}):")
        doc.add_picture(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])), width=Cm(14))
    if ctx.get("artefacts"):
        _grid(doc, ["Berkas", "Ukuran (bita)", "SHA-256"],
              [[a["name"], a["bytes"], a["sha256"]] for a in ctx["artefacts"]]
              + [["manifest.json", "", ctx.get("manifest_sha256")]])
        state = {True: "UTUH", False: "TIDAK UTUH", None: "tidak dilakukan"}[ctx.get("evidence_ok")]
        doc.add_paragraph(f"Pemeriksaan integritas saat laporan dibuat: {state}.")
    if ctx.get("custody"):
        doc.add_heading("5. Riwayat penyimpanan bukti (log custody)", level=2)
        _grid(doc, ["No.", "Waktu", "Tindakan", "Oleh", "Entri log"],
              [[e["no"], e["time"], e["action"], e["actor"], f"#{e['seq']}"] for e in ctx["custody"]])
    doc.add_heading("6. Hasil tinjauan petugas", level=2)
    _grid(doc, ["Keputusan", "Oleh", "Waktu", "Catatan"],
          [[r["action"], r["by"], r["at"], r["note"]] for r in ctx["reviews"]])
    _tips_and_case(doc, ctx)

    doc.add_heading("7. Data pelapor dan hasil klarifikasi (diisi petugas)", level=2)
    _kv(doc, [(label, " ") for label in FORM_FIELDS])
    doc.add_paragraph("Uraian hasil klarifikasi:")
    for _ in range(4):
        doc.add_paragraph("")

    sign = doc.add_paragraph()
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    sign.add_run(f"{settings['city']}, {ctx['generated_date']}\nYang membuat laporan,\n\n\n\n")
    name = sign.add_run(ctx.get("signer") or "(........................................)")
    name.bold = bool(ctx.get("signer"))
    sign.add_run(f"\n{ctx['signer_role']}\n{settings['office']}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
