"""Who a post is about: candidate references beyond the exact lexicon terms.

Adds to the detector's raw hits (all driven by the lexicon data):

* handles of candidates (``@gibran_tweet``) from each candidate's ``handles``;
* bounded fuzzy matches (rapidfuzz) for misspelt candidate names ("Prabowoo", "Khofiffah"):
  only words of 6+ letters, same first letter, similarity >= 88, never a dictionary word;
* generic cues for candidates NOT in the lexicon ("pilih Budi-Santoso", "paslon nomor urut 2"
  in another region): a ``unknown`` hit whose reason says the candidate is not in the lexicon;
* surnames that belong to someone else: "Rahmad Mas'ud" is not "Rudy Mas'ud".

:func:`political_context` decides whether a first name or nickname is read as a candidate.
"""
from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from alerts.lexicon import Lexicon, Term
from alerts.normalize import NormalizedText
from alerts.scoring import Hit, hit_from_term

HONORIFICS = frozenset({"pak", "bapak", "bpk", "pk", "bu", "ibu", "mas", "mbak", "mba", "cak", "gus", "bung", "prof",
                        "abah", "kang", "bang", "om", "kak", "uda", "daeng", "mpok", "ning", "neng"})
_HANDLE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{2,30})")
_URL = re.compile(r"(?:https?://|www\.)\S+|\bpic\.twitter\.com/\S+|\b[a-z0-9-]+\.(?:com|id|co|net|org|ly)/\S*", re.I)
_UNKNOWN_PAIR = re.compile(
    r"\b(pilih|coblos|dukung|menangkan|paslon|pasangan)\s+(?:(?:pak|bu|ibu|bapak|mas|mbak|cak|gus)\s+)?"
    r"([A-Z][a-z]{2,})\s*(?:-|–|&|dan)\s*(?:(?:pak|bu|ibu|mas|cak|gus)\s+)?([A-Z][a-z]{2,})")
_UNKNOWN_CUE = re.compile(
    r"\b(cagub|cawagub|cabup|cawabup|cawalkot|calon wali ?kota|calon bupati|calon gubernur|paslon)\s+"
    r"(?:nomor\s+(?:urut\s+)?)?0?([1-9])\b", re.I)
_PAIR_CUES = ("pilih", "coblos", "dukung", "menangkan", "paslon", "pasangan")  # _UNKNOWN_PAIR needs one (same case)
CANDIDATE_REF_KINDS = frozenset({"name", "pair", "alias", "nickname", "hashtag", "slogan", "handle", "ambiguous",
                                 "acronym", "weak_slogan", "fuzzy"})
POLITICAL_KINDS = frozenset({"name", "pair", "alias", "nickname", "hashtag", "slogan", "handle", "party", "campaign",
                             "number_explicit", "gesture_strong", "call", "call_phrase", "support", "fuzzy",
                             "unknown", "number", "gesture", "emoji", "acronym"})


def url_spans(text: str) -> list[tuple[int, int]]:
    if "/" not in text and "www." not in text.lower():
        return []  # every form of _URL has a "/" or "www." in it: skip the slow scan
    return [m.span() for m in _URL.finditer(text)]


