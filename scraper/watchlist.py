"""Watchlists: the staff-maintained files of civil servants (ASN) and their accounts.

Two formats, same content:

* TOML: ``[[person]]`` tables with ``name``, ``nip``, ``position``, ``unit`` and
  ``accounts = [{platform = "...", url = "...", options = {...}, interval = "30m"}]``;
* a spreadsheet, CSV or ``.xlsx`` (first sheet, read with openpyxl): header
  ``name,nip,position,unit,platform,url`` or its Indonesian words and common
  synonyms (``Nama;NIP;Jabatan;Unit Kerja|OPD|Instansi;Platform;Tautan|URL|Akun``,
  see :data:`HEADER_SYNONYMS`), one row per account; consecutive rows with
  the same NIP are one person. Other columns (``Catatan``, ``No``) are ignored
  with a note (``notes``), never an error.

:func:`check_watchlists` reads every file and collects EVERY problem as a
:class:`~alerts.problems.Problem` (``FILE: ENTRY: MESSAGE``, messages in
Indonesian for staff), across files too: the same account listed twice or one
NIP used for two people is reported with both places. Entries are named
``person[3] (Budi Santoso).accounts[1].url`` in TOML (counting from 1) and
``row 7, url`` in CSV (the spreadsheet row number; the header is row 1).

Account URLs are normalised (scheme and host lower-case, trailing ``/`` of the
path removed) so ``https://T.me/x/`` and ``https://t.me/x`` are one account and
keep the same :attr:`~scraper.models.Account.key`. An account's optional
``interval`` is :attr:`~scraper.models.Account.interval` (parsed when loaded).
"""
from __future__ import annotations

import difflib
import logging
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from alerts.problems import Problem
from alerts.timeutil import DurationText

from .errors import WatchlistError
from .models import Account, Person
from .nip import check_nip, normalize_nip
from .settings import min_interval

log = logging.getLogger(__name__)

CSV_COLUMNS = ("name", "nip", "position", "unit", "platform", "url")
_REQUIRED_CSV = ("name", "nip", "position", "unit", "url")
#: spreadsheet header words (lower case, punctuation as spaces) -> column
HEADER_SYNONYMS = {
    "name": ("name", "nama", "nama lengkap", "nama pegawai", "nama asn"),
    "nip": ("nip", "nip baru", "nomor induk pegawai", "no nip"),
    "position": ("position", "jabatan", "nama jabatan"),
    "unit": ("unit", "unit kerja", "opd", "instansi", "satuan kerja", "satker", "skpd", "perangkat daerah",
             "unit organisasi"),
    "platform": ("platform", "media sosial", "medsos", "jenis akun", "jenis"),
    "url": ("url", "tautan", "akun", "link", "alamat akun", "tautan akun", "alamat", "link akun", "url akun"),
}
_HEADER = {word: column for column, words in HEADER_SYNONYMS.items() for word in words}
#: what staff see as the expected header
_EXPECTED_ID = "Nama;NIP;Jabatan;Unit Kerja;Platform;Tautan (atau name,nip,position,unit,platform,url)"
SHEET_SUFFIXES = (".toml", ".csv", ".xlsx")

KnownPlatforms = Callable[[], list[str]]
InferPlatform = Callable[[str], "str | None"]
#: ``check_account(platform, url, options) -> messages`` (empty = fine)
CheckAccount = Callable[[str, str, Mapping[str, Any]], list[str]]

def find_watchlists(folder: Path) -> list[Path]:
    """``folder/*.toml``, ``*.csv`` and ``*.xlsx``, sorted (``*.example`` files are not picked up)."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SHEET_SUFFIXES
                  and not p.name.startswith("~$"))


def load_watchlists(
    paths: Sequence[Path],
    *,
    known_platforms: KnownPlatforms | None = None,
    infer_platform: InferPlatform | None = None,
    check_account: CheckAccount | None = None,
    today: date | None = None,
    contents: Mapping[Path, bytes] | None = None,
) -> list[Person]:
    """Every person in ``paths``; raises :class:`WatchlistError` listing every problem.

    ``contents``: files' bytes already read, by path (see :func:`check_watchlists`)."""
    persons, problems = check_watchlists(
        paths, known_platforms=known_platforms, infer_platform=infer_platform,
        check_account=check_account, today=today, contents=contents,
    )
    if problems:
        raise WatchlistError(problems)
    return persons


def check_watchlists(
    paths: Sequence[Path],
    *,
    known_platforms: KnownPlatforms | None = None,
    infer_platform: InferPlatform | None = None,
    check_account: CheckAccount | None = None,
    today: date | None = None,
    notes: list[str] | None = None,
    contents: Mapping[Path, bytes] | None = None,
) -> tuple[list[Person], list[Problem]]:
    """Read every file; return the valid persons and every problem found.

    A person with any problem (in any of its accounts) is left out of the
    persons. Defaults come from :mod:`scraper.platforms` (the adapter registry).
    ``notes`` (if given) receives remarks that are not problems, e.g. ignored
    spreadsheet columns. ``contents`` holds files' bytes already read (by path),
    so that what is checked is exactly what the caller read.
    """
    if known_platforms is None or infer_platform is None or check_account is None:
        from . import platforms
        known_platforms = known_platforms or platforms.known_platforms
        infer_platform = infer_platform or platforms.infer_platform
        check_account = check_account or (
            lambda name, url, options: platforms.get_adapter(name).check_account(url, options)
        )
    checker = _Checker(list(known_platforms()), infer_platform, check_account, today or date.today())
    for path in paths:
        _read_file(Path(path), checker, (contents or {}).get(Path(path)))
    if notes is not None:
        notes.extend(checker.notes)
    return checker.persons, checker.problems


