"""Text normalisation for the detector, with a map back to the original offsets.

The pipeline (all pure functions):

1. per character (:mod:`alerts.folding`): invisible characters dropped, NFKD compatibility decomposition,
   combining marks dropped, case folded, Cyrillic/Greek look-alikes mapped to Latin;
   every output character remembers the index of the input character it came from;
2. tokens: runs of letters/digits (plus ``@`` and ``$`` as leetspeak), a leading ``#``
   marks a hashtag;
3. spaced or dotted single letters (``p r a b o w o``, ``A.M.I.N``) joined into one token;
4. hashtags split on case and digits (``#PrabowoGibran2024``), lower-case ones by
   vocabulary segmentation (``#aminajadulu``);
5. each word resolved against the vocabulary: slang, leetspeak and look-alikes
   (``pr4b0w0``), stretched letters (``cobloooss``).

Emoji gestures and keycaps are found on the raw text by :func:`find_emoji_signals`,
because steps 1-2 treat emoji as separators.
"""
from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

# Re-exported: detect.py and the tests import these from here.
from alerts.folding import (  # noqa: F401
    _EMOJI_RE,
    CONFUSABLES,
    GESTURES,
    _emoji_matches,
    _is_invisible,
    find_emoji_signals,
    fold_chars,
)

# Leetspeak characters -> the letters they may stand for.
LEET: Mapping[str, str] = {
    "0": "o", "1": "il", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
    "6": "g", "@": "a", "$": "s",
}
_MAX_LEET_VARIANTS = 64

_TOKEN_RE = re.compile(r"(?:[^\W_]|[@$])+(?:['’`´](?:[^\W_])+)*")
# The same matches as _TOKEN_RE on a text whose "_" are replaced by spaces (same length): once
# no "_" is left, [\w@$] is ([^\W_]|[@$]) and one character class scans twice as fast.
_TOKEN_FAST = re.compile(r"[\w@$]+(?:['’`´]\w+)*")
_APOSTROPHES = str.maketrans("", "", "'’`´")
_SPACED_GAP = frozenset(" .-_*/|·•")
_RUN3 = re.compile(r"(.)\1{2,}")
_RUN2 = re.compile(r"(.)\1+")
_CASE_RUNS = re.compile(r"[A-Z]+|[a-z]+|[0-9]+|[^A-Za-z0-9]+")
_ALNUM_SPLIT = re.compile(r"[a-z]+|[0-9]+")
_WORD_CACHE_SIZE = 50_000  # words remembered per vocabulary (memoises a pure function)


class Token(NamedTuple):
    """One normalised word (or a few, for slang expansions) and where it came from.

    A named tuple rather than a frozen dataclass: posts make tens of tokens each and a
    tuple is several times cheaper to build; it is just as immutable.
    """

    norm: str
    start: int  # offset in the original text
    end: int
    upper: bool = False  # written in capitals in the original (two or more letters)
    hashtag: int = -1  # index of the hashtag it came from, -1 if none
    how: str = ""  # "", "leet", "stretch", "slang", "spaced", "hashtag"


class Hashtag(NamedTuple):
    body: str  # folded, letters and digits only, e.g. "aminajadulu"
    start: int
    end: int


@dataclass(frozen=True)
class NormalizedText:
    """Normalised words joined by single spaces, with offsets back to the original."""

    original: str
    text: str
    tokens: tuple[Token, ...]
    token_starts: tuple[int, ...]  # offset of each token's norm in ``text``
    hashtags: tuple[Hashtag, ...]

    def token_index(self, pos: int) -> int:
        """Index of the token that covers character ``pos`` of ``text``."""
        return max(0, bisect.bisect_right(self.token_starts, pos) - 1)

    def original_span(self, first: int, last: int) -> tuple[int, int]:
        """Original (start, end) covering tokens ``first`` .. ``last`` inclusive."""
        return self.tokens[first].start, self.tokens[last].end


