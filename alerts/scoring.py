"""Scoring of raw lexicon hits: neutralising contexts, corroboration, proximity, periods.

The model (documented in docs/lexicon.md):

* targets point at a candidate, party or ballot number. Strong targets count alone
  (pair name, hashtag, slogan, full name, strong gesture phrase); medium ones count less
  (alias, party, explicit "nomor urut N"); weak ones (ambiguous words, acronyms written
  in capitals, weak slogans, bare numbers, gesture emoji) count only when corroborated;
* calls (coblos, pilih, dukung, ...) and support phrases add a bonus only when near a
  counted target; election terms (paslon, capres) corroborate weak targets;
* neutralising contexts switch classes of signals off within a window;
* targets of an election whose campaign period contains the post's time weigh more.
"""
from __future__ import annotations

import datetime

# Re-exported: decide.py, detect.py and targets.py import these from here.
from alerts.hits import (  # noqa: F401
    BY_SPAN,
    CANDIDATE_KINDS,
    NUMBER_KINDS,
    PARTY_KINDS,
    WEAK_KINDS,
    WEIGHTS,
    Hit,
    drop_contained,
    hit_from_term,
)
from alerts.lexicon import Lexicon
from alerts.timeutil import WITA

CALL_KINDS = frozenset({"call", "call_phrase", "support"})
WEAK_WEIGHT = 1.0
TITLE_WEIGHT = 0.5
PARTY_EXTRA_WEIGHT = 0.5
BONUS = {"call": 2.0, "call_phrase": 2.0, "support": 1.5}
CAMPAIGN_BONUS = 0.5
MAX_BONUS = 4.0
MAX_CAMPAIGN_BONUS = 1.0
NEAR = 6  # tokens between a call and its target
CORROBORATE_NEAR = 8  # tokens between an election term and a weak target
IN_CAMPAIGN_FACTOR = 1.5

_SUPPRESS_CLASS = {
    "call": "call", "call_phrase": "call", "support": "call", "campaign": "campaign",
    "ambiguous": "weak", "acronym": "weak", "weak_slogan": "weak", "party_ambiguous": "weak",
    "name": "title", "alias": "title", "nickname": "title", "fuzzy": "title",
}


# The reason of a counted target, by kind: (hit, description of what it points at) -> text.
_LABELS = {
    "name": lambda hit, what: f"nama lengkap {what}", "pair": lambda hit, what: f"nama pasangan {what}",
    "alias": lambda hit, what: f"nama panggilan {what}", "hashtag": lambda hit, what: f"tagar kampanye {what}",
    "slogan": lambda hit, what: f"jargon/slogan {what}",
    "ambiguous": lambda hit, what: f"'{hit.term}' (ambigu) merujuk {what}",
    "acronym": lambda hit, what: f"singkatan pasangan (kapital) {what}",
    "weak_slogan": lambda hit, what: f"jargon umum '{hit.term}' merujuk {what}",
    "party": lambda hit, what: f"nama {what}", "party_ambiguous": lambda hit, what: f"'{hit.term}' merujuk {what}",
    "number_explicit": lambda hit, what: f"nomor urut {hit.number}",
    "nickname": lambda hit, what: f"julukan/sebutan '{hit.term}' untuk {what}",
    "handle": lambda hit, what: f"akun calon {hit.term}: {what}",
    "fuzzy": lambda hit, what: f"{hit.reason or hit.term} ({what})", "unknown": lambda hit, what: hit.reason,
    "number": lambda hit, what: f"nomor {hit.number}", "gesture": lambda hit, what: f"sebutan gestur {hit.number} jari",
    "gesture_strong": lambda hit, what: f"salam/gestur kampanye {hit.number} jari",
    "emoji": lambda hit, what: f"emoji/gestur angka {hit.number}",
}


