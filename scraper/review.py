"""Human review of findings: show, confirm, dismiss; every action audited.

A finding starts ``new``; a named reviewer sets it ``confirmed`` or
``dismissed`` with an optional note. A decision is final unless the reviewer
passes ``force=True`` (CLI ``--force``): changing a decision is allowed, but
deliberate, and the earlier decision stays in the finding's ``review``
history and in both logs. Every action (also ``viewed``, ``report``,
``export``, ``purged``) is appended to the hash-chained audit log
``<storage>/audit.log``; confirm/dismiss also go to the evidence custody log,
since they change how the evidence is held (confirmed evidence is kept,
dismissed evidence is purged later).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from alerts.timeutil import iso, utc_now

from .custody import ChainLog
from .errors import PantauError
from .evidence import custody_log
from .finding import Finding, evidence_manifest, has_evidence
from .store import FindingStore, storage_layout

MIN_PREFIX = 6
DECISIONS = {"confirm": "confirmed", "dismiss": "dismissed"}
#: the one vocabulary staff see for statuses and severities, in every command
STATUS_ID = {"new": "baru", "confirmed": "dikonfirmasi", "dismissed": "ditolak"}
SEVERITY_ID = {"low": "rendah", "medium": "sedang", "high": "tinggi", "none": "tidak ada"}
#: the states of a case (a confirmed finding followed to the authority's decision; scraper.cases)
CASE_STATUS_ID = {"confirmed": "dikonfirmasi", "recommended": "direkomendasikan", "decided": "diputus",
                  "closed": "selesai"}
#: who raised a finding: Pantau's own watch, or a tip (``pantau capture``, the console's tip form)
SOURCE_ID = {"pantau": "pantau", "laporan": "laporan"}
_STATUS_WORDS = {**{k: k for k in STATUS_ID}, **{v: k for k, v in STATUS_ID.items()},
                 "belum ditinjau": "new", "konfirmasi": "confirmed", "tolak": "dismissed",
                 **{k: k for k in CASE_STATUS_ID}, **{v: k for k, v in CASE_STATUS_ID.items()}}


def parse_status(text: str) -> str:
    """The stored status for a status written by staff in English or Indonesian (``baru``)."""
    key = " ".join(text.strip().lower().split())
    if key not in _STATUS_WORDS:
        choices = ", ".join(f"{v} ({k})" for k, v in {**STATUS_ID, **CASE_STATUS_ID}.items())
        raise ReviewError(f"status {text!r} tidak dikenal; pilih salah satu: {choices}")
    return _STATUS_WORDS[key]


class ReviewError(PantauError):
    """A review action that cannot be done (message in Indonesian, for staff)."""


def resolve_id(store: FindingStore, given: str) -> dict[str, Any]:
    """The finding whose id is ``given`` or starts with it (unique, >= 6 chars)."""
    given = given.strip().lower()
    findings = store.all()
    exact = [f for f in findings if f["id"] == given]
    if exact:
        return exact[0]
    if len(given) < MIN_PREFIX:
        raise ReviewError(f"ID temuan {given!r} terlalu pendek: tulis minimal {MIN_PREFIX} karakter awal ID")
    hits = [f for f in findings if f["id"].startswith(given)]
    if not hits:
        raise ReviewError(f"temuan {given!r} tidak ditemukan (lihat `pantau findings list`)")
    if len(hits) > 1:
        raise ReviewError(f"ID {given!r} cocok dengan {len(hits)} temuan ({', '.join(f['id'] for f in hits)}); "
                          "tulis lebih banyak karakter")
    return hits[0]


def audit_log(storage_dir: Path, clock: Callable[[], datetime] = utc_now) -> ChainLog:
    return ChainLog(storage_layout(storage_dir)["audit"], clock=clock)


@dataclass
class Reviewer:
    """Review actions on one storage folder; ``clock`` is injectable for tests."""

    storage_dir: Path
    clock: Callable[[], datetime] = utc_now

    def __post_init__(self) -> None:
        layout = storage_layout(Path(self.storage_dir))
        self.store = FindingStore(layout["findings"])
        self.audit = ChainLog(layout["audit"], clock=self.clock)
        self.custody = custody_log(layout["evidence"], clock=self.clock)

    def get(self, given: str) -> dict[str, Any]:
        return resolve_id(self.store, given)

    def show(self, given: str, *, by: str = "") -> dict[str, Any]:
        """The finding (access is audited: personal data)."""
        finding = self.get(given)
        self.audit.append("viewed", finding_id=finding["id"], actor=_actor(by))
        return finding

    def confirm(self, given: str, *, by: str, note: str = "", force: bool = False) -> dict[str, Any]:
        return self._decide(given, "confirm", by=by, note=note, force=force)

    def dismiss(self, given: str, *, by: str, note: str = "", force: bool = False) -> dict[str, Any]:
        return self._decide(given, "dismiss", by=by, note=note, force=force)

    def _decide(self, given: str, action: str, *, by: str, note: str, force: bool) -> dict[str, Any]:
        by = (by or "").strip()
        if not by:
            raise ReviewError("nama peninjau wajib diisi (--by NAMA)")
        status = DECISIONS[action]
        fid = self.get(given)["id"]
        now = self.clock()
        stamp = iso(now)
        previous: dict[str, str] = {}

        def change(doc: dict[str, Any]) -> None:
            # checked under the store's file lock, so two reviewers cannot both decide
            current = doc.get("status", "new")
            if current != "new" and not force:
                who = doc.get("reviewed_by") or "?"
                raise ReviewError(
                    f"temuan {doc['id']} sudah {STATUS_ID.get(current, current)} oleh {who}; "
                    "pakai --force untuk mengubah keputusan (keputusan lama tetap tercatat)")
            previous["status"] = current
            doc["status"] = status
            doc["reviewed_by"] = by
            doc["reviewed_at"] = stamp
            doc["review_note"] = note
            doc.setdefault("review", []).append(
                {"action": status, "by": by, "at": stamp, "note": note, "previous": current, "forced": force})

        updated = self.store.update(fid, change)
        if updated is None:
            raise ReviewError(f"temuan {fid} hilang saat diperbarui")
        details = {"from": previous.get("status"), "to": status, "note": note, "forced": force}
        self.audit.append(status, finding_id=fid, actor=by, details=details, now=now)
        if has_evidence(updated):
            self.custody.append(status, finding_id=fid, actor=by, details=details,
                                artefacts={"manifest.json": evidence_manifest(updated)}, now=now)
        return updated


def _actor(by: str) -> str:
    return (by or "").strip() or _login_name()


def _login_name() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (container): still record something
        return "tidak diketahui"


def format_finding(finding: dict[str, Any] | Finding) -> str:
    """The finding as staff read it in a terminal (Indonesian, WITA)."""
    from alerts.timeutil import fmt_wita

    f = finding if isinstance(finding, Finding) else Finding.from_json(finding)
    p, ev = f.person, f.evidence or {}
    lines = [
        f"Temuan {f.id}  [{STATUS_ID.get(f.status, f.status)}]",
        f"  Nama            : {p.get('name', '-')}",
        f"  NIP             : {p.get('nip', '-')}",
        f"  Jabatan         : {p.get('position', '-')}",
        f"  Unit kerja      : {p.get('unit', '-')}",
        f"  Platform / akun : {f.platform}  {f.account_url}",
        f"  Tautan unggahan : {f.post_url}",
        f"  Waktu unggah    : {fmt_wita(f.published)}",
        f"  Pertama terlihat: {fmt_wita(f.first_seen)}",
        f"  Batas penanganan: {fmt_wita(f.deadline)}",
        f"  Tingkat         : {SEVERITY_ID.get(f.severity, f.severity)} (skor {f.score})",
        f"  Istilah         : {', '.join(f.terms) or '-'}",
    ]
    if f.first_scan:
        lines.append("  Catatan         : ditemukan pada pemindaian pertama akun ini")
    if f.post_deleted_at:
        lines.append(f"  DIHAPUS         : unggahan dihapus setelah bukti diambil "
                     f"(terlihat hilang {fmt_wita(f.post_deleted_at)})")
    lines.append("  Alasan:")
    for m in f.matches:
        if m.get("category") != "neutral":
            lines.append(f"    - \"{m.get('term')}\" ({m.get('category')}): {m.get('reason', '')}")
    if f.extra.get("source_note"):  # text in images, a share, a profile (scraper/sources.py)
        lines.append(f"  Sumber indikasi : {f.extra['source_note']}")
    lines.append(f"  Kutipan: \"{f.excerpt}\"")
    if "manifest_sha256" in ev:
        lines.append(f"  Bukti: {ev.get('dir')} (manifest SHA-256 {ev['manifest_sha256']})")
        for name, art in sorted(ev.get("artefacts", {}).items()):
            lines.append(f"    {name:15} {art['sha256']}")
    elif ev.get("error"):
        lines.append(f"  Bukti: GAGAL diambil: {ev['error']}")
    else:
        lines.append("  Bukti: tidak ada")
    for r in f.review:
        lines.append(f"  Tinjauan: {STATUS_ID.get(r['action'], r['action'])} oleh {r['by']} "
                     f"{fmt_wita(r['at'])}" + (f": {r['note']}" if r.get("note") else "")
                     + (" (keputusan diubah)" if r.get("forced") else ""))
    return "\n".join(lines + _tip_and_case_lines(f.to_json()))


def _tip_and_case_lines(finding: dict[str, Any]) -> list[str]:
    """Who reported it (tips) and how far the case went (``scraper.cases``)."""
    from alerts.timeutil import fmt_wita

    from .cases import case_fields

    lines = [f"  Sumber          : {SOURCE_ID.get(finding.get('source') or 'pantau', finding.get('source'))}"]
    for t in finding.get("tips", []):
        lines.append(f"  Laporan: oleh {t.get('by')} {fmt_wita(t.get('at'))} lewat {t.get('channel')}"
                     + (f": {t['note']}" if t.get("note") else "")
                     + (f" (akun tidak terdaftar; alasan: {t['unlisted_reason']})" if t.get("unlisted_reason") else ""))
    c = case_fields(finding)
    if c["case_status"]:
        lines.append(f"  Kasus           : {CASE_STATUS_ID.get(c['case_status'], c['case_status'])}")
    if c["recommended_date"]:
        lines.append(f"  Rekomendasi     : surat {c['letter_number']} tanggal {c['recommended_date']} "
                     f"kepada {c['recipient']}")
    if c["decided_date"]:
        lines.append(f"  Putusan         : {c['decided_date']}: {c['outcome']}"
                     + (f" (sanksi: {c['sanction']})" if c.get("sanction") else ""))
    if c["closed_at"]:
        lines.append(f"  Selesai         : {fmt_wita(c['closed_at'])}")
    return lines
