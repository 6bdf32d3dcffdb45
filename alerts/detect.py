"""The detector: does a post look like campaigning, and why.

``Detector(lexicon).detect(text, when)`` is pure: it normalises the text, finds lexicon
terms with one Aho-Corasick automaton (cost independent of the number of terms), adds
emoji gestures, ballot numbers and stemmed campaign verbs, then scores them
(:mod:`alerts.scoring`). Every match carries a ``reason`` in Indonesian for staff.

Match categories: candidate, pair, alias, ambiguous, acronym, slogan, hashtag, party,
number, gesture, call, support, campaign, neutral (a neutralising context or a signal
that did not count; its reason says why).
"""
from __future__ import annotations

import bisect
import datetime
import logging
import re
import string
from dataclasses import dataclass

import ahocorasick
from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

from alerts.decide import EVAL_NEAR, STANCE_CUES, Decision, decide
from alerts.lexicon import Lexicon, Term
from alerts.normalize import GESTURES, NormalizedText, find_emoji_signals, normalize
from alerts.scoring import BONUS, BY_SPAN, Hit, Scorer, drop_contained, hit_from_term
from alerts.severity import DEFAULT_THRESHOLDS, Severity, Thresholds  # noqa: F401 (re-exported)
from alerts.stance import Stance, StanceModel, default_model
from alerts.targets import TargetFinder, in_spans, is_strong_reference, political_context, url_spans

log = logging.getLogger(__name__)

_CATEGORY = {
    "name": "candidate", "pair": "pair", "alias": "alias", "ambiguous": "ambiguous", "acronym": "acronym",
    "slogan": "slogan", "weak_slogan": "slogan", "hashtag": "hashtag", "party": "party",
    "party_ambiguous": "party", "number": "number", "number_explicit": "number", "gesture": "gesture",
    "gesture_strong": "gesture", "emoji": "gesture", "call": "call", "call_phrase": "call",
    "support": "support", "campaign": "campaign", "neutral": "neutral", "nickname": "alias", "handle": "handle",
    "fuzzy": "alias", "unknown": "unknown", "praise": "praise", "attack": "attack", "reporting": "reporting",
}
_EMOJI_MARKS = ("\u20e3", *GESTURES)  # every match of find_emoji_signals holds one of these
_NUMBER_WORDS = {"satu": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5}
_BALLOT_WORDS = frozenset({"paslon", "capres", "cawapres", "cabup", "cawabup", "cagub", "cawagub", "kandidat",
                           "calon", "pasangan", "pilih", "coblos", "dukung", "contreng", "menangkan"})
_CALL_WORDS = frozenset({"pilih", "coblos", "dukung", "contreng", "menangkan"})
_NOUN_PREFIXES = ("pe", "ke", "per")
_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w+)+")
SHORT_POST = 25  # tokens: in a post this short every praise/attack word is about the candidate named


def severity_at_least(severity: str, minimum: str) -> bool:
    """True when ``severity`` is ``minimum`` or above (see :class:`alerts.severity.Severity`)."""
    return Severity(severity).at_least(minimum)


@dataclass(frozen=True)
class Match:
    term: str
    category: str
    start: int
    end: int
    reason: str
    election: str | None = None
    candidate: str | None = None

    def to_json(self) -> dict:
        return {"term": self.term, "category": self.category, "start": self.start, "end": self.end,
                "reason": self.reason, "election": self.election, "candidate": self.candidate}

    @classmethod
    def make(cls, term: str, category: str, start: int, end: int, reason: str, election: str | None = None,
             candidate: str | None = None) -> "Match":
        """The same object as ``Match(...)``, built ~3x faster (posts make tens of matches).

        The generated frozen ``__init__`` sets each field through ``object.__setattr__``; this
        sets the instance dict once, the same way (fields, equality, hash, repr, immutability
        are those of the dataclass)."""
        obj = object.__new__(cls)
        object.__setattr__(obj, "__dict__", {"term": term, "category": category, "start": start, "end": end,
                                             "reason": reason, "election": election, "candidate": candidate})
        return obj


@dataclass(frozen=True)
class Detection:
    score: float
    severity: str
    matches: tuple[Match, ...]
    elections: tuple[str, ...]
    stance: Stance | None = None
    rule_score: float = 0.0

    def to_json(self) -> dict:
        return {"score": self.score, "severity": self.severity,
                "matches": [m.to_json() for m in self.matches], "elections": list(self.elections),
                "stance": self.stance.to_json() if self.stance else None}


