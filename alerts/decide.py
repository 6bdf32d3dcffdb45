"""The final call: lexicon signals + who the post is about + its stance -> score and severity.

Real posts taught two lessons (docs/lexicon.md, "Real posts"): a candidate's name alone says
nothing (news names candidates all the time), and most violations judge a candidate
without any call word. So the score is

    explicit signals (hashtags, slogans, gestures, ballot numbers, calls near a target)
  + a small credit for naming a candidate (capped)
  + STANCE_WEIGHT * (P(takes a side) - 0.5)            when a candidate is named
  - NEWS_PENALTY                                       when the post reads as news

and the usual thresholds turn it into a severity. Without the stance model (file missing)
the rule score is used unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from alerts.scoring import IN_CAMPAIGN_FACTOR, Hit
from alerts.stance import Stance

if TYPE_CHECKING:
    from alerts.detect import Thresholds

EXPLICIT_KINDS = frozenset({"hashtag", "slogan", "gesture_strong", "number", "gesture", "emoji",
                            "call", "call_phrase", "support"})
CAMPAIGN_TAGS = frozenset({"hashtag", "slogan", "gesture_strong"})
NAME_KINDS = frozenset({"number_explicit", "campaign", "name", "pair", "alias", "nickname", "fuzzy", "unknown", "party", "party_ambiguous",
                        "ambiguous", "acronym", "weak_slogan", "handle"})
TARGET_CREDIT = 1.0  # naming a candidate in a post about politics
NAME_FACTOR = 0.3  # the lexicon weight of names counts a little ...
NAME_CAP = 1.0  # ... and never on its own past the review list
STANCE_WEIGHT = 6.0
STANCE_CENTER = 0.3  # P(side) at which the stance adds nothing
NEWS_PENALTY = 3.0
UNKNOWN_CAP = 4.5
STANCE_CUES = frozenset({"praise", "attack", "reporting"})
EVAL_POINTS = 1.5  # a praise/attack word near a named candidate
MAX_EVAL = 3.0
EVAL_NEAR = 6  # a candidate outside the lexicon never reaches "high"


@dataclass(frozen=True)
class Decision:
    score: float
    severity: str
    stance: Stance | None


def _overlap(a: Hit, b: Hit) -> bool:
    return a.t0 <= b.t1 and b.t0 <= a.t1


def _weigh_cues(cues: list[Hit], targets: list[Hit], near_limit: int = EVAL_NEAR) -> float:
    """Praise/attack words count when near a named candidate; each gets its reason."""
    total = 0.0
    for cue in sorted(cues, key=lambda c: (c.t0, -(c.t1 - c.t0))):
        if cue.kind == "reporting":
            cue.ignored = True
            cue.reason = f"gaya pemberitaan: '{cue.term}' (menurunkan skor)"
            continue
        if any(o is not cue and o.weight > 0 and o.t0 <= cue.t0 and cue.t1 <= o.t1 for o in cues):
            cue.ignored = True
            cue.reason = f"'{cue.term}' bagian dari ungkapan yang sudah dihitung"
            continue
        near = [t for t in targets if t.distance(cue) <= near_limit and not _overlap(t, cue)]
        what = "menilai calon secara positif" if cue.kind == "praise" else "menyerang/merendahkan calon"
        if near and total < MAX_EVAL:
            cue.weight = min(EVAL_POINTS, MAX_EVAL - total)
            total += cue.weight
            cue.reason = f"{what}: '{cue.term}' dekat '{near[0].term}'"
        else:
            cue.ignored = True
            cue.reason = f"'{cue.term}' tanpa calon di dekatnya: tidak dihitung"
    return total


def decide(rule_score: float, hits: list[Hit], cues: list[Hit], targets: list[Hit], stance: Stance | None,
           thresholds: "Thresholds", in_campaign: bool = False, near: int = EVAL_NEAR) -> Decision:
    """``in_campaign``: a named candidate's campaign period contains the post's time (score x1.5)."""
    if stance is None:
        for cue in cues:
            cue.ignored = True
            cue.reason = f"'{cue.term}': sikap tidak dinilai (model sikap tidak ada)"
        return Decision(rule_score, thresholds.severity(rule_score), None)
    tagged = any(h.kind in CAMPAIGN_TAGS and h.weight > 0 and h.candidate_key for h in hits)
    news = stance.news and not tagged  # news with the pair's campaign hashtag appended still campaigns
    kinds = CAMPAIGN_TAGS if news else EXPLICIT_KINDS  # a report quotes calls ("deklarasi dukung X")
    explicit = sum(h.weight for h in hits if h.kind in kinds and not h.ignored)
    names = sum(h.weight for h in hits if h.kind in NAME_KINDS and not h.ignored)
    if explicit > 0 and not news:  # a name with a number, gesture or call next to it: full weight
        score = explicit + names
    else:
        score = explicit + NAME_FACTOR * min(names, NAME_CAP / NAME_FACTOR)
    score += _weigh_cues(cues, targets, near)
    for target in targets:  # weak references the stance decision relies on are shown, not hidden
        if target.ignored and target.kind != "unknown":
            target.ignored = False
            target.reason = f"'{target.term}' merujuk calon (dinilai bersama sikap unggahan)"
    if targets:
        score += TARGET_CREDIT + STANCE_WEIGHT * (stance.side - STANCE_CENTER)
    if news:
        score -= NEWS_PENALTY
    if targets and all(h.kind == "unknown" for h in targets):
        score = min(score, UNKNOWN_CAP)
    if in_campaign:
        score *= IN_CAMPAIGN_FACTOR
    score = round(max(score, 0.0), 2)
    return Decision(score, thresholds.severity(score), stance)
