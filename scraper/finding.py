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
