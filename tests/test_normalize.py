"""Normalisation: evasion spellings resolve to lexicon words, offsets map back."""
from __future__ import annotations

import pytest

from alerts.normalize import Vocabulary, find_emoji_signals, fold_hashtag, fold_term, normalize, squeeze

VOCAB = Vocabulary.build(
    {"prabowo", "subianto", "gibran", "amin", "anies", "coblos", "ayo", "nomor", "urut", "noor", "dulu", "ganjar", "mahfud"},
    {"no": "nomor", "nmr": "nomor", "nomer": "nomor", "yg": "yang", "aja": "saja", "gaes": "guys", "haja": "saja"},
)


def norm(text: str) -> str:
    return normalize(text, VOCAB).text


@pytest.mark.parametrize("text, expected", [
    ("Prabowo SUBIANTO", "prabowo subianto"),
    ("Pra\u200bbo\u200dwo", "prabowo"),  # zero-width characters
    ("Prаbowo", "prabowo"),  # Cyrillic а
    ("ｐｒａｂｏｗｏ", "prabowo"),  # full width
    ("𝐏𝐫𝐚𝐛𝐨𝐰𝐨", "prabowo"),  # mathematical bold
    ("prabówo", "prabowo"),  # combining accent
    ("pr4b0w0", "prabowo"),
    ("c0bl0s", "coblos"),
    ("@nies", "anies"),
    ("gibr4n", "gibran"),
    ("cobloooss", "coblos"),
    ("ayooo", "ayo"),
    ("Nooor", "noor"),
    ("p r a b o w o", "prabowo"),
    ("A.M.I.N", "amin"),
    ("p r a b o w o  g i b r a n", "prabowo gibran"),  # wider gap = word boundary
    ("g.i.b.r.a.n p.r.a.b.o.w.o", "gibran prabowo"),
    ("c-o-b-l-o-s", "coblos"),
    ("#PrabowoGibran2024", "prabowo gibran 2024"),
    ("#AMINajaDulu", "amin saja dulu"),
    ("#ganjarmahfud", "ganjar mahfud"),
    ("yg no. 2 gaes, nmr 3 haja", "yang nomor 2 guys nomor 3 saja"),
    ("1 2 3", "1 2 3"),  # digits are not joined
    ("Bayar 10rb", "bayar 10 rb"),
])
def test_normalised_text(text: str, expected: str) -> None:
    assert norm(text) == expected


def test_offsets_map_back_to_original() -> None:
    text = "Ayo c0bl0s  P r a b o w o #PrabowoGibran2024 ya"
    n = normalize(text, VOCAB)
    spans = {t.norm: text[t.start:t.end] for t in n.tokens}
    assert spans["coblos"] == "c0bl0s"
    assert spans["prabowo"] in ("P r a b o w o", "Prabowo")
    assert [text[t.start:t.end] for t in n.tokens if t.hashtag == 0] == ["Prabowo", "Gibran", "2024"]
    assert n.hashtags[0].body == "prabowogibran2024"
    assert text[n.hashtags[0].start:n.hashtags[0].end] == "#PrabowoGibran2024"
    first = n.token_index(n.text.index("prabowo"))
    assert n.original_span(first, first) == (12, 25)


def test_offsets_with_invisible_and_wide_chars() -> None:
    text = "😀😀 Su\u200bbianto"
    n = normalize(text, VOCAB)
    (tok,) = n.tokens
    assert text[tok.start:tok.end] == "Su\u200bbianto"


def test_upper_flag_only_for_capitals() -> None:
    n = normalize("AMIN amin Amin A.M.I.N", VOCAB)
    assert [t.upper for t in n.tokens] == [True, False, False, True]


def test_emoji_signals() -> None:
    text = "Salam ☝️ dan ✌🏻 lalu 3️⃣ 🤟 👌 2\u20e3"
    found = [(num, text[s:e]) for num, s, e, _ in find_emoji_signals(text)]
    assert found == [(1, "☝️"), (2, "✌🏻"), (3, "3️⃣"), (3, "🤟"), (3, "👌"), (2, "2\u20e3")]


def test_term_keys() -> None:
    assert fold_term("Rudy Mas'ud") == "rudy masud"
    assert fold_term("PDI-P") == "pdi p"
    assert fold_term("no urut", {"no": "nomor"}) == "nomor urut"
    assert fold_hashtag("#AMINajaDulu") == "aminajadulu"
    assert squeeze("cobloooss") == "coblos"
