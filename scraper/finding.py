"""What a finding is, in one place (the keys are a JSON contract: findings.json,
``findings list --json``, export, reports).

Today a finding travels as a dict built by :func:`scraper.pipeline.build_finding`;
the helpers here are the one answer to questions asked about it in many modules.
"""
from __future__ import annotations

from typing import Any


def evidence_manifest(finding: dict[str, Any] | None) -> str | None:
    """The SHA-256 of the finding's evidence manifest, or None when it has no evidence."""
    ev = (finding or {}).get("evidence")
    if isinstance(ev, dict) and isinstance(ev.get("manifest_sha256"), str) and ev["manifest_sha256"]:
        return ev["manifest_sha256"]
    return None


def has_evidence(finding: dict[str, Any] | None) -> bool:
    """True when evidence was captured and recorded for the finding (a manifest exists)."""
    return evidence_manifest(finding) is not None


def finding_summary(f: dict) -> dict:
    """The finding as ``pantau findings list --json`` and the console's API list it (a contract)."""
    from .cases import case_fields, source_of

    return {
        "id": f["id"],
        "person": f["person"]["name"],
        "nip": f["person"]["nip"],
        "position": f["person"]["position"],
        "unit": f["person"]["unit"],
        "platform": f["platform"],
        "account_url": f["account_url"],
        "post_url": f["post_url"],
        "post_id": f["post_id"],
        "published": f.get("published"),
        "severity": f["severity"],
        "score": f.get("score"),
        "matches": f.get("terms", []),
        "elections": f.get("elections", []),
        "first_seen": f["first_seen"],
        "deadline": f.get("deadline"),
        "first_scan": f.get("first_scan", False),
        "status": f["status"],
        "post_deleted_at": f.get("post_deleted_at"),
        "source": source_of(f),
        **case_fields(f),
    }
