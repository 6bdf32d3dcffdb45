"""An alert as queued and sent, and the report of one delivery run."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Callable

from alerts.timeutil import iso, utc_now

KINDS = ("finding", "health", "digest", "test", "notice")


@dataclass
class Alert:
    """One alert. ``created`` defaults to ``clock()`` (UTC) when not given.

    ``clock`` is not stored; pass the caller's clock so tests with a fake clock
    get a fake ``created`` too.
    """

    id: str
    kind: str
    severity: str
    unit: str
    context: dict
    attachments: list[str] = field(default_factory=list)
    created: str = ""
    clock: Callable[[], datetime] = field(default=utc_now, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown alert kind {self.kind!r}")
        if not self.created:
            self.created = iso(self.clock())

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("clock")
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Alert":
        return cls(**{k: data[k] for k in ("id", "kind", "severity", "unit", "context",
                                           "attachments", "created") if k in data})


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    held: int = 0
    #: deliveries found with an abandoned claim (a crash mid-send; may be a duplicate)
    interrupted: int = 0
    results: list[dict] = field(default_factory=list)

    def add(self, other: "DeliveryReport") -> None:
        for key in ("sent", "failed", "dead", "held", "interrupted"):
            setattr(self, key, getattr(self, key) + getattr(other, key))
        self.results.extend(other.results)
