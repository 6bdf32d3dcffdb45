"""Stance: does a post take a side, or does it report, inform, ask or joke?

A compact linear model (logistic regression over binary word 1-2-grams, character
3-4-grams inside words and a few style features, rows L2-normalised) trained by
``scripts/train_stance.py`` on public, labelled Indonesian political posts (see
docs/stance-model.md). Inference is pure Python over a dict of weights: it loads
offline from ``alerts/data/stance_model.json.gz``, needs no scikit-learn and is
deterministic.

Candidate mentions are replaced by one placeholder before the features are taken
(``__cand__``), so a model trained on 2019 posts about other candidates carries over
to any election in the lexicon. :func:`features` is the single definition of the
features, shared by training and inference.
"""
from __future__ import annotations

import gzip
import itertools
import json
import math
import pathlib
import re
from dataclasses import dataclass
from functools import lru_cache

MODEL_PATH = pathlib.Path(__file__).resolve().parent / "data" / "stance_model.json.gz"

_URL = re.compile(r"(?:https?://|www\.)\S+|\bpic\.twitter\.com/\S+|\b[a-z0-9-]+\.(?:com|id|co|net|org)/\S*", re.I)
_HANDLE = re.compile(r"@([A-Za-z0-9_]{1,30})")
_WORD = re.compile(r"[a-z0-9_]+")
_LETTERS = re.compile(r"[A-Za-z][A-Za-z]+")
_PLACEHOLDERS = ("url", "user", "media", "cand")
# _WORD and _LETTERS match runs of ASCII characters only. In the UTF-8 bytes of a text those
# characters are exactly the ASCII bytes (every byte of a non-ASCII character is >= 0x80), so
# blanking every other byte and splitting finds the same runs, in C, several times faster.
_WORD_BYTES = bytes(c if chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789_" else 32 for c in range(256))
_LETTER_BYTES = bytes(c if chr(c).isascii() and chr(c).isalpha() else 32 for c in range(256))


def _ascii_runs(text: str, table: bytes) -> list[str]:
    return text.encode("utf-8", "surrogatepass").translate(table).decode("ascii").split()


def words_of(clean: str) -> list[str]:
    """``_WORD.findall(clean)``."""
    return _ascii_runs(clean, _WORD_BYTES)


_CASE_BYTES = bytes(65 if 65 <= c <= 90 else 97 if 97 <= c <= 122 else 32 for c in range(256))  # A, a or space
_PLACEHOLDER_KEYS = tuple(f" {p} ".encode() for p in _PLACEHOLDERS)


def title_counts(text: str) -> tuple[int, int]:
    """(words of 2+ letters that are not placeholders, how many of them start with a capital).

    The same numbers as counting ``_LETTERS.findall(text)`` minus the placeholder words, from
    byte counts: in the text's letters-or-space bytes a word of 2+ letters starts at every
    " Xy" (X, y letters), and a placeholder is " url " once every space is doubled."""
    letters = b" " + text.encode("utf-8", "surrogatepass").translate(_LETTER_BYTES) + b" "
    case = letters.translate(_CASE_BYTES)
    upper = case.count(b" AA") + case.count(b" Aa")
    words = upper + case.count(b" aa") + case.count(b" aA")
    spaced = letters.replace(b" ", b"  ")
    return words - sum(map(spaced.count, _PLACEHOLDER_KEYS)), upper
_ABOVE_BOX_DRAWING = re.compile("[^\x00-\u2500]")  # emoji and symbols: ord(c) > 0x2500
CAND = "__cand__"
# media and official accounts: a post addressed to or quoting them reads as news
MEDIA_HANDLES = frozenset({
    "detikcom", "kompascom", "kompastv", "tempodotco", "temponasional", "tribunnews", "okezonenews",
    "cnnindonesia", "cnnindonesiadaily", "liputan6dotcom", "republikaonline", "jpnncom", "antaranews",
    "metrotv", "tvonenews", "kumparan", "suaradotcom", "idntimes", "narasinewsroom", "beritasatu",
    "sindonews", "inewsdotid", "kpu_id", "bawaslu_ri", "bawasluri", "kpujatim", "mediaindonesia",
    "tirtoid", "cnbcindonesia", "jawapos", "radarsurabaya", "beritajatimcom", "suarasurabaya",
})
ATTRIBUTION = frozenset({
    "kata", "ujar", "ujarnya", "katanya", "menurut", "menurutnya", "mengaku", "mengatakan", "menegaskan",
    "menyebut", "menyebutkan", "menjelaskan", "tutur", "tuturnya", "ungkap", "ungkapnya", "mengungkapkan",
    "menyampaikan", "menilai", "menanggapi", "merespons", "membantah", "dibantah", "disebut", "jelasnya",
    "imbuhnya", "tegasnya", "pungkasnya", "menyatakan",
})
FIRST_PERSON = frozenset({"saya", "aku", "gue", "gua", "gw", "ane", "kami", "sy", "aq", "q", "ku"})
PRAISE_OR_ATTACK_HINT = frozenset({"!", "!!"})


def _clean(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[str, list[str]]:
    """Lower-case text with candidate spans, URLs and handles replaced; plus style tokens."""
    style: list[str] = []
    if spans:
        parts, last = [], 0
        for start, end in sorted(spans):
            if start < last:
                continue
            parts.append(text[last:start])
            parts.append(f" {CAND} ")
            last = end
        parts.append(text[last:])
        text = "".join(parts)
    if _may_have_url(text) and _URL.search(text):
        style.append("__has_url__")
        text = _URL.sub(" __url__ ", text)

    def handle(match: re.Match) -> str:
        name = match.group(1).lower()
        if name in MEDIA_HANDLES:
            style.append("__media__")
            return " __media__ "
        return " __user__ "

    if "@" in text:
        text = _HANDLE.sub(handle, text)
    letters, capitals = title_counts(text)  # words of letters, placeholders not counted
    if letters >= 6:
        capital = capitals / letters
        if capital >= 0.6:
            style.append("__title_case__")
    if "!" in text:
        style.append("__exclaim__")
    if "#" in text:
        style.append("__hashtag__")
    if _ABOVE_BOX_DRAWING.search(text):
        style.append("__emoji__")
    if '"' in text or "“" in text:
        style.append("__quote__")
    return text.lower(), style


def _may_have_url(text: str) -> bool:
    """False only when ``_URL`` cannot match: every form of it has a "/" or "www." in it."""
    return "/" in text or "www." in text.lower()


def _words_and_marks(text: str, spans: tuple[tuple[int, int], ...]) -> tuple[list[str], set[str]]:
    """The words of the cleaned text and the post-level features (style, attribution, length)."""
    clean, style = _clean(text, spans)
    words = words_of(clean)
    out = set(style)
    if not ATTRIBUTION.isdisjoint(words):
        out.add("__attrib__")
    if not FIRST_PERSON.isdisjoint(words):
        out.add("__first_person__")
    if words and words[0] == CAND:
        out.add("__starts_cand__")
    out.add(f"__len{min(len(words) // 10, 5)}__")
    return words, out


def features(text: str, spans: tuple[tuple[int, int], ...] = ()) -> list[str]:
    """The model's features for ``text`` with candidate mentions at ``spans``."""
    words, out = _words_and_marks(text, spans)
    for i, word in enumerate(words):
        out.add(word)
        if i:
            out.add(f"{words[i - 1]} {word}")
        if len(word) > 3 and not word.startswith("__"):
            out.update(_char_grams(word))
    return sorted(out)


def _char_grams(word: str) -> tuple[str, ...]:
    grams = _GRAM_CACHE.get(word)
    if grams is None:
        grams = _make_grams(word)
        if len(_GRAM_CACHE) < 100_000:  # memoises a pure function; never changes a result
            _GRAM_CACHE[word] = grams
    return grams


def _make_grams(word: str) -> tuple[str, ...]:
    """Character 3- and 4-grams of ``<word>``, each marked with "#"."""
    padded = f"<{word}>"
    return tuple("#" + padded[j:j + n] for n in (3, 4) for j in range(len(padded) - n + 1))


_GRAM_CACHE: dict[str, tuple[str, ...]] = {}


@dataclass(frozen=True)
class Stance:
    """P(takes a side) and the Indonesian reason staff see."""

    side: float
    news: bool
    reason: str

    def to_json(self) -> dict:
        return {"side": round(self.side, 3), "news": self.news, "reason": self.reason}


class StanceModel:
    def __init__(self, weights: dict[str, float], intercept: float, meta: dict | None = None):
        self.weights = weights
        self.intercept = intercept
        self.meta = meta or {}
        # Every weighted feature by its rank in sorted order: summing weights by rank is summing
        # them in the order of the sorted feature list, so the float result is the same.
        self._rank = {f: i for i, f in enumerate(sorted(weights))}
        self._by_rank = [weights[f] for f in sorted(weights)]
        self._word_cache: dict[str, tuple[int, ...]] = {}  # word -> ranks of its weighted features

    @classmethod
    def load(cls, path: pathlib.Path = MODEL_PATH) -> "StanceModel":
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            raw = json.load(fh)
        return cls({k: float(v) for k, v in raw["weights"].items()}, float(raw["intercept"]), raw.get("meta"))

    def save(self, path: pathlib.Path) -> None:
        data = {"intercept": round(self.intercept, 5), "meta": self.meta,
                "weights": {k: round(v, 4) for k, v in sorted(self.weights.items())}}
        raw = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) as gz:
                gz.write(raw)
        tmp.replace(path)

    def decision(self, feats: list[str]) -> float:
        weights = self.weights
        known = [weights[f] for f in feats if f in weights]
        if not known:
            return self.intercept
        return self.intercept + sum(known) / math.sqrt(len(known))

    def _word_ranks(self, word: str) -> tuple[int, ...]:
        """Ranks of the word and its character n-grams that the model has a weight for (memoised)."""
        found = self._word_cache.get(word)
        if found is None:
            grams = _make_grams(word) if len(word) > 3 and not word.startswith("__") else ()
            rank = self._rank
            found = tuple(rank[f] for f in (word, *grams) if f in rank)
            if len(self._word_cache) < 50_000:
                self._word_cache[word] = found
        return found

    def weighted_ranks(self, text: str, spans: tuple[tuple[int, int], ...] = ()) -> tuple[list[int], set[str]]:
        """(ranks of the features of :func:`features` that have a weight, ascending; post-level marks).

        The same features as :func:`features` filtered by the weights, in the same order, without
        building strings for n-grams the model never learned."""
        words, marks = _words_and_marks(text, spans)
        rank = self._rank
        per_word = list(map(self._word_cache.get, words))
        if None in per_word:  # words not seen before
            per_word = [found if found is not None else self._word_ranks(word) for found, word in zip(per_word, words)]
        out = set(itertools.chain.from_iterable(per_word))
        out.update(map(rank.get, map(" ".join, zip(words, words[1:]))))  # word pairs ("a b")
        out.discard(None)  # pairs without a weight
        out.update(rank[f] for f in marks if f in rank)
        return sorted(out), marks

    def weighted_features(self, text: str, spans: tuple[tuple[int, int], ...] = ()) -> list[str]:
        """The features of :func:`features` that have a weight, in the same (sorted) order."""
        names = sorted(self.weights)
        return [names[i] for i in self.weighted_ranks(text, spans)[0]]

    def predict(self, text: str, spans: tuple[tuple[int, int], ...] = (), reporting: int = 0) -> Stance:
        """``reporting``: how many reporting cues of the lexicon (sikap.toml) the post has."""
        ranks, marks = self.weighted_ranks(text, spans)
        by_rank = self._by_rank
        known = [by_rank[i] for i in ranks]  # the same values in the same order as decision(features)
        z = self.intercept + sum(known) / math.sqrt(len(known)) if known else self.intercept
        side = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        news = news_style(marks, reporting)
        return Stance(side, news, stance_reason(side, news, marks))


def news_style(feats: list[str] | set[str], reporting: int = 0) -> bool:
    """Headline form, attribution verbs, media handles, links and reporting cues: the marks of reporting."""
    marks = sum(f in feats for f in ("__attrib__", "__media__", "__title_case__", "__has_url__", "__quote__"))
    marks += min(reporting, 2)
    return marks >= 2 and "__first_person__" not in feats and "__exclaim__" not in feats


def stance_reason(side: float, news: bool, feats: list[str] | set[str]) -> str:
    if news:
        return "gaya pemberitaan (judul/atribusi/tautan media): cenderung melaporkan, bukan berpihak"
    if side >= 0.5:
        return f"menilai calon secara positif/negatif (model sikap {side:.2f})"
    return f"tidak tampak berpihak: informasi, pertanyaan atau candaan (model sikap {side:.2f})"


@lru_cache(maxsize=1)
def default_model() -> StanceModel | None:
    """The shipped model, or None when the file is missing (the detector then uses rules only)."""
    if not MODEL_PATH.exists():
        return None
    return StanceModel.load(MODEL_PATH)
