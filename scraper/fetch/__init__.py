"""Fetching pages: plain HTTP (:mod:`.http`) and the per-host politeness gate
(:mod:`.politeness`) shared with the browser fetcher."""
from __future__ import annotations

from .politeness import HostGate, host_key

__all__ = ["HostGate", "host_key"]
