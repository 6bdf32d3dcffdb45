"""What a finding is, in one place (the keys are a JSON contract: findings.json,
``findings list --json``, export, reports, alert templates).

:class:`Finding` is the typed form: the keys the pipeline writes are fields,
anything added later (a tip's ``source`` and ``tips``, a case's ``case``, review
names, keys of a newer version) rides along in ``extra`` and is written back
unchanged, so :meth:`Finding.from_json` / :meth:`Finding.to_json` round-trip
every stored document. The helpers below answer the questions many modules ask
of a finding (stored dict or :class:`Finding`).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Mapping

from alerts.alert import Alert
from alerts.timeutil import deadline, iso

from .models import Account, Person, Post

if TYPE_CHECKING:
    from alerts.detect import Detection


@dataclass
class Finding:
    """One finding as stored in ``findings.json`` (built by :func:`build_finding`)."""

    id: str
    account_key: str
    account_url: str
    platform: str
    #: {"name", "nip", "position", "unit"} of the watched person
    person: dict[str, str]
    nip: str
    post_id: str
    post_url: str
    published: str | None  # UTC ISO
    first_seen: str  # UTC ISO
    deadline: str | None  # UTC ISO
    severity: str  # alerts.severity.Severity value
    score: float | None
    matches: list[dict[str, Any]]
    terms: list[str]
    elections: list[str]
    text: str
    excerpt: str
    media: list[Any]
    change: str  # "new" | "edited"
    first_scan: bool
    status: str = "new"  # new | confirmed | dismissed
    review: list[dict[str, Any]] = field(default_factory=list)
    post_deleted_at: str | None = None
    evidence: dict[str, Any] | None = None
    #: every other key of the stored document, kept as it was
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Finding":
        """The typed finding of a stored document (missing keys: the defaults of an old file)."""
        known = {f.name for f in fields(cls)} - {"extra"}
        values: dict[str, Any] = {k: data[k] for k in known if k in data}
        for name, empty in _EMPTY.items():
            values.setdefault(name, empty() if callable(empty) else empty)
        values["extra"] = {k: v for k, v in data.items() if k not in known}
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        """The stored document: the fields in their usual order, then ``extra``."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        data.update(self.extra)
        return data

    # -- questions many modules ask --------------------------------------------
    @property
    def unit(self) -> str:
        return self.person.get("unit", "")

    @property
    def source(self) -> str:
        """``pantau`` (found by the daemon) or ``laporan`` (a tip)."""
        return str(self.extra.get("source") or "pantau")

    @property
    def case(self) -> dict[str, Any]:
        case = self.extra.get("case")
        return case if isinstance(case, dict) else {}

    @property
    def manifest_sha256(self) -> str | None:
        return evidence_manifest({"evidence": self.evidence})

    @property
    def has_evidence(self) -> bool:
        return self.manifest_sha256 is not None


#: defaults of the required fields for documents written by older versions
_EMPTY: dict[str, Any] = {
    "account_key": "", "account_url": "", "platform": "", "person": dict, "nip": "", "post_id": "",
    "post_url": "", "published": None, "first_seen": "", "deadline": None, "severity": "none",
    "score": None, "matches": list, "terms": list, "elections": list, "text": "", "excerpt": "",
    "media": list, "change": "new", "first_scan": False,
}


def as_json(finding: "Finding | Mapping[str, Any] | None") -> dict[str, Any]:
    """A stored document from either form (None: empty)."""
    if finding is None:
        return {}
    return finding.to_json() if isinstance(finding, Finding) else dict(finding)


def evidence_manifest(finding: "Finding | Mapping[str, Any] | None") -> str | None:
    """The SHA-256 of the finding's evidence manifest, or None when it has no evidence."""
    ev = finding.evidence if isinstance(finding, Finding) else (finding or {}).get("evidence")
    if isinstance(ev, dict) and isinstance(ev.get("manifest_sha256"), str) and ev["manifest_sha256"]:
        return ev["manifest_sha256"]
    return None


def has_evidence(finding: "Finding | Mapping[str, Any] | None") -> bool:
    """True when evidence was captured and recorded for the finding (a manifest exists)."""
    return evidence_manifest(finding) is not None