class _Proximity:
    """``any(t.distance(hit) <= window for t in hits)`` answered from the tokens the hits cover.

    Two spans are within ``window`` tokens of each other exactly when one of the tokens of the
    first lies in the second widened by ``window`` on both sides; with many hits, looking the
    few tokens of that window up is cheaper than measuring every hit. Few hits are scanned."""

    def __init__(self, hits: list[Hit]):
        self.hits = hits
        self.at: dict[int, list[int]] | None = None  # token -> positions in ``hits`` of the hits covering it
        if len(hits) > 8 and all(h.t0 <= h.t1 for h in hits):
            self.at = {}
            for index, h in enumerate(hits):
                for i in range(h.t0, h.t1 + 1):
                    self.at.setdefault(i, []).append(index)

    def any(self, hit: Hit, window: int) -> bool:
        if self.at is None or hit.t1 < hit.t0:
            return any(t.distance(hit) <= window for t in self.hits)
        return not self.at.keys().isdisjoint(range(hit.t0 - window, hit.t1 + window + 1))

    def first(self, hit: Hit, window: int) -> Hit | None:
        """``next((t for t in hits if t.distance(hit) <= window), None)``: the earliest in list order."""
        if self.at is None or hit.t1 < hit.t0:
            return next((t for t in self.hits if t.distance(hit) <= window), None)
        best = None
        for i in range(hit.t0 - window, hit.t1 + window + 1):
            covering = self.at.get(i)
            if covering and (best is None or covering[0] < best):
                best = covering[0]
        return None if best is None else self.hits[best]