# --------------------------------------------------------------------------- entries

@dataclass
class _RawAccount:
    where: str  # "person[1] (Budi).accounts[2]" or "row 7"
    csv: bool
    url: str | None
    platform: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    interval: str | None = None

    def entry(self, key: str) -> str:
        return f"{self.where}, {key}" if self.csv else f"{self.where}.{key}"


@dataclass
class _RawPerson:
    file: str
    where: str  # "person[1] (Budi)" or "row 7" (first row of the person)
    csv: bool
    start: int  # number of problems before this entry was read
    name: str | None
    nip: str | None
    position: str | None
    unit: str | None
    accounts: list[_RawAccount] = field(default_factory=list)

    def entry(self, key: str) -> str:
        return f"{self.where}, {key}" if self.csv else f"{self.where}.{key}"

    def place(self, where: str | None = None) -> str:
        where = where or self.where
        return f"{self.file}: {where} ({self.name})" if self.csv and self.name else f"{self.file}: {where}"

    def details(self) -> tuple[str, ...]:
        return tuple(" ".join((v or "").split()).casefold() for v in (self.name, self.position, self.unit))


class _Checker:
    """Cross-entry checks (NIPs, duplicate accounts) and building the domain objects."""

    def __init__(self, known: list[str], infer: InferPlatform, check: CheckAccount, today: date):
        self.known, self.infer, self.check, self.today = sorted(known), infer, check, today
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.persons: list[Person] = []
        self.nips: dict[str, _RawPerson] = {}
        self.urls: dict[str, str] = {}

    def add(self, file: str, entry: str, message: str) -> None:
        self.problems.append(Problem(file, entry, message))

    def known_list(self) -> str:
        return ", ".join(self.known) or "(belum ada platform terdaftar)"

    def person(self, rp: _RawPerson) -> None:
        nip = ""
        if rp.nip is not None:
            messages = check_nip(rp.nip, today=self.today)
            for message in messages:
                self.add(rp.file, rp.entry("nip"), message)
            if not messages:
                nip = normalize_nip(rp.nip)
                self._register_nip(rp, nip)
        accounts = [self._account(rp, ra, nip) for ra in rp.accounts]
        if len(self.problems) == rp.start and all(accounts) and accounts and nip:
            self.persons.append(Person(
                name=rp.name or "", nip=nip, position=rp.position or "", unit=rp.unit or "",
                accounts=tuple(a for a in accounts if a), source=rp.file,
            ))

    def conflict(self, nip: str, first: _RawPerson, second: _RawPerson, second_where: str) -> str:
        def desc(rp: _RawPerson) -> str:
            if first.details()[0] != second.details()[0]:
                return rp.name or "?"
            return f"{rp.name} / {rp.position} / {rp.unit}"
        return (
            f"NIP {nip} dipakai oleh dua orang berbeda: {desc(first)} ({first.place()}) dan "
            f"{desc(second)} ({second.place(second_where)}); perbaiki NIP yang salah atau samakan "
            "nama, jabatan dan unit"
        )

    def _register_nip(self, rp: _RawPerson, nip: str) -> None:
        first = self.nips.setdefault(nip, rp)
        if first is rp:
            return
        if first.details() != rp.details():
            message = self.conflict(nip, first, rp, rp.where)
        else:
            tip = "tulis semua akunnya di baris-baris yang berurutan" if rp.csv else "gabungkan semua akunnya di satu [[person]]"
            message = f"NIP {nip} ({rp.name}) sudah tercantum di {first.place()}; {tip}"
        self.add(rp.file, rp.entry("nip"), message)

    def _account(self, rp: _RawPerson, ra: _RawAccount, nip: str) -> Account | None:
        start = len(self.problems)
        url = None
        if ra.url is not None:
            url, message = normalize_url(ra.url)
            if message:
                self.add(rp.file, ra.entry("url"), message)
        platform = None
        if ra.platform:
            platform = ra.platform.strip().lower()
            if platform not in self.known:
                self.add(rp.file, ra.entry("platform"),
                         f"platform {ra.platform!r} tidak dikenal; pilih salah satu: {self.known_list()}")
                platform = None
        elif url:
            platform = self.infer(url)
            if platform is None:
                how = "isi kolom platform" if ra.csv else 'tambahkan platform = "..." pada akun ini'
                self.add(rp.file, ra.entry("platform"),
                         f"platform tidak bisa ditebak dari alamat {urlsplit(url).hostname!r}; {how} "
                         f"(salah satu: {self.known_list()})")
        options = dict(ra.options)
        interval = None
        if ra.interval is not None:
            try:
                interval = DurationText(ra.interval.strip())
            except ValueError:
                pass
            if interval is None or interval.seconds <= 0:
                interval = None
                self.add(rp.file, ra.entry("interval"),
                         f"interval {ra.interval!r} tidak valid; tulis angka dan satuan, mis. 30m, 2h atau 1d")
            elif interval.seconds < min_interval():  # the same floor as [schedule] intervals
                self.add(rp.file, ra.entry("interval"),
                         f"interval {ra.interval!r} terlalu pendek: akun ini akan diambil setiap "
                         f"{interval.seconds:g} detik; pakai paling sedikit {min_interval():g} detik "
                         "(mis. 15m atau 1h)")
                interval = None
        if url and platform:
            try:
                messages = list(self.check(platform, url, ra.options))
            except Exception as exc:  # a buggy adapter must not hide the other problems
                log.exception("check_account for %s failed", platform)
                messages = [f"pemeriksaan akun {platform} gagal: {exc}"]
            for message in messages:
                if ra.csv and "options" in message:  # TOML advice means nothing in a spreadsheet
                    message = (f"akun platform {platform} butuh pengaturan tambahan ({message.split(',')[0]}) "
                               "yang tidak bisa ditulis di CSV/XLSX; pindahkan akun ini ke berkas .toml "
                               "(contoh: watchlists/people/contoh.toml.example), atau pakai platform rss "
                               "bila situsnya punya feed")
                self.add(rp.file, ra.entry("url") if ra.csv else ra.where, message)
        if url:
            here = rp.place(ra.where)
            first = self.urls.setdefault(url, here)
            if first != here:
                self.add(rp.file, ra.entry("url"), f"akun {url} sudah tercantum di {first}; hapus salah satu")
        if url and platform and len(self.problems) == start:
            return Account(platform=platform, url=url, options=options, person_nip=nip, person_name=rp.name or "",
                           interval=interval)
        return None


