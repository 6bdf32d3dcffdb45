"""Evidence captured at detection time, and its verification.

For each new finding the pipeline calls :meth:`EvidenceRecorder.capture`,
which writes into ``<evidence>/<finding_id>/`` (files 0600, folder 0700,
every file written atomically):

``screenshot.png``  one post, readable, with a stamped footer (URL, account,
                    capture time UTC/WITA, SHA-256 of the raw data; also a PNG
                    ``tEXt`` chunk): a post card, or for ``web`` pages the post's
                    element with the page's own styles; rendered with scripts
                    off and the network cut off (:mod:`scraper.evidence_image`);
                    absent when no browser is configured (metadata says why)
``post.html|json|xml``  the post's own raw fragment (``Post.raw``)
``page.html|json|xml``  the whole fetched page body
``metadata.json``   canonical URL, account, person, post id, published time,
                    capture time in UTC and WITA, Pantau version, detection
                    matches, the fetch's URL/final URL/status
``manifest.json``   SHA-256 and size of each artefact above

then appends a ``captured`` entry to the custody log with the SHA-256 of every
artefact and of the manifest. :func:`verify_evidence` re-hashes everything
against the manifest, the custody log and the finding's stored copy.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Sequence

from alerts.storage import atomic_write_bytes, ensure_private_dir
from alerts.timeutil import fmt_wita, iso, utc_now

from .custody import ChainIssue, ChainLog, check_anchor, sha256_bytes, sha256_file
from .evidence_image import card_html, element_png, framed_html, make_stamp, render_to_png
from .finding import Finding, has_evidence
from .models import Account, Person, Post
from .ocr import card_image
from .platforms.base import Adapter, Page

if TYPE_CHECKING:
    from .fetch.browser import Browser

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
METADATA = "metadata.json"
SCREENSHOT = "screenshot.png"
CUSTODY_LOG = "custody.log"


def custody_log(evidence_root: Path, clock: Callable[[], datetime] = utc_now) -> ChainLog:
    return ChainLog(Path(evidence_root) / CUSTODY_LOG, clock=clock)


def raw_extension(text: str, content_type: str = "") -> str:
    """``json``, ``xml`` or ``html`` from a body's first characters (or its content type)."""
    head = text.lstrip("\ufeff \t\r\n")[:200].lower()
    if head.startswith(("{", "[")) or "json" in content_type:
        return "json"
    if head.startswith(("<?xml", "<rss", "<feed", "<rdf")) or ("xml" in content_type and "html" not in content_type):
        return "xml"
    return "html"


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


_IMAGE_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}


def image_artefacts(images: Sequence[Any], files: dict[str, Any]) -> list[dict[str, Any]]:
    """Add each OCR'd image to ``files`` as ``gambar-N.<ext>``; their manifest entries
    (file, URL, SHA-256 of the bytes, the text read from it)."""
    listed = []
    for n, image in enumerate(images, 1):
        if not image.image:  # could not be fetched again: listed without the file
            listed.append({"file": None, "url": image.url, "sha256": image.sha256, "ocr_text": image.text})
            continue
        name = f"gambar-{n}.{_IMAGE_EXT.get(getattr(image, 'content_type', ''), 'bin')}"
        files[name] = bytes(image.image)
        listed.append({"file": name, "url": image.url, "sha256": image.sha256, "ocr_text": image.text})
    return listed


