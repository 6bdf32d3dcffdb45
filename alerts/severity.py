"""Severity of a finding: an ordered string enum ("none" < "low" < "medium" < "high").

It is a :class:`enum.StrEnum`, so a member equals its JSON string
(``Severity.HIGH == "high"``) and is written as that string everywhere (JSON
files, templates, config); comparisons follow the ranking, not the alphabet.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANK[self]

    # str's own __eq__/__hash__ stay (a member equals its string); the four
    # orderings are by rank (str defines them all, so each is spelled out).
    def _cmp(self, other: object) -> int | None:
        if not isinstance(other, str):
            return None
        return self.rank - Severity(other).rank

    def __lt__(self, other: object) -> bool:
        d = self._cmp(other)
        return NotImplemented if d is None else d < 0

    def __le__(self, other: object) -> bool:
        d = self._cmp(other)
        return NotImplemented if d is None else d <= 0

    def __gt__(self, other: object) -> bool:
        d = self._cmp(other)
        return NotImplemented if d is None else d > 0

    def __ge__(self, other: object) -> bool:
        d = self._cmp(other)
        return NotImplemented if d is None else d >= 0

    __hash__ = str.__hash__

    def at_least(self, minimum: str) -> bool:
        """True when this severity is ``minimum`` or above."""
        return self.rank >= Severity(minimum).rank

    @classmethod
    def rank_of(cls, value: object, default: int = 0) -> int:
        """Rank of a stored value; ``default`` for a missing or unknown one (old or hand-edited files)."""
        try:
            return cls(value).rank
        except ValueError:
            return default


_RANK = {s: i for i, s in enumerate(Severity)}
#: the severities, lowest first (as strings)
SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)


@dataclass(frozen=True)
class Thresholds:
    """Score thresholds (here, not in alerts.detect, so that the composition root needs
    no detector to read them); a score at or above a threshold reaches that severity."""

    low: float
    medium: float
    high: float

    def severity(self, score: float) -> str:
        if score >= self.high:
            return "high"
        if score >= self.medium:
            return "medium"
        if score >= self.low:
            return "low"
        return "none"


DEFAULT_THRESHOLDS = Thresholds(low=1.5, medium=3.0, high=6.0)