@dataclass(frozen=True)
class Vocabulary:
    """Words the resolver may turn evasive spellings into."""

    words: frozenset[str]
    slang: Mapping[str, str]
    squeezed: Mapping[str, str]  # squeeze(word) -> word
    # (original token, folded token) -> (words, upper, how): memo of a pure function of the two
    cache: dict = field(default_factory=dict, init=False, compare=False, hash=False, repr=False)

    @classmethod
    def build(cls, words: set[str] | frozenset[str], slang: Mapping[str, str]) -> "Vocabulary":
        all_words = set(words) | set(slang) | {w for v in slang.values() for w in v.split()}
        squeezed: dict[str, str] = {}
        for word in sorted(all_words, key=lambda w: (len(w), w)):
            if len(word) >= 3 and word.isalpha():
                squeezed.setdefault(squeeze(word), word)
        return cls(frozenset(all_words), dict(slang), squeezed)


EMPTY_VOCABULARY = Vocabulary(frozenset(), {}, {})


def squeeze(word: str) -> str:
    """Collapse every run of a repeated character to one (``cobloooss`` -> ``coblos``)."""
    return _RUN2.sub(r"\1", word)


def _deleet(word: str, vocab: Vocabulary) -> str | None:
    """A vocabulary word that ``word`` spells in leetspeak, or None."""
    options = [LEET.get(ch, ch) for ch in word]
    for count, letters in enumerate(itertools.product(*options)):
        if count >= _MAX_LEET_VARIANTS:
            break
        candidate = "".join(letters)
        if candidate in vocab.words:
            return candidate
        sq = squeeze(candidate)
        if sq in vocab.squeezed:
            return vocab.squeezed[sq]
    return None


def resolve_word(word: str, vocab: Vocabulary) -> tuple[list[str], str]:
    """Resolve one folded word: slang, leetspeak, stretched letters. Returns (words, how)."""
    if word in vocab.slang:
        return vocab.slang[word].split(), "slang"
    if word in vocab.words or word.isdigit():
        return [word], ""
    has_alpha = any(c.isalpha() for c in word)
    if has_alpha and any(c in LEET for c in word):
        found = _deleet(word, vocab)
        if found is not None:
            return vocab.slang.get(found, found).split(), "leet"
        if word.startswith("@") and len(word) > 1:
            words, how = resolve_word(word.lstrip("@"), vocab)
            return words, how or "mention"
        parts = _ALNUM_SPLIT.findall(word)
        if len(parts) > 1 and "".join(parts) == word:
            out: list[str] = []
            for part in parts:
                out.extend(resolve_word(part, vocab)[0])
            return out, "split"
        return [word.replace("@", "a").replace("$", "s")] if word.strip("@$") else [word], ""
    if word.isalpha():
        sq = squeeze(word)
        if sq != word and sq in vocab.squeezed:
            found = vocab.squeezed[sq]
            return vocab.slang.get(found, found).split(), "stretch"
        collapsed = _RUN3.sub(r"\1", word)
        if collapsed != word:
            if collapsed in vocab.slang:
                return vocab.slang[collapsed].split(), "stretch"
            return [collapsed], "stretch"
    return [word], ""


def _segment(word: str, vocab: Vocabulary) -> list[str]:
    """Split a lower-case hashtag body into vocabulary words (unknown chunks kept)."""
    n = len(word)
    if n < 6:
        return [word]
    # best[i] = (unknown chars, pieces, split points) for word[:i]
    best: list[tuple[int, int, list[int]] | None] = [None] * (n + 1)
    best[0] = (0, 0, [])
    for i in range(n):
        cur = best[i]
        if cur is None:
            continue
        unknown, pieces, cuts = cur
        for j in range(i + 2, min(n, i + 24) + 1):
            piece = word[i:j]
            if piece in vocab.words or piece in vocab.slang or piece.isdigit():
                cand = (unknown, pieces + 1, cuts + [j])
                if best[j] is None or cand[:2] < best[j][:2]:  # type: ignore[index]
                    best[j] = cand
        cand = (unknown + 1, pieces + 1, cuts + [i + 1])
        if best[i + 1] is None or cand[:2] < best[i + 1][:2]:  # type: ignore[index]
            best[i + 1] = cand
    final = best[n]
    if final is None or final[0] * 2 > n:
        return [word]
    # merge consecutive unknown single characters back into chunks
    pieces_out: list[str] = []
    start = 0
    pending = ""
    for cut in final[2]:
        piece = word[start:cut]
        start = cut
        known = piece in vocab.words or piece in vocab.slang or piece.isdigit()
        if known and len(piece) > 1:
            if pending:
                pieces_out.append(pending)
                pending = ""
            pieces_out.append(piece)
        else:
            pending += piece
    if pending:
        pieces_out.append(pending)
    return pieces_out