class Detector:
    """Compiled matcher for one lexicon. Build once, call :meth:`detect` per post."""

    def __init__(self, lexicon: Lexicon, thresholds: Thresholds = DEFAULT_THRESHOLDS,
                 stance_model: StanceModel | None | bool = True):
        self.lexicon = lexicon
        self.thresholds = thresholds
        self.stance_model = default_model() if stance_model is True else (stance_model or None)
        self._scorer = Scorer(lexicon)
        grouped: dict[str, list[Term]] = {}  # automaton key -> its terms
        seen: set[tuple] = set()
        for term in lexicon.terms:
            ident = (term.key, term.kind, term.election, term.number, term.party, term.context)
            if ident not in seen:  # "Prabowo-Gibran" and "Prabowo Gibran" share a key
                seen.add(ident)
                grouped.setdefault(f" {term.key} ", []).append(term)
        self._automaton = ahocorasick.Automaton()
        for key, terms in grouped.items():
            # each term as the Hit fields it gives (hit_from_term, without a call per match)
            fields = tuple(("gesture_strong" if t.kind == "gesture" and t.strong else t.kind, t.text, t.election,
                            t.number, t.party, t.context) for t in terms)
            self._automaton.add_word(key, (len(key), fields))
        self._automaton.make_automaton()
        factory = StemmerFactory()
        self._stemmer = factory.create_stemmer()
        self._call_terms = {root: Term(root, root, "call") for root in lexicon.call_roots}
        self._root_cache: dict[str, str | None] = {}
        self._targets = TargetFinder(lexicon, frozenset(factory.get_words_from_file()))
        fragments = set(lexicon.call_roots)
        fragments |= {r[1:] for r in lexicon.call_roots if r[:1] in "ptks" and len(r) > 4}
        # "contains one of the fragments" as one regular expression instead of a loop per word
        self._fragments = re.compile("|".join(re.escape(f) for f in sorted(fragments, key=lambda f: (-len(f), f)))
                                     or "(?!)")
        self._max_number = max([c.number for e in lexicon.elections for c in e.candidates]
                               + [p.number or 0 for p in lexicon.parties] + [1])
        log.debug("detector ready: %d automaton keys", len(grouped))

    # -- public ------------------------------------------------------------------------

    def detect(self, text: str, when: datetime.datetime | None = None) -> Detection:
        """Score one post. ``when`` (aware, UTC) is its publish time, if known."""
        norm = normalize(text, self.lexicon.vocabulary)
        hits = self._term_hits(norm) + self._hashtag_hits(norm) + self._emoji_hits(norm)
        hits += self._number_hits(norm) + self._verb_hits(norm, hits) + self._targets.handle_hits(norm)
        hits = _one_per_span(drop_contained(hits))
        hits += self._targets.fuzzy_hits(norm, hits)
        hits += self._targets.unknown_hits(norm, hits)
        hits, foreign = self._drop_foreign_surnames(hits, norm)
        hits = self._promote_first_names(hits, norm)
        cues = [h for h in hits if h.kind in STANCE_CUES]
        hits = [h for h in hits if h.kind not in STANCE_CUES]
        score, hits, elections = self._scorer.score(hits, len(norm.tokens), mostly_caps(text), when)
        decision = self._decide(text, norm, hits, cues, score)
        matches = [self._to_match(h) for h in hits + cues] + foreign
        matches.sort(key=BY_SPAN)
        return Detection(decision.score, decision.severity, tuple(matches), tuple(elections),
                         decision.stance, score)

    def _decide(self, text: str, norm: NormalizedText, hits: list[Hit], cues: list[Hit],
                rule_score: float) -> Decision:
        targets = [h for h in hits if h.kind != "neutral" and (h.candidate_key or h.kind == "unknown")]
        near = len(norm.tokens) if len(norm.tokens) <= SHORT_POST else EVAL_NEAR  # a short post is about its name
        judged = [c for c in cues if c.kind != "reporting" and any(
            t.distance(c) <= near and not (t.t0 <= c.t1 and c.t0 <= t.t1) for t in targets)]
        about = bool(judged) or political_context(hits, norm)
        counted_targets = [h for h in targets
                           if (not h.ignored or h.kind in ("ambiguous", "handle"))
                           and (is_strong_reference(h) or about) and not (h.notes and _titled(h))]
        block = _LEADING_MENTIONS.match(text)
        if block and not judged:  # "@user @gibran_tweet ..." addresses accounts; it is not about them
            counted_targets = [h for h in counted_targets if h.start >= block.end()]
        stance = None
        if self.stance_model is not None and (counted_targets or rule_score > 0):
            spans = tuple((h.start, h.end) for h in targets)
            reporting = sum(1 for c in cues if c.kind == "reporting")
            stance = self.stance_model.predict(text, spans, reporting)
        in_campaign = any(h.reason.endswith("(dalam masa kampanye)") for h in hits if h.weight > 0)
        return decide(rule_score, hits, cues, counted_targets, stance, self.thresholds, in_campaign, near)

    def _drop_foreign_surnames(self, hits: list[Hit], norm: NormalizedText) -> tuple[list[Hit], list[Match]]:
        kept, notes = [], []
        for hit in hits:
            other = self._targets.foreign_surname(hit, norm)
            if other is None:
                kept.append(hit)
                continue
            start = norm.tokens[hit.t0 - 1].start
            notes.append(Match(hit.term, "neutral", start, hit.end,
                               f"'{other}' adalah nama orang lain, bukan calon '{hit.term}': tidak dihitung"))
        return kept, notes

    def _promote_first_names(self, hits: list[Hit], norm: NormalizedText) -> list[Hit]:
        """"Pak Anies", "Mas Gibran": an honorific + first name is a candidate reference (alias)."""
        for hit in hits:
            if hit.kind == "ambiguous" and self._targets.honorific_before(hit, norm) and political_context(
                    [h for h in hits if h is not hit], norm):
                hit.kind = "alias"
                hit.notes.append(f"sapaan + nama depan ('{norm.tokens[hit.t0 - 1].norm} {hit.term}')")
        return hits

    # -- hit collection --------------------------------------------------------------

    def _term_hits(self, norm: NormalizedText) -> list[Hit]:
        hits = []
        padded = f" {norm.text} "
        tokens, starts, bisect_right = norm.tokens, norm.token_starts, bisect.bisect_right
        for end, (length, terms) in self._automaton.iter(padded):
            # the tokens of the term's first and last character in norm.text (norm.token_index)
            t0 = max(0, bisect_right(starts, end - length + 1) - 1)
            t1 = max(0, bisect_right(starts, end - 2) - 1)
            start, stop = tokens[t0].start, tokens[t1].end
            upper = tokens[t0].upper if t0 == t1 else all(tokens[i].upper for i in range(t0, t1 + 1))
            for kind, text, election, number, party, context in terms:
                hits.append(Hit(kind, text, t0, t1, start, stop, election, number, party, context, upper))
        return hits

    def _hashtag_hits(self, norm: NormalizedText) -> list[Hit]:
        hits: list[Hit] = []
        by_tag: dict[int, list[int]] | None = None
        for index, tag in enumerate(norm.hashtags):
            term = self.lexicon.hashtags.get(tag.body)
            if term is None:
                continue
            if by_tag is None:  # the tokens of each hashtag, in order (one pass over the tokens)
                by_tag = {}
                for i, t in enumerate(norm.tokens):
                    by_tag.setdefault(t.hashtag, []).append(i)
            toks = by_tag.get(index) or [norm.token_index(0)]
            hits.append(hit_from_term(term, toks[0], toks[-1], tag.start, tag.end))
        return hits

    def _emoji_hits(self, norm: NormalizedText) -> list[Hit]:
        hits: list[Hit] = []
        if norm.original.isascii() or not any(c in norm.original for c in _EMOJI_MARKS):
            return hits  # no keycap mark and no gesture emoji: find_emoji_signals finds nothing
        starts = [t.start for t in norm.tokens]  # non-decreasing: tokens follow the text
        for number, start, end, term in find_emoji_signals(norm.original):
            pos = bisect.bisect_right(starts, start)  # how many tokens start at or before the emoji
            tok = max(0, pos - 1) if pos else 0
            hits.append(Hit("emoji", term, tok, max(tok, pos - 1 if pos else 0), start, end, number=number))
        return hits

    def _number_value(self, word: str, after_nomor: bool) -> int | None:
        if word.isdigit() and len(word) <= 2:
            value = int(word)
        else:  # "nomor dua" yes, "coblos satu kali" no
            value = _NUMBER_WORDS.get(word, 0) if after_nomor else 0
        return value if 1 <= value <= self._max_number else None

    def _number_hits(self, norm: NormalizedText) -> list[Hit]:
        hits: list[Hit] = []
        words = [t.norm for t in norm.tokens]
        urls: list[tuple[int, int]] | None = None
        for i, word in enumerate(words):
            if not word.isdigit() and word not in _NUMBER_WORDS:
                continue  # neither digits nor a number word: never a ballot number
            value = self._number_value(word, i >= 1 and words[i - 1] == "nomor")
            if value is None:
                continue
            if urls is None:
                urls = url_spans(norm.original)
            if urls and in_spans(norm.tokens[i].start, urls):
                continue  # digits inside a link (t.co/..03..) are not ballot numbers
            prev = words[i - 1] if i >= 1 else ""
            prev2 = words[i - 2] if i >= 2 else ""
            start_tok = i
            if prev == "urut" and prev2 == "nomor":
                kind, start_tok, term = "number_explicit", i - 2, f"nomor urut {value}"
            elif prev in _BALLOT_WORDS or (prev == "nomor" and prev2 in _BALLOT_WORDS):
                noun = prev if prev != "nomor" else prev2
                kind = "number" if noun in _CALL_WORDS else "number_explicit"
                if kind == "number":  # the verb stays a separate call match
                    start_tok, term = (i - 1, f"nomor {value}") if prev == "nomor" else (i, str(value))
                else:
                    start_tok = i - 1 if prev != "nomor" else i - 2
                    term = f"{prev} {value}" if prev != "nomor" else f"{prev2} nomor {value}"
            elif prev == "nomor":
                kind, start_tok, term = "number", i - 1, f"nomor {value}"
            elif len(word) == 2 and word.startswith("0"):
                kind, term = "number", word
            else:
                continue
            start, end = norm.original_span(start_tok, i)
            hits.append(Hit(kind, term, start_tok, i, start, end, number=value))
        return hits

    def _call_root(self, word: str) -> str | None:
        """The campaign-verb root an inflected word stems to ("mencoblos" -> "coblos"), or None.

        A pure function of the word (for this lexicon), so it is remembered (bounded cache):
        stemming is the slowest step and the same words come back in every post."""
        try:
            return self._root_cache[word]
        except KeyError:
            pass
        root = None
        if len(word) >= 5 and word.isalpha() and word not in self.lexicon.call_roots and self._fragments.search(word):
            bare = word.removesuffix("nya").removesuffix("ku").removesuffix("mu")
            noun = bare.endswith("an") and not bare.endswith("kan") or bare.startswith(_NOUN_PREFIXES) and bare.endswith("an")
            if not noun:  # nouns (pencoblosan, pilihan, kemenangan) are not calls
                stem = self._stemmer.stem(word)
                root = stem if stem in self._call_terms else None
        if len(self._root_cache) < 50_000:
            self._root_cache[word] = root
        return root

    def _verb_hits(self, norm: NormalizedText, hits: list[Hit]) -> list[Hit]:
        covered = {i for h in hits if h.kind in ("call", "call_phrase", "support", "campaign", "neutral")
                   for i in range(h.t0, h.t1 + 1)}
        out = []
        for i, tok in enumerate(norm.tokens):
            if i in covered:
                continue
            root = self._call_root(tok.norm)
            if root is not None:
                hit = hit_from_term(self._call_terms[root], i, i, tok.start, tok.end)
                hit.term = root
                out.append(hit)
        return out

    # -- output ----------------------------------------------------------------------

    def _to_match(self, hit: Hit) -> Match:
        candidate = None
        key = hit.candidate_key
        if key:
            cand = self.lexicon.candidate(*key)
            candidate = cand.pair if cand else None
        category = "neutral" if hit.ignored or hit.kind == "neutral" else _CATEGORY[hit.kind]
        return Match.make(hit.term, category, hit.start, hit.end, hit.reason, hit.election, candidate)


