"""scraper.checked: watchlists and lexicon files that passed are not checked again at start
(issue #17); anything changed is, and a problem still stops the start. Real files in tmp_path,
the real platform checks and the repository's lexicon."""
from __future__ import annotations

import json
import stat
from datetime import date
from pathlib import Path

import pytest

from alerts.problems import ProblemsError
from scraper import checked
from scraper.checked import CheckedCache, _person_json
from scraper.errors import WatchlistError
from scraper.watchlist import load_watchlists

REPO = Path(__file__).resolve().parent.parent
LEXICON = sorted((REPO / "watchlists" / "lexicon").glob("*.toml"))

WATCHLIST = """
[[person]]
name = "Budi Santoso (fiktif)"
nip = "19850312 201001 1 003"
position = "Staf"
unit = "Dinas Uji (fiktif)"
accounts = [
  { url = "https://t.me/budi_uji" },
  { url = "https://contoh-uji.go.id/feed.xml", platform = "rss", interval = "2h" },
  { url = "https://contoh-uji.go.id/berita", platform = "web", options = { selectors = { post = "article.berita", text = ".isi", link = "a.judul@href" } } },
]

[[person]]
name = "Siti Aminah (fiktif)"
nip = "199001012015032001"
position = "Guru"
unit = "Dinas Pendidikan (fiktif)"
accounts = [{ url = "https://t.me/siti_uji" }]
"""


class Counting:
    """load_watchlists, counting the full checks and the bytes they were given."""

    def __init__(self) -> None:
        self.calls: list[object] = []

    def __call__(self, paths, contents=None):
        self.calls.append(contents)
        return load_watchlists(paths, contents=contents)


@pytest.fixture()
def files(tmp_path):
    folder = tmp_path / "watchlists"
    folder.mkdir()
    path = folder / "uji.toml"
    path.write_text(WATCHLIST, encoding="utf-8")
    return tmp_path / "data", [path]


def as_json(people):
    return [_person_json(p) for p in people]


def test_unchanged_watchlists_are_read_back_not_checked_again(files):
    storage, paths = files
    load = Counting()
    first = CheckedCache(storage).people(paths, load)
    second = CheckedCache(storage).people(paths, load)
    assert len(load.calls) == 1  # the second start read the cache
    assert as_json(second) == as_json(first) and second == first
    web = second[0].accounts[2]
    assert web.options == {"selectors": {"post": "article.berita", "text": ".isi", "link": "a.judul@href"}}
    assert second[0].accounts[1].interval == "2h" and second[0].accounts[1].interval.seconds == 7200
    assert [a.key for p in second for a in p.accounts] == [a.key for p in first for a in p.accounts]


def test_a_changed_file_is_checked_again_and_a_problem_still_stops_the_start(files):
    storage, paths = files
    load = Counting()
    CheckedCache(storage).people(paths, load)
    paths[0].write_text(WATCHLIST.replace("199001012015032001", "19900101201503200"), encoding="utf-8")
    with pytest.raises(WatchlistError) as caught:
        CheckedCache(storage).people(paths, load)
    assert "uji.toml" in str(caught.value) and "nip" in str(caught.value)
    assert len(load.calls) == 2
    with pytest.raises(WatchlistError):  # and the bad file is not remembered as good
        CheckedCache(storage).people(paths, load)
    assert len(load.calls) == 3


def test_what_is_checked_is_the_bytes_read_for_the_key(files):
    storage, paths = files
    load = Counting()
    CheckedCache(storage).people(paths, load)
    assert load.calls[0] == {paths[0]: paths[0].read_bytes()}


def test_a_new_day_new_code_or_another_interval_floor_checks_again(files, monkeypatch):
    storage, paths = files
    load = Counting()
    CheckedCache(storage).people(paths, load)

    class Tomorrow(date):
        @classmethod
        def today(cls):
            return date(2099, 1, 1)

    monkeypatch.setattr(checked, "date", Tomorrow)
    CheckedCache(storage).people(paths, load)
    assert len(load.calls) == 2
    monkeypatch.setattr(checked, "code_key", lambda: "other code")
    CheckedCache(storage).people(paths, load)
    assert len(load.calls) == 3
    monkeypatch.setenv("PANTAU_MIN_INTERVAL", "5s")
    CheckedCache(storage).people(paths, load)
    assert len(load.calls) == 4
    CheckedCache(storage).people(paths, load)
    assert len(load.calls) == 4


def test_a_damaged_cache_is_ignored_and_rewritten(files):
    storage, paths = files
    load = Counting()
    first = CheckedCache(storage).people(paths, load)
    record = storage / "cache" / "watchlists.json"
    record.write_bytes(b'{"key": "x", "people": [')  # cut short
    assert CheckedCache(storage).people(paths, load) == first
    data = json.loads(record.read_bytes())  # rewritten whole
    record.write_text(json.dumps({"key": data["key"], "people": [{"name": "?"}]}), encoding="utf-8")
    assert as_json(CheckedCache(storage).people(paths, load)) == as_json(first)
    assert len(load.calls) == 3


def test_the_cache_is_owner_only(files):
    storage, paths = files
    CheckedCache(storage).people(paths, Counting())
    CheckedCache(storage).lexicon(LEXICON)
    assert stat.S_IMODE((storage / "cache").stat().st_mode) == 0o700
    for name in ("watchlists.json", "lexicon.json"):
        assert stat.S_IMODE((storage / "cache" / name).stat().st_mode) == 0o600


def test_a_missing_file_is_reported_by_the_full_check(files):
    storage, paths = files
    with pytest.raises(WatchlistError) as caught:
        CheckedCache(storage).people(paths + [paths[0].with_name("hilang.toml")], Counting())
    assert "hilang.toml" in str(caught.value)


def test_the_lexicon_is_loaded_at_first_then_deferred(tmp_path):
    from alerts.lexicon import Lexicon

    storage = tmp_path / "data"
    first = CheckedCache(storage).lexicon(LEXICON)
    assert isinstance(first, Lexicon)
    later = CheckedCache(storage).lexicon(LEXICON)
    assert callable(later) and not isinstance(later, Lexicon)
    loaded = later()
    assert [e.id for e in loaded.elections] == [e.id for e in first.elections]
    assert len(loaded.terms) == len(first.terms)


def test_a_broken_lexicon_stops_the_start_even_after_a_good_one(tmp_path):
    storage = tmp_path / "data"
    folder = tmp_path / "lexicon"
    folder.mkdir()
    copies = []
    for path in LEXICON:
        copies.append(folder / path.name)
        copies[-1].write_bytes(path.read_bytes())
    CheckedCache(storage).lexicon(copies)
    assert callable(CheckedCache(storage).lexicon(copies))
    copies[0].write_text(copies[0].read_text(encoding="utf-8") + "\n[[rusak\n", encoding="utf-8")
    with pytest.raises(ProblemsError) as caught:
        CheckedCache(storage).lexicon(copies)
    assert copies[0].name in str(caught.value.problems[0])


def test_the_deferred_lexicon_parses_the_bytes_read_at_start(tmp_path):
    storage = tmp_path / "data"
    folder = tmp_path / "lexicon"
    folder.mkdir()
    copies = [folder / p.name for p in LEXICON]
    for src, dst in zip(LEXICON, copies):
        dst.write_bytes(src.read_bytes())
    CheckedCache(storage).lexicon(copies)
    later = CheckedCache(storage).lexicon(copies)
    copies[0].write_text("rusak = [", encoding="utf-8")  # edited while a cycle runs
    assert later().elections  # what passed at start is what the run uses