def normalize_url(raw: str) -> tuple[str | None, str | None]:
    """``(normalised URL, None)`` or ``(None, message)`` for a staff-written account URL."""
    text = raw.strip()
    if not text:
        return None, "URL kosong; isi alamat lengkap akun, mis. https://t.me/nama_kanal"
    if re.search(r"\s", text):
        return None, f"URL {text!r} mengandung spasi; hapus spasinya"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None, f"URL {text!r} tidak valid; periksa penulisannya"
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        hint = f"; tulis https://{text}" if "://" not in text and "." in text.split("/")[0] else ""
        return None, f"URL {text!r} harus lengkap dan diawali http:// atau https://{hint}"
    userinfo, _, hostport = parts.netloc.rpartition("@")
    netloc = (userinfo + "@" if userinfo else "") + hostport.lower()
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), parts.query, parts.fragment)), None


# --------------------------------------------------------------------------- files

def _read_file(path: Path, ck: _Checker, data: bytes | None = None) -> None:
    file = str(path)
    name = path.name.lower().removesuffix(".example")
    kind = next((k[1:] for k in SHEET_SUFFIXES if name.endswith(k)), None)
    if kind is None:
        ck.add(file, "file", "jenis berkas tidak dikenal; daftar pantauan harus berakhiran .toml, .csv atau .xlsx")
        return
    try:
        data = path.read_bytes() if data is None else data
    except FileNotFoundError:
        ck.add(file, "file", "berkas tidak ditemukan; periksa nama dan foldernya")
        return
    except OSError as exc:
        ck.add(file, "file", f"berkas tidak bisa dibaca: {exc.strerror or exc}")
        return
    if kind == "xlsx" or data.startswith(b"PK\x03\x04"):
        if kind != "xlsx":
            ck.add(file, "file", "ini berkas Excel (.xlsx) dengan akhiran lain; ganti akhiran nama berkasnya "
                                 "menjadi .xlsx")
            return
        from .watchlist_sheet import read_rows, xlsx_rows

        read_rows(file, xlsx_rows(file, data, ck), ck)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        how = ("di Excel pilih File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'; di LibreOffice pilih "
               "set karakter 'Unicode (UTF-8)'") if kind == "csv" else "simpan ulang berkas dengan encoding UTF-8"
        ck.add(file, f"line {line}", f"berkas bukan UTF-8 (byte 0x{data[exc.start]:02x} tidak dikenali); {how}")
        return
    if kind == "toml":
        from .watchlist_toml import read_toml

        read_toml(file, text, ck)
    else:
        from .watchlist_sheet import read_csv

        read_csv(file, text, ck)


def _clean(value: Any) -> str | None:
    """A staff-written text value with surrounding and doubled spaces removed, or None."""
    if not isinstance(value, str):
        return None
    return " ".join(value.split()) or None


def _did_you_mean(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word.lower(), list(choices), n=1, cutoff=0.6)
    return f" (maksud Anda {close[0]!r}?)" if close else ""