def finding_summary(finding: "Finding | Mapping[str, Any]") -> dict[str, Any]:
    """The finding as ``pantau findings list --json`` and the console's API list it (a contract)."""
    from .cases import case_fields

    f = finding if isinstance(finding, Finding) else Finding.from_json(finding)
    return {
        "id": f.id,
        "person": f.person["name"],
        "nip": f.person["nip"],
        "position": f.person["position"],
        "unit": f.person["unit"],
        "platform": f.platform,
        "account_url": f.account_url,
        "post_url": f.post_url,
        "post_id": f.post_id,
        "published": f.published,
        "severity": f.severity,
        "score": f.score,
        "matches": f.terms,
        "elections": f.elections,
        "first_seen": f.first_seen,
        "deadline": f.deadline,
        "first_scan": f.first_scan,
        "status": f.status,
        "post_deleted_at": f.post_deleted_at,
        "source": f.source,
        **case_fields(f.to_json()),
    }


# -- building a finding and its alert (the pipeline and tips) -------------------------------------

#: characters of post text around the first counted match kept as the finding's excerpt
EXCERPT_CHARS = 300


def counted_matches(detection: Detection) -> list[Any]:
    """The matches that count towards the score (not the "neutral" explanations)."""
    return [m for m in detection.matches if m.category != "neutral"]


def finding_id(account: Account, post_id: str, detection: Detection) -> str:
    """Same account, post and reason -> same id (never alerted twice)."""
    reason = ",".join(sorted({f"{m.category}:{m.term}" for m in counted_matches(detection)}))
    return hashlib.sha256(f"{account.key}|{post_id}|{reason}".encode()).hexdigest()[:16]


def excerpt(text: str, detection: Detection, limit: int = EXCERPT_CHARS) -> str:
    """The part of ``text`` around the first counted match, at most ``limit`` chars."""
    flat = text.replace("\r", "")
    if len(flat) <= limit:
        return flat
    starts = [m.start for m in counted_matches(detection)]
    start = max(0, min(starts) - limit // 3) if starts else 0
    cut = flat[start:start + limit]
    return ("…" if start else "") + cut + ("…" if start + limit < len(flat) else "")


def person_json(person: Person) -> dict[str, str]:
    return {"name": person.name, "nip": person.nip, "position": person.position, "unit": person.unit}


def build_finding(person: Person, account: Account, post: Post, detection: Detection, *,
                  now: datetime, change: str, first_scan: bool) -> dict[str, Any]:
    """The stored document of a new finding (its schema: :class:`scraper.finding.Finding`)."""
    fid = finding_id(account, post.post_id, detection)
    counted = counted_matches(detection)
    return Finding(
        id=fid,
        account_key=account.key,
        account_url=account.url,
        platform=account.platform,
        person=person_json(person),
        nip=person.nip,
        post_id=post.post_id,
        post_url=post.url,
        published=iso(post.published),
        first_seen=iso(now),
        deadline=iso(deadline(now)),
        severity=detection.severity,
        score=round(detection.score, 3),
        matches=[m.to_json() for m in detection.matches],
        terms=sorted({m.term for m in counted}),
        elections=list(detection.elections),
        text=post.text,
        excerpt=excerpt(post.text, detection),
        media=list(post.media),
        change=change,
        first_scan=first_scan,
    ).to_json()


#: the keys scraper.sources.annotate adds to a finding (kept in ``extra``) that its alert's
#: templates read
SOURCE_KEYS = ("source_note", "source_short", "fields", "image_only", "share", "profile_change")


def finding_alert(finding: "Finding | Mapping[str, Any]", election_names: dict[str, str]) -> Alert:
    """The alert of a finding: its template context carries the finding's fields."""
    f = finding if isinstance(finding, Finding) else Finding.from_json(finding)
    context: dict[str, Any] = {
        "platform": f.platform, "account_url": f.account_url, "post_url": f.post_url, "post_id": f.post_id,
        "published": f.published, "first_seen": f.first_seen, "deadline": f.deadline, "severity": f.severity,
        "score": f.score, "matches": f.matches, "terms": f.terms, "excerpt": f.excerpt,
        "first_scan": f.first_scan, "change": f.change, "person": f.person,
    }
    # where the words came from (text in images, a share, a profile: scraper/sources.py)
    context.update({k: f.extra.get(k) for k in SOURCE_KEYS})
    context["finding_id"] = f.id
    context["elections"] = [{"id": e, "name": election_names.get(e, e)} for e in f.elections]
    evidence = f.evidence or {}
    context["evidence"] = {"screenshot": evidence.get("screenshot"), "sha256": evidence.get("screenshot_sha256")}
    attachments = [evidence["screenshot"]] if evidence.get("screenshot") else []
    return Alert(id=f"finding:{f.id}", kind="finding", severity=f.severity, unit=f.unit,
                 context=context, attachments=attachments, created=f.first_seen)
