"""Lexicon loading and `pantau check` validation."""
from __future__ import annotations

import pathlib

import pytest

from alerts.lexicon import check_lexicon, load_lexicon
from alerts.problems import ProblemsError

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "watchlists" / "lexicon").glob("*.toml"))

GOOD_2029 = """
kind = "election"
[election]
id = "pilpres-2029"
name = "Pilpres 2029"
campaign_start = 2028-11-01
campaign_end = 2029-02-10
voting_day = 2029-02-14
[[candidate]]
number = 1
pair = "Budi Santoso - Siti Aminah"
names = ["Budi Santoso", "Siti Aminah"]
hashtags = ["BudiSiti2029"]
parties = ["gerindra"]
"""


def _write(tmp_path: pathlib.Path, name: str, text: str) -> pathlib.Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_lexicon_is_valid() -> None:
    assert SHIPPED, "no shipped lexicon files"
    assert check_lexicon(SHIPPED) == []
    lexicon = load_lexicon(SHIPPED)
    ids = {e.id for e in lexicon.elections}
    assert ids == {"pilpres-2024", "pileg-2024", "pilbup-ppu-2024", "pilgub-kaltim-2024", "pilkada-jatim-2024",
                   "pilkada-banten-2024", "pilkada-jakarta-2024"}
    ppu = lexicon.election("pilbup-ppu-2024")
    assert str(ppu.campaign_start) == "2024-09-25" and str(ppu.voting_day) == "2024-11-27"
    assert lexicon.candidate("pilbup-ppu-2024", 2).pair == "Andi Harahap - Dayang Donna Faroek"
    assert "coblos" in lexicon.call_roots
    assert "aminajadulu" in lexicon.hashtags


def test_adding_an_election_is_one_file(tmp_path: pathlib.Path) -> None:
    new = _write(tmp_path, "pilpres-2029.toml", GOOD_2029)
    lexicon = load_lexicon([*SHIPPED, new])
    assert "pilpres-2029" in [e.id for e in lexicon.elections]
    assert any(t.key == "budi santoso" and t.election == "pilpres-2029" for t in lexicon.terms)


def test_every_problem_is_reported_with_entry(tmp_path: pathlib.Path) -> None:
    bad = _write(tmp_path, "bad.toml", """
kind = "election"
[election]
id = "Pilpres 2029"
name = "x"
campaign_start = 2029-01-10
campaign_end = 2028-12-01
voting_day = 2029-02-14
[[candidate]]
number = 1
pair = "A - B"
names = ["A B", " "]
colour = "red"
[[candidate]]
number = 2
pair = "C"
""")
    problems = check_lexicon([bad])
    by_entry = {p.entry: p for p in problems}
    assert set(by_entry) == {"election.id", "candidate[1].names", "candidate[1].colour",
                             "candidate[2].names", "election.campaign_end"}
    assert all(p.file == str(bad) for p in problems)
    assert "lower-case" in by_entry["election.id"].message
    assert str(by_entry["candidate[1].colour"]).startswith(f"{bad}: candidate[1].colour: unknown field")


def test_cross_file_problems(tmp_path: pathlib.Path) -> None:
    a = _write(tmp_path, "a.toml", GOOD_2029)
    b = _write(tmp_path, "b.toml", GOOD_2029.replace('"gerindra"', '"partai-x"'))
    problems = check_lexicon([a, b])
    messages = [str(p) for p in problems]
    assert any("b.toml: election.id: election id 'pilpres-2029' is also used in" in m for m in messages)
    assert any("candidate[1].parties: unknown party id(s) gerindra" in m for m in messages)  # no party file
    assert any("unknown party id(s) partai-x" in m for m in messages)


def test_duplicate_numbers_and_terms(tmp_path: pathlib.Path) -> None:
    text = GOOD_2029 + """
[[candidate]]
number = 1
pair = "Other"
names = ["Budi Santoso"]
"""
    problems = check_lexicon([*SHIPPED, _write(tmp_path, "dup.toml", text)])
    entries = {p.entry for p in problems}
    assert "candidate[2].number" in entries
    assert "candidate[2].names" in entries


def test_bad_toml_and_missing_kind(tmp_path: pathlib.Path) -> None:
    broken = _write(tmp_path, "broken.toml", 'kind = "election"\n[election\n')
    nokind = _write(tmp_path, "nokind.toml", "[words]\nyg = 'yang'\n")
    problems = check_lexicon([broken, nokind, tmp_path / "missing.toml"])
    assert [p.entry for p in problems] == ["(toml)", "kind", "(file)"]
    assert "not valid TOML" in problems[0].message


def test_load_raises_with_all_problems(tmp_path: pathlib.Path) -> None:
    bad = _write(tmp_path, "x.toml", 'kind = "slang"\n[words]\n"two words" = "x"\n')
    with pytest.raises(ProblemsError) as info:
        load_lexicon([*SHIPPED, bad])
    assert len(info.value.problems) == 1
    assert info.value.problems[0].entry == "words"
