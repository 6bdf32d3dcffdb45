"""Spreadsheet watchlists (CSV and ``.xlsx``) for :mod:`scraper.watchlist`.

Header words may be the English column names or Indonesian ones and common
synonyms (:data:`~scraper.watchlist.HEADER_SYNONYMS`); other columns are
ignored with a note. ``.xlsx`` files are read with openpyxl (first sheet,
values not formulas); cells become text the way staff typed them.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Any

from .nip import normalize_nip
from .watchlist import (_EXPECTED_ID, _HEADER, _REQUIRED_CSV, CSV_COLUMNS, HEADER_SYNONYMS, _Checker,
                        _did_you_mean, _RawAccount, _RawPerson)


def read_csv(file: str, text: str, ck: _Checker) -> None:
    if not text.strip():
        return
    first_line = text.splitlines()[0]
    sep = re.fullmatch(r'"?sep=(.)"?,*', first_line.strip())  # Excel's "sep=;" hint line
    if sep:
        delimiter, text = sep.group(1), text.split("\n", 1)[1] if "\n" in text else ""
    else:
        delimiter = max((",", ";", "\t"), key=first_line.count)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        ck.add(file, "file", f"CSV tidak bisa dibaca ({exc}); ekspor ulang dari spreadsheet sebagai 'CSV UTF-8'")
        return
    read_rows(file, rows, ck)


def xlsx_rows(file: str, data: bytes, ck: _Checker) -> list[list[str]]:
    """The first sheet's rows as text (numbers as digits: a NIP typed as a number keeps them)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile/XML errors: a damaged or non-Excel file
        ck.add(file, "file", f"berkas Excel tidak bisa dibaca ({type(exc).__name__}); simpan ulang dari Excel "
                             "atau LibreOffice sebagai .xlsx")
        return []
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in row])
            if len(rows) > 100_000:
                break
        return rows
    finally:
        book.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _header_column(title: str) -> str | None:
    words = " ".join(re.sub(r"[^0-9a-z]+", " ", title.lower()).split())
    return _HEADER.get(words)


def _read_header(file: str, header: list[str], ck: _Checker) -> dict[str, int] | None:
    """The column index of each known title of row 1, or None (problems added) when a column is missing."""
    columns: dict[str, int] = {}
    expected = _EXPECTED_ID
    ignored = []
    for i, title in enumerate(header):
        name = _header_column(title)
        if not title:
            ck.add(file, "row 1", f"kolom ke-{i + 1} tidak punya judul; baris pertama harus: {expected}")
        elif name is None:
            ignored.append(title)
        elif name in columns:
            ck.add(file, "row 1", f"kolom {title!r} muncul dua kali (sama dengan kolom "
                                  f"{header[columns[name]]!r}); hapus salah satunya")
        else:
            columns[name] = i
    missing = [c for c in CSV_COLUMNS if c not in columns]
    if missing:
        words = ", ".join(HEADER_SYNONYMS[c][1] for c in missing)
        wanted = [w for c in missing for w in HEADER_SYNONYMS[c]]
        hint = next((h for h in (_did_you_mean(t, wanted) for t in ignored) if h), "")
        ck.add(file, "row 1", f"kolom {words} tidak ada; baris pertama harus: {expected}{hint}")
        return None
    if ignored:
        ck.notes.append(f"{file}: kolom {', '.join(repr(t) for t in ignored)} diabaikan "
                        "(bukan bagian daftar pantauan; isinya tidak dibaca)")
    return columns


def read_rows(file: str, rows: list[list[str]], ck: _Checker) -> None:
    """One spreadsheet (CSV or the first Excel sheet): header row, then one account per row."""
    if not rows:
        return
    header = [h.strip() for h in rows[0]]
    while header and not header[-1]:
        header.pop()
    columns = _read_header(file, header, ck)
    if columns is None:
        return
    group: _RawPerson | None = None
    group_key = ""
    for number, row in enumerate(rows[1:], 2):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        values = {c: " ".join(cells[i].split()) if i < len(cells) else "" for c, i in columns.items()}
        if not any(values.values()):
            continue  # only ignored columns filled in (e.g. a totals row)
        key = normalize_nip(values["nip"]) if values["nip"] else ""
        continuing = group is not None and key != "" and key == group_key
        if group is not None and not continuing:
            ck.person(group)  # before this row's problems, which are not the group's
            group = None
        start = len(ck.problems)
        where = f"row {number}"
        if any(cells[len(header):]):
            ck.add(file, where, f"baris ini berisi {len(cells)} kolom, lebih banyak dari judul kolom "
                                f"({len(header)}); beri judul kolom itu atau hapus isiannya")
        for c in _REQUIRED_CSV:
            if not values[c]:
                ck.add(file, f"{where}, {c}", f"kolom {c} kosong; isi {c} pada baris ini")
        account = _RawAccount(where, True, values["url"] or None, values["platform"] or None)
        person = _RawPerson(file, where, True, start, values["name"] or None, values["nip"] or None,
                            values["position"] or None, values["unit"] or None, [account])
        if group is not None:
            if person.details() != group.details():
                ck.add(file, f"{where}, nip", ck.conflict(key, group, person, where))
            group.accounts.append(account)
        else:
            group, group_key = person, key
    if group is not None:
        ck.person(group)