class EvidenceRecorder:
    """Captures evidence for findings into one folder per finding."""

    def __init__(self, root: Path, *, browser: Browser | None = None, timeout: float = 60.0, version: str = "",
                 clock: Callable[[], datetime] = utc_now):
        self.root = Path(root)
        self.browser = browser
        self.timeout = timeout
        self.version = version
        self.clock = clock
        self.custody = custody_log(self.root, clock)

    def folder(self, finding_id: str) -> Path:
        return self.root / finding_id

    async def capture(self, *, finding: dict[str, Any], post: Post, page: Page, adapter: Adapter,
                      account: Account, person: Person, images: Sequence[Any] = ()) -> dict[str, Any]:
        """Capture (or return the complete earlier capture of) ``finding``'s evidence.

        ``images``: the post's images read by OCR (scraper.ocr.OcrResult): each is
        kept as ``gambar-N.<ext>``, listed in the manifest with its URL, SHA-256
        and the text read from it."""
        fid = finding["id"]
        existing = self.existing(fid)
        if existing is not None:
            return existing
        folder = ensure_private_dir(self.folder(fid))
        ensure_private_dir(self.root)
        now = self.clock()
        files: dict[str, bytes | Path] = {}

        raw = (post.raw or page.body or "").encode("utf-8")
        stamp = make_stamp(post.url, account.url, now, sha256_bytes(raw))
        shot = await self._screenshot(folder, post, page, adapter, account, person, stamp, images)
        if shot["taken"]:
            files[SCREENSHOT] = folder / SCREENSHOT
        if post.raw:
            name = f"post.{raw_extension(post.raw)}"
            files[name] = post.raw.encode("utf-8")
        page_name = f"page.{raw_extension(page.body or '', page.content_type or '')}"
        files[page_name] = (page.body or "").encode("utf-8")
        files[METADATA] = _json_bytes(self._metadata(finding, post, page, account, person, now, shot))
        image_list = image_artefacts(images, files)

        artefacts: dict[str, dict[str, Any]] = {}
        for name, content in files.items():
            path = folder / name
            if isinstance(content, bytes):
                atomic_write_bytes(path, content)
            artefacts[name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
        manifest = {"finding_id": fid, "captured_at": iso(now), "pantau_version": self.version,
                    "hash": "sha256", "artefacts": artefacts}
        if image_list:
            manifest["images"] = image_list
        manifest_bytes = _json_bytes(manifest)
        atomic_write_bytes(folder / MANIFEST, manifest_bytes)
        result = self._result(fid, manifest, sha256_bytes(manifest_bytes))
        entry = self._record(fid, result, shot)
        result["custody_seq"], result["custody_hash"] = entry["seq"], entry["hash"]
        log.info("evidence for finding %s: %d artefacts in %s", fid, len(artefacts), folder)
        return result

    def existing(self, finding_id: str) -> dict[str, Any] | None:
        """The earlier capture of ``finding_id`` if it is complete and intact, else None."""
        folder = self.folder(finding_id)
        try:
            manifest_bytes = (folder / MANIFEST).read_bytes()
            manifest = json.loads(manifest_bytes)
        except (FileNotFoundError, ValueError):
            return None
        for name, art in manifest.get("artefacts", {}).items():
            path = folder / name
            if not path.is_file() or sha256_file(path) != art.get("sha256"):
                return None
        result = self._result(finding_id, manifest, sha256_bytes(manifest_bytes))
        entry = next((e for e in self.custody.entries(finding_id) if e.get("action") == "captured"
                      and e.get("artefacts", {}).get(MANIFEST) == result["manifest_sha256"]), None)
        if entry is None:  # crashed after writing the files, before the custody entry
            entry = self._record(finding_id, result, {"note": "dicatat ulang setelah proses terhenti"})
        result["custody_seq"], result["custody_hash"] = entry["seq"], entry["hash"]
        return result

    def _result(self, fid: str, manifest: dict[str, Any], manifest_sha: str) -> dict[str, Any]:
        folder = self.folder(fid)
        arts = {name: {"path": str(folder / name), "sha256": a["sha256"], "bytes": a["bytes"]}
                for name, a in manifest.get("artefacts", {}).items()}
        shot = arts.get(SCREENSHOT)
        return {
            "dir": str(folder),
            "screenshot": shot["path"] if shot else None,
            "screenshot_sha256": shot["sha256"] if shot else None,
            "artefacts": arts,
            "manifest_sha256": manifest_sha,
            "captured_at": manifest.get("captured_at"),
        }

    def _record(self, fid: str, result: dict[str, Any], shot: dict[str, Any]) -> dict[str, Any]:
        hashes = {name: a["sha256"] for name, a in result["artefacts"].items()}
        hashes[MANIFEST] = result["manifest_sha256"]
        details = {"dir": fid, "screenshot": shot.get("note", "")}
        return self.custody.append("captured", finding_id=fid, actor="pantau", details=details, artefacts=hashes)

    async def _screenshot(self, folder: Path, post: Any, page: Any, adapter: Any, account: Any,
                          person: Any, stamp: Any, images: Sequence[Any] = ()) -> dict[str, Any]:
        selector = None
        try:
            selector = adapter.post_selector(post) if adapter is not None else None
        except Exception as exc:  # an adapter bug must not cost the rest of the evidence
            log.warning("post_selector for %s: %s", post.url, exc)
        shot: dict[str, Any] = {"taken": False, "element_found": False, "selector": selector,
                                "look": None, "stamp": stamp.to_json()}
        if self.browser is None:
            shot["note"] = "tidak ada tangkapan layar: browser tidak dikonfigurasi ([evidence] screenshot)"
            return shot
        try:
            await asyncio.wait_for(self._render(folder / SCREENSHOT, post, page, account, person,
                                                selector, stamp, shot, images), self.timeout + 10)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("screenshot for %s failed: %s", post.url, exc)
            shot["note"] = f"tangkapan layar gagal: {type(exc).__name__}: {str(exc)[:200]}"
            return shot
        shot["taken"] = True
        shot["note"] = ("elemen unggahan dengan tampilan halaman aslinya" if shot["look"] == "page" else
                        "kartu unggahan (teks dan waktu dari data asli)")
        return shot

    async def _render(self, path: Path, post: Any, page: Any, account: Any, person: Any,
                      selector: str | None, stamp: Any, shot: dict[str, Any], images: Sequence[Any] = ()) -> None:
        """The page's own look for ``web`` pages when the post's element renders, else a card."""
        html_page = raw_extension(page.body or "", page.content_type or "") == "html"
        if selector and html_page and account.platform == "web":
            element = await element_png(self.browser, page.body or "", selector)
            if element is not None:
                shot.update(element_found=True, look="page")
                await render_to_png(self.browser, framed_html(element, stamp), path, stamp)
                return
        author = person.name or account.url
        html = card_html(platform=account.platform, author=author, account_url=account.url,
                         published=post.published, text=post.text or "", media=list(post.media), stamp=stamp,
                         images=[(url, i.text, i.sha256) for i in images for url in [card_image(i.image)] if url])
        shot["look"] = "card"
        await render_to_png(self.browser, html, path, stamp)

    def _metadata(self, finding: dict[str, Any], post: Any, page: Any, account: Any, person: Any,
                  now: datetime, shot: dict[str, Any]) -> dict[str, Any]:
        f = Finding.from_json(finding)
        return {
            "finding_id": f.id,
            "canonical_url": post.url,
            "post_id": post.post_id,
            "published_utc": iso(post.published),
            "published_wita": fmt_wita(post.published),
            "text": post.text,
            "media": list(post.media),
            "account": {"platform": account.platform, "url": account.url, "key": account.key},
            "person": {"name": person.name, "nip": person.nip, "position": person.position, "unit": person.unit},
            "captured_utc": iso(now),
            "captured_wita": fmt_wita(now),
            "first_seen_utc": f.first_seen if "first_seen" in finding else None,
            "pantau_version": self.version,
            # where the words came from: caption, text in images (OCR), shared content, profile
            "sources": {k: f.extra.get(k) for k in ("fields", "image_only", "source_note", "share", "ocr",
                                                     "image_text", "profile_change")},
            # the manifest is hashed: a key an old document lacks stays None, as before
            "detection": {"severity": f.severity if "severity" in finding else None, "score": f.score,
                          "terms": f.terms, "matches": f.matches, "elections": f.elections},
            "fetch": {"url": page.url, "final_url": page.final_url, "status": page.status,
                      "fetched_utc": iso(page.fetched_at) if page.fetched_at else None,
                      "content_type": page.content_type},
            "screenshot": {k: shot.get(k) for k in ("taken", "element_found", "selector", "note", "look",
                                                    "stamp")},
        }


# -- verification ------------------------------------------------------------

@dataclass
class EvidenceIssue:
    finding_id: str
    artefact: str  # file name, or "(folder)"/"(custody)"
    kind: str  # altered, missing, unexpected, unrecorded
    message: str

    def __str__(self) -> str:
        return f"{self.finding_id}: {self.artefact}: {self.message}"


@dataclass
class VerifyReport:
    checked: list[str] = field(default_factory=list)  # finding ids
    artefacts: int = 0
    chain_issues: list[ChainIssue] = field(default_factory=list)
    issues: list[EvidenceIssue] = field(default_factory=list)
    log_entries: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.issues and not any(i.tampering for i in self.chain_issues)

    def lines(self) -> list[str]:
        out = []
        for issue in self.chain_issues:
            out.append(("PERINGATAN " if not issue.tampering else "RUSAK ") + str(issue))
        for issue in self.issues:
            out.append(("HILANG " if issue.kind == "missing" else "RUSAK ") + str(issue))
        return out


def verify_evidence(evidence_root: Path, findings: Iterable[dict[str, Any]], *,
                    only: str | None = None, extra_logs: Iterable[ChainLog] = ()) -> VerifyReport:
    """Check the custody chain (and ``extra_logs``) and every finding's artefacts.

    ``findings`` are the stored findings; ``only`` limits artefact checks to one id
    (the chains are always checked whole: one broken link affects every entry after it).
    """
    root = Path(evidence_root)
    custody = custody_log(root)
    report = VerifyReport()
    for chain in (custody, *extra_logs):
        chain_report = chain.verify()
        report.chain_issues += chain_report.issues
        report.log_entries[chain.path.name] = chain_report.entries

    by_id = {f.id: f for f in map(Finding.from_json, findings)}
    captured: dict[str, dict[str, Any]] = {}
    purged: set[str] = set()
    for entry in custody.entries():
        fid = entry.get("finding_id")
        if entry.get("action") == "captured" and fid:
            captured[fid] = entry  # the latest capture entry counts
        elif entry.get("action") == "purged" and fid:
            purged.add(fid)

    ids = set(captured) | {fid for fid, f in by_id.items() if has_evidence(f)}
    if root.is_dir():
        ids |= {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}
    if only is not None:
        ids = {only}
    for fid in sorted(ids):
        if fid in purged and fid not in by_id:
            continue
        report.checked.append(fid)
        report.artefacts += _verify_one(root, fid, by_id.get(fid), captured.get(fid), custody, report.issues)
    return report


def _verify_one(root: Path, fid: str, finding: Finding | None, entry: dict[str, Any] | None,
                custody: ChainLog, issues: list[EvidenceIssue]) -> int:
    folder = root / fid
    stored = finding.evidence if finding is not None and has_evidence(finding) else None
    if entry is None and stored is None:
        if finding is not None and not folder.is_dir():
            return 0  # a finding without evidence (capture failed or disabled): nothing to verify
        issues.append(EvidenceIssue(fid, "(custody)", "unrecorded",
                                    "folder bukti tanpa entri 'captured' di log custody"))
    if entry is None and stored is not None:
        issues.append(EvidenceIssue(fid, "(custody)", "missing",
                                    "entri 'captured' untuk temuan ini tidak ada di log custody"))
    if stored is not None:
        anchor = check_anchor(custody, stored.get("custody_seq"), stored.get("custody_hash"), "captured")
        if anchor is not None:
            issues.append(EvidenceIssue(fid, "(custody)", "altered", anchor.message))
    if not folder.is_dir():
        issues.append(EvidenceIssue(fid, "(folder)", "missing", f"folder bukti {folder} tidak ada"))
        return 0

    expected: dict[str, str] = {}  # name -> sha256 the custody log / finding recorded
    if entry is not None:
        expected.update(entry.get("artefacts", {}))
    elif stored is not None:
        expected.update({n: a["sha256"] for n, a in stored.get("artefacts", {}).items()})
        expected[MANIFEST] = stored["manifest_sha256"]

    checked, manifest = _check_manifest(folder, fid, expected, stored, issues)
    listed = {n: a.get("sha256") for n, a in manifest.get("artefacts", {}).items()}
    names = (set(expected) | set(listed)) - {MANIFEST}
    for name in sorted(names):
        path = folder / name
        if not path.is_file():
            issues.append(EvidenceIssue(fid, name, "missing", "berkas tidak ada"))
            continue
        checked += 1
        actual = sha256_file(path)
        recorded = expected.get(name) or listed.get(name)
        if actual != recorded:
            issues.append(EvidenceIssue(fid, name, "altered",
                                        f"SHA-256 {actual} berbeda dari yang tercatat {recorded}"))
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name in names or path.name == MANIFEST:
            continue
        issues.append(EvidenceIssue(fid, path.name, "unexpected", "berkas tambahan yang tidak tercatat di manifest"))
    return checked


def _check_manifest(folder: Path, fid: str, expected: dict[str, str], stored: dict[str, Any] | None,
                    issues: list[EvidenceIssue]) -> tuple[int, dict[str, Any]]:
    """Check manifest.json against its recorded SHA-256: (files checked, the parsed manifest or {})."""
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        issues.append(EvidenceIssue(fid, MANIFEST, "missing", "berkas tidak ada"))
        return 0, {}
    actual = sha256_file(manifest_path)
    recorded = {expected.get(MANIFEST), stored.get("manifest_sha256") if stored else None} - {None}
    if any(r != actual for r in recorded):
        issues.append(EvidenceIssue(fid, MANIFEST, "altered",
                                    f"SHA-256 {actual} berbeda dari yang tercatat {sorted(recorded)[0]}"))
    try:
        return 1, json.loads(manifest_path.read_bytes())
    except ValueError:
        return 1, {}