def _split_hashtag(original: str, folded: str, vocab: Vocabulary) -> list[tuple[int, int]]:
    """Split points of a hashtag body as (start, end) offsets into ``folded``."""
    if len(original) != len(folded):
        pieces = [(0, len(folded))]
    else:
        runs = [(m.start(), m.end()) for m in _CASE_RUNS.finditer(original)]
        pieces = []
        i = 0
        while i < len(runs):
            s, e = runs[i]
            text = original[s:e]
            nxt = runs[i + 1] if i + 1 < len(runs) else None
            if text.isupper() and nxt and original[nxt[0]:nxt[1]].islower():
                whole = folded[s:e]
                if len(text) == 1:
                    pieces.append((s, nxt[1]))
                elif whole in vocab.words or whole in vocab.slang:
                    pieces.append((s, e))  # "AMINaja": the capitals are a word
                    pieces.append((nxt[0], nxt[1]))
                else:
                    pieces.append((s, e - 1))  # "HTMLParser": last capital starts a word
                    pieces.append((e - 1, nxt[1]))
                i += 2
                continue
            pieces.append((s, e))
            i += 1
    out: list[tuple[int, int]] = []
    for s, e in pieces:
        part = folded[s:e]
        if part.isalpha() and part not in vocab.words and part not in vocab.slang:
            pos = s
            for seg in _segment(part, vocab):
                out.append((pos, pos + len(seg)))
                pos += len(seg)
        else:
            out.append((s, e))
    return [(s, e) for s, e in out if e > s]


def _raw_tokens(text: str, folded: str, index: list[int]) -> list[tuple[int, int, bool]]:
    """Token spans in ``folded`` as (start, end, is_hashtag), spaced letters joined."""
    spans = [(s, e, s > 0 and folded[s - 1] == "#")
             for s, e in (m.span() for m in _TOKEN_FAST.finditer(folded.replace("_", " ")))]
    single = [e - s == 1 for s, e, _ in spans]
    pairs = list(itertools.compress(range(len(spans) - 1), map(operator.and_, single, single[1:])))
    if not pairs:
        return spans  # no two single characters in a row: nothing can be joined
    # Only where two single characters follow each other can a run start; every other token
    # is copied as it is (slices between those places).
    joined: list[tuple[int, int, bool]] = []
    i = 0
    for start in pairs:
        if start < i:
            continue  # inside a run already joined
        joined.extend(spans[i:start])
        i = start
        j = i
        first_gap = None
        while j + 1 < len(spans) and spans[j][1] - spans[j][0] == 1 and spans[j + 1][1] - spans[j + 1][0] == 1:
            gap = text[index[spans[j][1] - 1] + 1:index[spans[j + 1][0]]]
            if not gap or len(gap) > 3 or not set(gap) <= _SPACED_GAP:
                break
            if first_gap is not None and gap != first_gap:
                break  # "p r a b o w o  g i b r a n": a wider gap separates words
            first_gap = gap
            j += 1
        run = spans[i:j + 1]
        letters = sum(folded[s].isalpha() for s, _, _ in run)
        if len(run) >= 3 and spans[i][1] - spans[i][0] == 1 and letters * 2 >= len(run):
            joined.append((run[0][0], run[-1][1], False))
            i = j + 1
        else:
            joined.append(spans[i])
            i += 1
    joined.extend(spans[i:])
    return joined


def _is_upper(source: str) -> bool:
    """Written in capitals: two or more upper-case letters and no lower-case one."""
    return sum(c.isupper() for c in source) >= 2 and not any(c.islower() for c in source)