class Scorer:
    """Scores the hits of one post; holds no state between posts."""

    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon
        self._party_candidates: dict[str, set[tuple[str, int]]] = {}
        for election in lexicon.elections:
            for cand in election.candidates:
                for pid in cand.parties:
                    self._party_candidates.setdefault(pid, set()).add((election.id, cand.number))
        self._elections = {e.id: e for e in lexicon.elections}

    # -- helpers -------------------------------------------------------------------

    def _describe(self, hit: Hit) -> str:
        election = self._elections.get(hit.election or "")
        if hit.candidate_key and election:
            cand = self.lexicon.candidate(election.id, hit.number or 0)
            pair = cand.pair if cand else "?"
            return f"calon no. {hit.number} {election.name} ({pair})"
        if hit.party:
            return f"partai {hit.term} (no. {hit.number})" if hit.number else f"partai {hit.term}"
        if hit.number is not None:
            return f"nomor {hit.number}"
        return hit.term

    def _agrees(self, a: Hit, b: Hit) -> bool:
        """True when two targets point at the same candidate, party or number."""
        if a is b or a.term == b.term:
            return False
        ka, kb = a.candidate_key, b.candidate_key
        if ka and kb:
            return ka == kb
        if ka and b.kind in NUMBER_KINDS:
            return ka[1] == b.number
        if kb and a.kind in NUMBER_KINDS:
            return kb[1] == a.number
        if a.kind in NUMBER_KINDS and b.kind in NUMBER_KINDS:
            return a.number == b.number
        if a.party and kb:
            return kb in self._party_candidates.get(a.party, set())
        if b.party and ka:
            return ka in self._party_candidates.get(b.party, set())
        if a.party and b.party:
            return a.party == b.party
        return False

    # -- the model ---------------------------------------------------------------

    def score(self, hits: list[Hit], n_tokens: int, mostly_caps: bool,
              when: datetime.datetime | None) -> tuple[float, list[Hit], list[str]]:
        """Weigh ``hits`` in place; return (score, hits, election ids by relevance)."""
        neutral = [h for h in hits if h.kind == "neutral"]
        live = [h for h in hits if h.kind != "neutral"]
        targets = self._targets(live, self._suppressions(live, neutral), mostly_caps)
        campaign = [h for h in live if h.kind == "campaign" and not h.ignored]
        calls = [h for h in live if h.kind in CALL_KINDS and not h.ignored]
        self._corroborate(targets, campaign, calls)
        # office titles: a name next to "Bupati"/"Presiden" is news unless something else is there
        counted = [h for h in targets if h.weight > 0]
        near_counted = _Proximity(counted)
        bonus = self._call_bonus(calls, near_counted)
        _titles_and_parties(counted, bonus)
        cbonus = _campaign_bonus(campaign, counted, near_counted, targets)
        # attribution and campaign periods
        elections = self._attribute(counted)
        active = self._active(when)
        total = self._in_period(counted, active, bonus + cbonus)
        for ctx in neutral:
            rule = self.lexicon.neutral[ctx.context or ""]
            ctx.reason = f"konteks penetral: {rule.reason}"
        order = elections or [e for e in self.lexicon.elections if e.id in active and total > 0 and any(
            h.kind in NUMBER_KINDS for h in counted)]
        ids = [e if isinstance(e, str) else e.id for e in order]
        return round(total, 2), hits, ids

    def _suppressions(self, live: list[Hit], neutral: list[Hit]) -> dict[int, str]:
        """Index in ``live`` -> the reason of the neutral context that suppresses that hit."""
        suppressed: dict[int, str] = {}
        rules = [(ctx, self.lexicon.neutral[ctx.context or ""]) for ctx in neutral]
        for i, hit in enumerate(live):
            cls = "number" if hit.kind in NUMBER_KINDS else _SUPPRESS_CLASS.get(hit.kind)
            for ctx, rule in rules:
                if cls not in rule.suppresses:
                    continue  # (the test below is pure: asking it first changes nothing)
                if cls == "title":  # an office title comes before the name: "Bupati PPU Mudyat Noor"
                    applies = ctx.t1 < hit.t0 and hit.t0 - ctx.t1 <= max(rule.window, 1)
                else:
                    applies = rule.window == 0 or hit.distance(ctx) <= rule.window
                if applies:
                    suppressed[i] = rule.reason
                    break
        return suppressed

    @staticmethod
    def _targets(live: list[Hit], suppressed: dict[int, str], mostly_caps: bool) -> list[Hit]:
        """Mark suppressed hits and lower-case acronyms ignored; the rest that are not calls or
        campaign terms are the targets (a suppressed office title stays, with a note)."""
        targets: list[Hit] = []
        for i, hit in enumerate(live):
            reason = suppressed.get(i)
            if reason and _SUPPRESS_CLASS.get(hit.kind) != "title":
                hit.ignored = True
                hit.reason = f"'{hit.term}' tidak dihitung: {reason}"
            elif hit.kind == "acronym" and (not hit.upper or mostly_caps):
                hit.ignored = True
                hit.reason = f"'{hit.term}' bukan huruf kapital: kata biasa, bukan singkatan pasangan"
            elif hit.kind not in CALL_KINDS and hit.kind != "campaign":
                if reason:
                    hit.notes.append(reason)
                targets.append(hit)
        return targets

    def _corroborate(self, targets: list[Hit], campaign: list[Hit], calls: list[Hit]) -> None:
        """Strong targets get their weight; a weak one counts only next to something that supports it."""
        near_campaign, near_calls = _Proximity(campaign), _Proximity(calls)
        for hit in targets:
            if hit.kind not in WEAK_KINDS:
                hit.weight = WEIGHTS[hit.kind]
                continue
            # the first supporting hit in this order names the support (the rest do not matter)
            first = next((o for o in targets if not o.ignored and self._agrees(hit, o)), None)
            if first is None:
                first = near_campaign.first(hit, CORROBORATE_NEAR)
            if first is None and hit.kind in NUMBER_KINDS:
                first = near_calls.first(hit, NEAR)
            if first is not None:
                hit.weight = WEAK_WEIGHT
                hit.notes.append(f"dikuatkan oleh '{first.term}'")
            else:
                hit.ignored = True
                hit.reason = f"'{hit.term}' sinyal lemah/ambigu tanpa penguat: tidak dihitung"

    def _call_bonus(self, calls: list[Hit], near_counted: _Proximity) -> float:
        """A call or support phrase counts only near a counted target; the bonus they add up to."""
        bonus = 0.0
        for call in calls:
            near = near_counted.first(call, NEAR)
            if near is not None:
                gain = min(BONUS[call.kind], MAX_BONUS - bonus)
                bonus += gain
                call.weight = gain
                call.reason = f"ajakan/dukungan '{call.term}' dekat {self._describe(near)}"
            else:
                call.ignored = True
                call.reason = f"ajakan '{call.term}' tanpa calon/nomor/partai di dekatnya: tidak dihitung"
        return bonus

    def _in_period(self, counted: list[Hit], active: set[str], total: float) -> float:
        """Weigh counted hits up inside a campaign period and give each its reason; ``total``
        plus their weights (added in this order, as the score always was)."""
        for hit in counted:
            factor = 1.0
            if hit.election and hit.election in active:
                factor = IN_CAMPAIGN_FACTOR
            elif hit.election is None and active:
                factor = IN_CAMPAIGN_FACTOR
            hit.weight *= factor
            total += hit.weight
            if not hit.reason:
                hit.reason = self._target_reason(hit)
            if factor > 1:
                hit.reason += " (dalam masa kampanye)"
        return total

    def _target_reason(self, hit: Hit) -> str:
        what = self._describe(hit)
        label = _LABELS.get(hit.kind)  # only the label of this kind is formatted
        reason = label(hit, what) if label else what
        if hit.notes:
            reason += "; " + "; ".join(hit.notes)
        return reason

    def _attribute(self, counted: list[Hit]) -> list[str]:
        weights: dict[str, float] = {}
        for hit in counted:
            if hit.election:
                weights[hit.election] = weights.get(hit.election, 0.0) + hit.weight
        ranked = sorted(weights, key=lambda e: -weights[e])
        if len(ranked) >= 1:
            # numbers and gestures: attribute to the best election if one has a candidate with that number
            for hit in counted:
                if hit.kind in NUMBER_KINDS and hit.election is None:
                    for eid in ranked:
                        if self.lexicon.candidate(eid, hit.number or 0):
                            hit.election = eid
                            break
        return ranked

    def _active(self, when: datetime.datetime | None) -> set[str]:
        """Elections in their campaign on the WITA day of ``when`` (a naive time is UTC)."""
        if when is None:
            return set()
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        day = when.astimezone(WITA).date()  # campaign days are WITA days
        return {e.id for e in self.lexicon.elections if e.in_campaign(day)}