def in_spans(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


class TargetFinder:
    """Compiled from one lexicon; stateless per post."""

    def __init__(self, lexicon: Lexicon, dictionary: frozenset[str]):
        self.lexicon = lexicon
        self.dictionary = dictionary
        self._fuzzy: dict[str, Term] = {}
        self._surnames: dict[str, set[str]] = {}
        known_words = {w for t in lexicon.terms for w in t.key.split()}
        for term in lexicon.terms:
            if term.kind in ("name", "alias", "nickname") and term.election:
                words = term.key.split()
                # a full name's first word is often a common first name (Mohammad, Ridwan): not fuzzed
                for word in words[1:] if term.kind == "name" and len(words) > 1 else words:
                    if len(word) >= 6 and word not in dictionary:
                        self._fuzzy.setdefault(word, term)
            if term.kind == "name" and len(term.key.split()) >= 2:
                first, last = term.key.split()[0], term.key.split()[-1]
                self._surnames.setdefault(last, set()).add(first)
        self._known_words = frozenset(known_words)
        self._fuzzy_keys = sorted(self._fuzzy)
        self._fuzzy_cache: dict[str, str | None] = {}  # word -> the name it misspells, or None

    # -- extra hits ---------------------------------------------------------------

    def handle_hits(self, norm: NormalizedText) -> list[Hit]:
        hits: list[Hit] = []
        if "@" not in norm.original:
            return hits
        for m in _HANDLE.finditer(norm.original):
            term = self.lexicon.handles.get(m.group(1).lower())
            if term is None:
                continue
            tok = norm.token_index(m.start())
            hit = hit_from_term(term, tok, tok, m.start(), m.end())
            hits.append(hit)
        return hits

    def misspelt_name(self, word: str) -> str | None:
        """The candidate name word that ``word`` misspells ("prabowoo" -> "prabowo"), or None.

        A pure function of the word, remembered (bounded): rapidfuzz runs once per new word."""
        try:
            return self._fuzzy_cache[word]
        except KeyError:
            pass
        name = None
        if len(word) >= 6 and word.isalpha() and word not in self._known_words and word not in self.dictionary:
            best = process.extractOne(word, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=88)
            if best is not None and best[0][0] == word[0]:
                name = best[0]
        if len(self._fuzzy_cache) < 50_000:
            self._fuzzy_cache[word] = name
        return name

    def fuzzy_hits(self, norm: NormalizedText, hits: list[Hit]) -> list[Hit]:
        covered = {i for h in hits for i in range(h.t0, h.t1 + 1)}
        urls: list[tuple[int, int]] | None = None
        out = []
        for i, tok in enumerate(norm.tokens):
            if i in covered:
                continue
            name = self.misspelt_name(tok.norm)
            if name is None:
                continue
            if urls is None:
                urls = url_spans(norm.original)
            if in_spans(tok.start, urls):
                continue
            term = self._fuzzy[name]
            hit = Hit("fuzzy", name, i, i, tok.start, tok.end, term.election, term.number)
            hit.reason = f"salah eja '{norm.original[tok.start:tok.end]}' mirip '{name}'"
            out.append(hit)
        return out

    def unknown_hits(self, norm: NormalizedText, hits: list[Hit]) -> list[Hit]:
        """Generic cues for candidates that are not in the lexicon (another region's Pilkada)."""
        text = norm.original
        out = []
        known = None
        for m in _UNKNOWN_PAIR.finditer(text) if any(w in text for w in _PAIR_CUES) else ():
            a, b = m.group(2).lower(), m.group(3).lower()
            if a in self._known_words or b in self._known_words or a in self.dictionary or b in self.dictionary:
                continue
            if known is None:
                known = {(h.start, h.end) for h in hits if h.candidate_key}
            if any(s < m.end() and m.start(2) < e for s, e in known):
                continue
            start, end = m.start(2), m.end()
            tok = norm.token_index(start)
            hit = Hit("unknown", f"{m.group(2)}-{m.group(3)}", tok, norm.token_index(end - 1), start, end)
            hit.reason = (f"'{m.group(1)} {m.group(2)}-{m.group(3)}': pasangan calon yang tidak ada di leksikon "
                          "(periksa pemilihan daerah lain)")
            out.append(hit)
        if not any(h.candidate_key for h in hits) and not out:
            for m in _UNKNOWN_CUE.finditer(text):
                tok = norm.token_index(m.start())
                hit = Hit("unknown", m.group(0), tok, norm.token_index(m.end() - 1), m.start(), m.end())
                hit.reason = f"'{m.group(0)}': sebutan calon/nomor urut; calonnya tidak ada di leksikon"
                out.append(hit)
                break
        return out

    # -- filters ------------------------------------------------------------------

    def foreign_surname(self, hit: Hit, norm: NormalizedText) -> str | None:
        """The name of another person when a single-word surname alias follows another first name."""
        if hit.kind not in ("alias", "ambiguous", "nickname") or hit.t0 != hit.t1 or hit.t0 == 0:
            return None
        word = norm.tokens[hit.t0].norm
        firsts = self._surnames.get(word)
        if not firsts:
            return None
        prev_tok = norm.tokens[hit.t0 - 1]
        prev = prev_tok.norm
        raw = norm.original[prev_tok.start:prev_tok.end]
        if prev in firsts or prev in HONORIFICS or not raw[:1].isupper() or prev in self.dictionary:
            return None
        return f"{raw} {norm.original[hit.start:hit.end]}"

    @staticmethod
    def honorific_before(hit: Hit, norm: NormalizedText) -> bool:
        return hit.t0 > 0 and norm.tokens[hit.t0 - 1].norm in HONORIFICS


STRONG_REF_KINDS = frozenset({"name", "pair", "hashtag", "slogan", "handle", "unknown"})


def is_strong_reference(hit: Hit) -> bool:
    """A full name, pair, hashtag, slogan or handle: about the candidate whatever else is said."""
    return hit.kind in STRONG_REF_KINDS or (hit.kind == "nickname" and " " not in hit.term.strip()
                                           and hit.term[:1].islower())


def political_context(hits: list[Hit], norm: NormalizedText) -> bool:
    """True when something besides a bare first name says the post is about an election."""
    if any(h.kind in POLITICAL_KINDS and not h.ignored and not h.candidate_key for h in hits):
        return True
    if len({h.candidate_key for h in hits if h.candidate_key and not h.ignored}) >= 2:
        return True
    return not POLITICAL_WORDS.isdisjoint(norm.text.split(" "))  # the tokens' words (never contain a space)


POLITICAL_WORDS = frozenset({
    "debat", "capres", "cawapres", "presiden", "wapres", "pilpres", "pilkada", "pilgub", "gubernur", "cagub",
    "cawagub", "bupati", "cabup", "walikota", "wali", "paslon", "kampanye", "visi", "misi", "pemilu", "pemimpin",
    "memimpin", "dipimpin", "kepemimpinan", "koalisi", "partai", "nyapres", "nyalon", "calon", "suara", "menang",
    "kalah", "pilih", "dipilih", "memilih", "coblos", "dukung", "mendukung", "pendukung", "relawan", "timses",
    "elektabilitas", "survei", "putaran", "rakyat", "negara", "indonesia", "jatim", "banten", "jakarta",
    "gagasan", "program", "janji", "opening", "statement", "lawan",
})
