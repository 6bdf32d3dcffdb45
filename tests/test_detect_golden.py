"""The detector's results are pinned: speed work must not change a single output.

``tests/data/detector_golden.json`` holds, per trap-set post, a digest of the full output
(score, severity, every match with its reason, elections, stance) of the post and seven
variants that take other normaliser paths (capitals, invisible characters, look-alike letters,
leetspeak, spaced and stretched letters), with and without a publish time in a campaign.
Refresh it only when a change of results is intended (lexicon, model or scoring):
``python bench/detect_equivalence.py --write-golden``, and say why in the commit.
"""
from __future__ import annotations

import json
import pathlib
import sys
import unicodedata

import pytest

from alerts.normalize import _EMOJI_RE, _TOKEN_FAST, _TOKEN_RE, CONFUSABLES, _emoji_matches, _is_invisible, fold_chars, normalize
from alerts.stance import _LETTERS, _PLACEHOLDERS, _WORD, default_model, features, title_counts, words_of

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import detect_equivalence as equivalence  # noqa: E402


@pytest.fixture(scope="module")
def detector():
    return equivalence.default_detector()


def test_every_trap_output_matches_the_golden_digest(detector) -> None:
    golden = json.loads(equivalence.GOLDEN_PATH.read_text(encoding="utf-8"))
    now = equivalence.trap_outputs(detector)
    assert set(now) == set(golden)
    changed = sorted(k for k in golden if golden[k] != now[k])
    assert not changed, f"detector output changed for trap posts {changed[:20]} ({len(changed)} in all)"


def test_outputs_do_not_depend_on_the_word_caches(detector) -> None:
    """The per-word caches memoise pure functions: a cold detector gives the same outputs."""
    texts = [row["text"] for row in equivalence.trap_rows()[:40]]
    warm = [detector.detect(t).to_json() for t in texts]
    cold = equivalence.default_detector()
    cold.lexicon.vocabulary.cache.clear()
    assert [cold.detect(t).to_json() for t in texts] == warm


def _fold_one_by_one(text: str) -> tuple[str, list[int]]:
    """The reference: every character folded on its own (the normaliser's definition)."""
    out, index = [], []
    for i, ch in enumerate(text):
        if ch < "\x80":
            out.append(ch.lower())
            index.append(i)
            continue
        if _is_invisible(ord(ch)):
            continue
        for part in unicodedata.normalize("NFKD", ch):
            if unicodedata.category(part) in ("Mn", "Me", "Cf"):
                continue
            for folded in part.casefold():
                out.append(CONFUSABLES.get(folded, folded))
                index.append(i)
    return "".join(out), index


@pytest.mark.parametrize("text", [
    "PRABOWO", "Pra\u200bbo\u00adwo", "Ｇｉｂｒａｎ ＧＩＢＲＡＮ", "Straße ﬁnal Ǆemal", "Аnies с cak іmin",
    "e\u0301 combining \u20dd end", "✌️ 2️⃣ \U0001f91f🏻 \ud800 x", "İstanbul ſ K", "",
])
def test_fold_chars_equals_folding_each_character(text: str) -> None:
    assert fold_chars(text) == _fold_one_by_one(text)


def test_stance_weighted_features_equal_filtered_features() -> None:
    """The fast path uses exactly the weighted features of :func:`features`, in the same order."""
    model = default_model()
    if model is None:
        pytest.skip("stance model file missing")
    texts = [row["text"] for row in equivalence.trap_rows()] + [row["text"] for row in equivalence.dev_rows()]
    for text in texts:
        spans = ((0, min(5, len(text))),)
        assert model.weighted_features(text, spans) == [f for f in features(text, spans) if f in model.weights]


TRICKY = ["a_b c__d @x$y _a'b a'_b", "x’’y don't ́a'́b", "__init__ @@ $ _ '", "Rahmad Mas'ud `´ 'a", "p r a b o w o  g i b r a n"]


def test_fast_token_pattern_finds_the_same_tokens() -> None:
    texts = TRICKY + [row["text"] for row in equivalence.trap_rows()] + [row["text"] for row in equivalence.dev_rows()]
    for text in texts:
        folded = fold_chars(text)[0]
        slow = [m.span() for m in _TOKEN_RE.finditer(folded)]
        assert [m.span() for m in _TOKEN_FAST.finditer(folded.replace("_", " "))] == slow, text


def test_token_starts_never_go_back() -> None:
    """The emoji step counts the tokens before an emoji by bisection: starts must not decrease."""
    for row in equivalence.trap_rows():
        for _, text in equivalence.variants(row["text"]):
            starts = [t.start for t in normalize(text).tokens]
            assert starts == sorted(starts), text


def test_ascii_word_runs_equal_the_regular_expressions() -> None:
    texts = TRICKY + ["İstanbul \u212aota ſaya ÀB ab a b x1_y2 \ud800zz", "Ｇｉｂｒａｎ GIBRAN a\u0301b",
                      "url url  user __cand__ __url__ media,media Url URL xurl urlx cand", "x"]
    texts += [row["text"] for row in equivalence.trap_rows()] + [row["text"] for row in equivalence.dev_rows()]
    for text in texts:
        for variant in (text, text.lower(), text.upper()):
            found = [w for w in _LETTERS.findall(variant) if w not in _PLACEHOLDERS]
            assert title_counts(variant) == (len(found), sum(1 for w in found if w[0].isupper())), variant
            assert words_of(variant) == _WORD.findall(variant), variant


def test_fast_match_constructor_builds_the_same_frozen_match() -> None:
    import dataclasses

    from alerts.detect import Match

    slow = Match("Prabowo", "candidate", 3, 10, "alasan", "pilpres-2024", "Prabowo - Gibran")
    fast = Match.make("Prabowo", "candidate", 3, 10, "alasan", "pilpres-2024", "Prabowo - Gibran")
    assert fast == slow and hash(fast) == hash(slow) and repr(fast) == repr(slow)
    assert fast.to_json() == slow.to_json() and dataclasses.asdict(fast) == dataclasses.asdict(slow)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.term = "x"  # type: ignore[misc]


def test_emoji_matches_equal_a_full_scan() -> None:
    texts = ["1\ufe0f\u20e3 2\u20e3 \u20e3 x\u20e3 \ufe0f\u20e3 12\ufe0f\u20e3", "✌️✌🏻✌ 👌🏿☝👆🤟🤘 2️⃣✌️",
             "\u20e3\u20e3 9\ufe0f\ufe0f\u20e3 ✌\ufe0f\u20e3 3✌\u20e3", ""]
    texts += [row["text"] for row in equivalence.trap_rows()] + [row["text"] for row in equivalence.dev_rows()]
    for text in texts + [" ".join(texts[i:i + 9]) for i in range(0, len(texts), 9)]:
        assert [m.span() for m in _emoji_matches(text)] == [m.span() for m in _EMOJI_RE.finditer(text)], text