def _titles_and_parties(counted: list[Hit], bonus: float) -> None:
    """Without a call: a name under an office title is news (low weight), and several parties
    and nothing else is a news item about parliament (every party after the first counts less)."""
    titled = [h for h in counted if h.notes and h.kind in ("name", "alias")]
    strong_other = any(h.kind in ("pair", "hashtag", "slogan", "number_explicit", "gesture_strong")
                       for h in counted)
    for hit in titled:
        if bonus == 0 and not strong_other:
            hit.weight = TITLE_WEIGHT
    if bonus == 0:
        for extra in [h for h in counted if h.kind in PARTY_KINDS][1:]:
            extra.weight = min(extra.weight, PARTY_EXTRA_WEIGHT)


def _campaign_bonus(campaign: list[Hit], counted: list[Hit], near_counted: "_Proximity",
                    targets: list[Hit]) -> float:
    """Election terms near a counted target add a little (capped); alone they only corroborate."""
    cbonus = 0.0
    near_target = _Proximity(targets) if campaign else None
    for term in campaign:
        if counted and cbonus < MAX_CAMPAIGN_BONUS and near_counted.any(term, CORROBORATE_NEAR):
            term.weight = CAMPAIGN_BONUS
            cbonus += CAMPAIGN_BONUS
            term.reason = f"istilah pemilu '{term.term}' dekat calon/nomor"
        else:
            term.reason = f"istilah pemilu '{term.term}' (hanya penguat)"
            term.ignored = term.weight == 0 and not near_target.any(term, CORROBORATE_NEAR)
    return cbonus
