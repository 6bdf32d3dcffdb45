"""What a start-up may skip because the same files were checked before (issue #17).

``pantau once``, the daemon and the staff console read every watchlist and lexicon
file when they start, and reading them is checking them: 500 people cost ~30 ms of
TOML parsing and checks, the lexicon ~30 ms of imports and parsing, on every start.
Once a set of files has passed, that is remembered under ``[storage] dir``/cache, keyed by

* the content (SHA-256) of every file, in order (a file that changed is checked again);
* the day and the shortest-interval override (checks of NIPs and intervals depend on them);
* the code: Pantau's version and the size and mtime of every module of ``scraper``
  and ``alerts`` (a changed check is applied again).

The watchlists' people are read back from JSON. The lexicon is parsed, from the bytes
read at start, on the detector's first use: a cycle in which nothing changed detects
nothing. Whatever is not known to have passed is checked in full at start, so a
problem stops the start with the same message as before. The cache holds what the
watchlists say, no secrets (the config is not cached); it is written atomically,
owner-only; a damaged or unreadable cache file is ignored and rewritten.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from alerts.storage import atomic_write_json, ensure_private_dir

from . import __version__
from .models import Account, Person
from .settings import min_interval

if TYPE_CHECKING:
    from alerts.lexicon import Lexicon

log = logging.getLogger(__name__)

#: the folder under ``[storage] dir``
CACHE_DIR = "cache"
_FORMAT = 1
_PACKAGES = (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "alerts")


@functools.cache
def code_key() -> str:
    """Pantau's version and the size and mtime of each of its modules (~1 ms, once a process)."""
    h = hashlib.sha256(f"{_FORMAT}|{__version__}".encode())
    for package in _PACKAGES:
        for folder, subfolders, files in os.walk(package):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    st = os.stat(os.path.join(folder, name))
                    h.update(f"{folder}/{name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _read_all(paths: Sequence[Path]) -> dict[Path, bytes] | None:
    """Every file's bytes, or None when one cannot be read (the full check then says why)."""
    contents: dict[Path, bytes] = {}
    for path in paths:
        try:
            contents[Path(path)] = Path(path).read_bytes()
        except OSError:
            return None
    return contents


def _key(kind: str, contents: dict[Path, bytes]) -> str:
    parts = [kind, code_key(), date.today().isoformat(), min_interval(),
             [[str(p), hashlib.sha256(b).hexdigest()] for p, b in contents.items()]]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


class CheckedCache:
    """The records under ``<storage>/cache``: one JSON file per kind of input."""

    def __init__(self, storage_dir: Path) -> None:
        self.folder = Path(storage_dir) / CACHE_DIR

    def _get(self, kind: str, key: str) -> dict[str, Any] | None:
        try:
            record = json.loads((self.folder / f"{kind}.json").read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.info("cache %s ignored (%s); checked in full", kind, exc)
            return None
        return record if isinstance(record, dict) and record.get("key") == key else None

    def _put(self, kind: str, record: dict[str, Any]) -> None:
        try:
            ensure_private_dir(self.folder)
            atomic_write_json(self.folder / f"{kind}.json", record, durable=False)  # lost: checked again
        # a cache never stops a start: a full disk, a read-only folder, or options JSON cannot
        # hold (a TOML date; raised before anything is written)
        except (OSError, TypeError, ValueError) as exc:
            log.info("cache %s not written: %s", kind, exc)

    # -- watchlists ---------------------------------------------------------------------

    def people(self, paths: Sequence[Path], load: Callable[..., list[Person]]) -> list[Person]:
        """The people of ``paths``: from the cache when these files passed before, else
        ``load(paths, contents=...)`` (which raises on a problem) on the bytes read here."""
        contents = _read_all(paths)
        if contents is None:
            return load(paths)
        key = _key("watchlists", contents)
        record = self._get("watchlists", key)
        if record is not None:
            try:
                return [_person(item) for item in record["people"]]
            except (KeyError, TypeError, ValueError) as exc:
                log.info("cache watchlists ignored (%s); checked in full", exc)
        people = load(paths, contents=contents)
        self._put("watchlists", {"key": key, "people": [_person_json(p) for p in people]})
        return people

    # -- lexicon ------------------------------------------------------------------------

    def lexicon(self, paths: Sequence[Path]) -> Lexicon | Callable[[], Lexicon]:
        """The lexicon of ``paths`` loaded now (raising on a problem), or, when these files
        passed before, a loader that parses the bytes read here on first call."""
        contents = _read_all(paths)
        if contents is None:
            return _load_lexicon(paths)
        key = _key("lexicon", contents)
        if self._get("lexicon", key) is not None:
            return functools.partial(_load_lexicon, list(paths), contents)
        lexicon = _load_lexicon(paths, contents)
        self._put("lexicon", {"key": key})
        return lexicon


def _load_lexicon(paths: Sequence[Path], contents: dict[Path, bytes] | None = None) -> Lexicon:
    from alerts.lexicon import load_lexicon  # ~17 ms of imports: only when it is loaded

    return load_lexicon(paths, contents)


def _person_json(person: Person) -> dict[str, Any]:
    return {"name": person.name, "nip": person.nip, "position": person.position, "unit": person.unit,
            "source": person.source,
            "accounts": [{"platform": a.platform, "url": a.url, "options": dict(a.options),
                          "person_nip": a.person_nip, "person_name": a.person_name,
                          "interval": None if a.interval is None else str(a.interval)} for a in person.accounts]}


def _person(item: dict[str, Any]) -> Person:
    from alerts.timeutil import DurationText

    accounts = tuple(Account(platform=a["platform"], url=a["url"], options=a["options"],
                             person_nip=a["person_nip"], person_name=a["person_name"],
                             interval=None if a["interval"] is None else DurationText(a["interval"]))
                     for a in item["accounts"])
    return Person(name=item["name"], nip=item["nip"], position=item["position"], unit=item["unit"],
                  accounts=accounts, source=item["source"])