_ASCII_UPPER = string.ascii_uppercase.encode()
_ASCII_LOWER = string.ascii_lowercase.encode()
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def mostly_caps(text: str) -> bool:
    """12+ letters and more than 60% of them capitals (a shouting post: acronyms mean nothing).

    ASCII letters are counted in C (bytes.translate); only non-ASCII characters go one by one.
    """
    raw = text.encode("utf-8", "surrogatepass")  # non-ASCII characters never become ASCII bytes
    upper = len(raw) - len(raw.translate(None, _ASCII_UPPER))
    letters = upper + len(raw) - len(raw.translate(None, _ASCII_LOWER))
    if not text.isascii():
        for c in "".join(_NON_ASCII.findall(text)):
            if c.isalpha():
                letters += 1
                upper += c.isupper()
    return letters >= 12 and upper > 0.6 * letters


def _titled(hit: Hit) -> bool:
    """An office title before the name ("Presiden Prabowo", "Gubernur Kaltim Rudy"): reporting on office."""
    return any("jabatan" in note or "resmi" in note for note in hit.notes)


def _one_per_span(hits: list[Hit]) -> list[Hit]:
    """One hit per span and signal class: "menang" is a call and a support word, counted once."""
    kept: list[Hit] = []
    seen: dict[tuple[int, int], Hit] = {}
    for hit in sorted(hits, key=lambda h: -BONUS.get(h.kind, 0.0)):
        if hit.kind in BONUS:
            key = (hit.t0, hit.t1)
            if key in seen:
                continue
            seen[key] = hit
        kept.append(hit)
    return sorted(kept, key=BY_SPAN)
