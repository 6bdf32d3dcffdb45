"""Raw lexicon hits: the kinds, their base weights, and dropping hits inside longer ones.

Split out of :mod:`alerts.scoring` (which re-exports these names) to keep modules small.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field

from alerts.lexicon import Term


WEIGHTS = {
    "pair": 3.0, "hashtag": 3.0, "slogan": 3.0, "name": 2.5, "gesture_strong": 2.0,
    "alias": 1.5, "party": 1.5, "number_explicit": 1.0, "nickname": 1.5, "fuzzy": 1.0, "unknown": 1.0,
}
WEAK_KINDS = frozenset({"ambiguous", "acronym", "weak_slogan", "party_ambiguous", "number", "gesture", "emoji",
                        "handle"})
NUMBER_KINDS = frozenset({"number", "number_explicit", "gesture", "gesture_strong", "emoji"})
CANDIDATE_KINDS = frozenset({"pair", "hashtag", "slogan", "name", "alias", "ambiguous", "acronym", "weak_slogan",
                             "nickname", "handle", "fuzzy"})
PARTY_KINDS = frozenset({"party", "party_ambiguous"})


@dataclass(slots=True)
class Hit:
    """One raw match before scoring; ``t0``..``t1`` are token indices (inclusive)."""

    kind: str
    term: str
    t0: int
    t1: int
    start: int
    end: int
    election: str | None = None
    number: int | None = None  # candidate, party or signalled ballot number
    party: str | None = None
    context: str | None = None
    upper: bool = False
    weight: float = 0.0
    reason: str = ""
    ignored: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def candidate_key(self) -> tuple[str, int] | None:
        if self.kind in CANDIDATE_KINDS and self.election and self.number is not None:
            return (self.election, self.number)
        return None

    def distance(self, other: "Hit") -> int:
        if self.t1 < other.t0:
            return other.t0 - self.t1
        if other.t1 < self.t0:
            return self.t0 - other.t1
        return 0


BY_SPAN = operator.attrgetter("start", "end")  # sort key: (start, end), without a Python call per item


def hit_from_term(term: Term, t0: int, t1: int, start: int, end: int, upper: bool = False) -> Hit:
    kind = term.kind
    if kind == "gesture" and term.strong:
        kind = "gesture_strong"
    return Hit(kind, term.text, t0, t1, start, end, term.election, term.number, term.party,
               term.context, upper)


def drop_contained(hits: list[Hit]) -> list[Hit]:
    """Drop hits inside a longer hit about the same thing ("Prabowo" in "Prabowo Subianto")."""
    order = sorted(hits, key=lambda h: (-(h.t1 - h.t0), -(h.end - h.start), -WEIGHTS.get(h.kind, 0.0)))
    kept: list[Hit] = []
    # kept hits by every token they cover: a hit that contains or overlaps ``hit`` covers one of
    # hit's tokens, so only those are compared (the same tests as against all kept hits)
    at: dict[int, list[Hit]] = {}
    odd = False  # a kept hit with an empty token range: then every kept hit is compared
    for hit in order:
        t0, t1 = hit.t0, hit.t1
        if odd or t1 < t0:
            near = kept
        elif t0 == t1:
            near = at.get(t0, ())
        else:
            near = [k for i in range(t0, t1 + 1) for k in at.get(i, ())]
        if near and _covered(hit, near):
            continue
        kept.append(hit)
        if t1 < t0:
            odd = True
        for i in range(t0, t1 + 1):
            at.setdefault(i, []).append(hit)
    return sorted(kept, key=BY_SPAN)


def _covered(hit: Hit, near: list[Hit] | tuple[Hit, ...]) -> bool:
    """True when a kept hit in ``near`` makes ``hit`` redundant (see :func:`drop_contained`)."""
    if hit.kind == "neutral":
        # "calon bupati" is a campaign term, not the office title "bupati"
        return any(k.kind == "campaign" and k.t0 <= hit.t0 and hit.t1 <= k.t1 for k in near)
    key = hit.candidate_key
    if key and any(k.candidate_key == key and k.t0 <= hit.t1 and hit.t0 <= k.t1 for k in near):
        return True  # overlapping mentions of one candidate ("Prof Mahfud" / "Mahfud MD") count once
    return any(
        k.kind != "neutral" and k.t0 <= hit.t0 and hit.t1 <= k.t1 and k.start <= hit.start and hit.end <= k.end
        and (k.t1 - k.t0, k.end - k.start) != (hit.t1 - hit.t0, hit.end - hit.start)
        and _same_subject(k, hit)
        for k in near
    )


def _same_subject(outer: Hit, inner: Hit) -> bool:
    if inner.kind in ("campaign", "call_phrase", "support", "call"):
        return True
    if inner.candidate_key is not None:
        return inner.candidate_key == outer.candidate_key
    if inner.party is not None:
        return inner.party == outer.party
    if inner.kind in NUMBER_KINDS:
        return outer.kind in NUMBER_KINDS or outer.candidate_key is not None
    return False
