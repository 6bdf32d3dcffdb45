"""Character folding and emoji signals: the first step of :mod:`alerts.normalize`.

Every character is folded on its own (invisible characters dropped, NFKD, combining marks
dropped, case folded, Cyrillic/Greek look-alikes mapped to Latin) and remembers the index of
the input character it came from. Gesture emoji and keycap digits are found on the raw text.
Pure functions; split out of ``normalize.py`` to keep modules small.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

# Characters that render as nothing and are used to break up words.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0x1D173, 0x1D17A), (0xE0000, 0xE007F), (0xE0100, 0xE01EF),
)

# Look-alike letters from other scripts (after case folding) -> Latin.
CONFUSABLES: Mapping[str, str] = {
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɑ": "a", "ɡ": "g",
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ı": "i",
}

# Gesture emoji -> ballot number they signal (skin tones and VS16 are absorbed).
GESTURES: Mapping[str, tuple[int, str]] = {
    "\u261d": (1, "☝️ (gestur 1 jari)"),
    "\U0001f446": (1, "👆 (gestur 1 jari)"),
    "\u270c": (2, "✌️ (gestur 2 jari)"),
    "\U0001f91f": (3, "🤟 (gestur 3 jari)"),
    "\U0001f918": (3, "🤘 (gestur metal/3 jari)"),
    "\U0001f44c": (3, "👌 (gestur OK/3 jari)"),
}
_EMOJI_RE = re.compile(
    "([0-9])\ufe0f?\u20e3|([" + "".join(GESTURES) + "])[\ufe0f\U0001f3fb-\U0001f3ff]*"
)
_KEYCAP = "\u20e3"
_EMOJI_MARKS = (_KEYCAP, *GESTURES)
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _is_invisible(code: int) -> bool:
    return any(lo <= code <= hi for lo, hi in _INVISIBLE_RANGES)


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """What one non-ASCII character folds to ("" for invisible ones and lone combining marks)."""
    if _is_invisible(ord(ch)):
        return ""
    out = []
    for part in unicodedata.normalize("NFKD", ch):
        if unicodedata.category(part) in ("Mn", "Me", "Cf"):
            continue
        for folded in part.casefold():
            out.append(CONFUSABLES.get(folded, folded))
    return "".join(out)


def fold_chars(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` character by character; return the result and each char's source index.

    ASCII runs are lower-cased as a whole; only the non-ASCII characters go one by one
    (through a cache): the result is the same as folding every character on its own.
    """
    if text.isascii():
        return text.lower(), list(range(len(text)))
    out: list[str] = []
    index: list[int] = []
    pos = 0
    for m in _NON_ASCII.finditer(text):
        first, stop = m.span()
        if first > pos:
            out.append(text[pos:first].lower())
            index.extend(range(pos, first))
        for i in range(first, stop):
            folded = _fold_char(text[i])
            if folded:
                out.append(folded)
                index.extend([i] * len(folded))
        pos = stop
    if pos < len(text):
        out.append(text[pos:].lower())
        index.extend(range(pos, len(text)))
    return "".join(out), index


def _emoji_matches(text: str) -> list[re.Match]:
    """``list(_EMOJI_RE.finditer(text))``, trying the pattern only where a match can start.

    Every match holds a keycap mark (U+20E3, one or two characters after its digit) or a
    gesture emoji (where it starts); trying those places in order, each from the end of the
    previous match, finds the same matches as scanning every character."""
    starts: set[int] = set()
    for mark in _EMOJI_MARKS:
        pos = text.find(mark)
        while pos != -1:
            if mark == _KEYCAP:
                starts.update(p for p in (pos - 2, pos - 1) if p >= 0)
            else:
                starts.add(pos)
            pos = text.find(mark, pos + 1)
    matches, last = [], 0
    for start in sorted(starts):
        if start < last:
            continue
        m = _EMOJI_RE.match(text, start)
        if m is not None:
            matches.append(m)
            last = m.end()
    return matches


def find_emoji_signals(text: str) -> list[tuple[int, int, int, str]]:
    """Gesture emoji and keycap digits in the raw text: (number, start, end, term)."""
    found = []
    for m in _emoji_matches(text):
        if m.group(1) is not None:
            digit = int(m.group(1))
            found.append((digit, m.start(), m.end(), f"{digit}\ufe0f\u20e3 (keycap {digit})"))
        else:
            number, term = GESTURES[m.group(2)]
            found.append((number, m.start(), m.end(), term))
    return found