def _word_tokens(source: str, raw: str, vocab: Vocabulary) -> tuple[tuple[str, ...], bool, str]:
    """(words, upper, how) of one non-hashtag token: ``source`` as written, ``raw`` folded."""
    spaced = any(c in _SPACED_GAP for c in source)
    word = raw.translate(_APOSTROPHES)
    if spaced:
        word = "".join(ch for ch in word if ch.isalnum() or ch in "@$")
    words, how = resolve_word(word, vocab)
    if spaced:
        how = how or "spaced"
        if len(words) == 1 and words[0].isalpha() and words[0] not in vocab.words:
            words = _segment(words[0], vocab)
    return tuple(words), _is_upper(source), how


def _hashtag_tokens(text: str, source: str, raw: str, s: int, index: list[int], tag: int,
                    vocab: Vocabulary) -> list[Token]:
    tokens = []
    for ps, pe in _split_hashtag(source, raw, vocab):
        pst, pen = index[s + ps], index[s + pe - 1] + 1
        piece_src = text[pst:pen]
        p_upper = len(piece_src) >= 2 and piece_src.isupper()
        for w in resolve_word(raw[ps:pe].translate(_APOSTROPHES), vocab)[0]:
            tokens.append(Token(w, pst, pen, p_upper, tag, "hashtag"))
    return tokens


def normalize(text: str, vocab: Vocabulary = EMPTY_VOCABULARY) -> NormalizedText:
    """Normalise ``text`` for matching; see the module docstring for the steps.

    Each word's resolution is a pure function of how it was written, so it is remembered per
    vocabulary (``vocab.cache``, bounded): words repeat across posts far more than they vary.
    """
    folded, index = fold_chars(text)
    ascii_text = len(index) == len(text) and text.isascii()  # then index[i] == i
    tokens: list[Token] = []
    norms: list[str] = []
    hashtags: list[Hashtag] = []
    cache = vocab.cache
    new_token = tuple.__new__
    for s, e, is_hashtag in _raw_tokens(text, folded, index):
        if ascii_text:
            ostart, oend = s, e
        else:
            ostart, oend = index[s], index[e - 1] + 1
        source = text[ostart:oend]
        if is_hashtag:
            raw = folded[s:e]
            tag = len(hashtags)
            word = raw.translate(_APOSTROPHES)
            hashtags.append(Hashtag("".join(c for c in word if c.isalnum()), ostart - 1, oend))
            for tok in _hashtag_tokens(text, source, raw, s, index, tag, vocab):
                tokens.append(tok)
                norms.append(tok.norm)
            continue
        # an ASCII token folds to its lower case, so how it was written is the whole key
        key = source if source.isascii() else (source, folded[s:e])
        found = cache.get(key)
        if found is None:
            found = _word_tokens(source, folded[s:e], vocab)
            if len(cache) < _WORD_CACHE_SIZE:
                cache[key] = found
        words, upper, how = found
        if len(words) == 1:
            w = words[0]
            tokens.append(new_token(Token, (w, ostart, oend, upper, -1, how)))
            norms.append(w)
            continue
        for w in words:
            tokens.append(new_token(Token, (w, ostart, oend, upper, -1, how)))
            norms.append(w)
    # offset of each token's word in the joined text: the lengths before it, plus one space each
    # (map stops at the shorter range, so the running total after the last word is dropped)
    starts = tuple(map(operator.add, itertools.accumulate(map(len, norms), initial=0), range(len(norms))))
    return NormalizedText(
        original=text,
        text=" ".join(norms),
        tokens=tuple(tokens),
        token_starts=starts,
        hashtags=tuple(hashtags),
    )


def fold_term(term: str, slang: Mapping[str, str] | None = None) -> str:
    """The matching key of a lexicon term: folded words joined by single spaces."""
    vocab = Vocabulary(frozenset(), dict(slang or {}), {})
    folded, _ = fold_chars(term)
    words: list[str] = []
    for m in _TOKEN_RE.finditer(folded):
        word = m.group(0).translate(_APOSTROPHES)
        words.extend(vocab.slang.get(word, word).split())
    return " ".join(words)


def fold_hashtag(tag: str) -> str:
    """The matching key of a hashtag term: folded letters and digits only."""
    folded, _ = fold_chars(tag)
    return "".join(c for c in folded if c.isalnum())
