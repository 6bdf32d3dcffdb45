"""NIP: the 18-digit number of an Indonesian civil servant (ASN).

Layout (PNS and PPPK alike)::

    19850312 201001 1 003
    |        |      | +-- serial number 001-999
    |        |      +---- sex: 1 = male (L), 2 = female (P)
    |        +----------- appointment (TMT CPNS / PPPK) YYYYMM
    +-------------------- birth date YYYYMMDD

Staff type NIPs with spaces or dots; :func:`normalize_nip` removes them.
:func:`check_nip` returns concrete messages in Indonesian (staff read them in
``pantau check``); an empty list means the NIP is valid. All functions are
pure: the current date is an argument (default: today).
"""
from __future__ import annotations

import re
from datetime import date

NIP_LENGTH = 18
MIN_BIRTH_YEAR = 1940
#: nobody is appointed (or born on the list) younger than this
MIN_AGE = 15

# Excel turns a long number into e.g. "1.98503E+17" (or "1,98503E+17" with
# Indonesian regional settings) and keeps only 15 significant digits.
_SCIENTIFIC = re.compile(r"^[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+$")
# separators staff type: spaces (also non-breaking ones) and dots; a leading
# apostrophe is how Excel users force a cell to text.
_SEPARATORS = re.compile(r"[\s.\u00a0\u202f]+")

_EXCEL_HINT = (
    "format kolom nip di spreadsheet sebagai Teks (Format Cells > Text) "
    "lalu ketik ulang NIP-nya, kemudian ekspor ulang"
)


def normalize_nip(raw: str) -> str:
    """``raw`` without spaces, dots and a leading apostrophe.

    No validation: ``"19850312 201001 1 003"`` -> ``"198503122010011003"``;
    anything else is returned cleaned but unchecked (see :func:`check_nip`).
    """
    text = str(raw).strip()
    if text.startswith("'"):
        text = text[1:]
    return _SEPARATORS.sub("", text)


def check_nip(raw: str, *, today: date | None = None) -> list[str]:
    """Problems with ``raw`` as an NIP (Indonesian messages); empty = valid."""
    today = today or date.today()
    text = str(raw).strip()
    if not text:
        return ["NIP kosong; isi 18 digit NIP, mis. 19850312 201001 1 003"]
    if _SCIENTIFIC.match(text):
        return [
            f"NIP {text!r} tertulis dalam notasi ilmiah Excel, digit terakhirnya sudah hilang; "
            + _EXCEL_HINT
        ]
    nip = normalize_nip(text)
    bad = sorted({c for c in nip if not c.isascii() or not c.isdigit()})
    if bad:
        shown = " ".join(repr(c) for c in bad)
        return [f"NIP hanya boleh berisi angka (spasi dan titik boleh), ditemukan {shown} dalam {text!r}"]
    if len(nip) != NIP_LENGTH:
        return [f"NIP harus 18 digit, ditemukan {len(nip)} ({text!r})"]

    problems: list[str] = []
    birth = _birth_date_or_none(nip)
    max_birth_year = today.year - MIN_AGE
    if birth is None:
        problems.append(
            f"tanggal lahir {nip[:8]} dalam NIP tidak valid (8 digit pertama harus tanggal lahir TTTTBBHH)"
        )
    elif not MIN_BIRTH_YEAR <= birth.year <= max_birth_year:
        problems.append(
            f"tahun lahir {birth.year} dalam NIP tidak masuk akal "
            f"(harus antara {MIN_BIRTH_YEAR} dan {max_birth_year})"
        )

    appt_year, appt_month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= appt_month <= 12:
        problems.append(
            f"bulan pengangkatan (TMT) {nip[8:14]} dalam NIP tidak valid: bulan harus 01-12 (digit ke-13 dan ke-14)"
        )
    if appt_year > today.year:
        problems.append(f"tahun pengangkatan (TMT) {appt_year} dalam NIP ada di masa depan")
    elif birth is not None and appt_year < birth.year + MIN_AGE:
        problems.append(
            f"tahun pengangkatan (TMT) {appt_year} dalam NIP terlalu dekat dengan tahun lahir "
            f"{birth.year} (minimal {birth.year + MIN_AGE}); periksa digit ke-9 sampai ke-14"
        )

    if nip[14] not in "12":
        problems.append(
            f"digit jenis kelamin (digit ke-15) dalam NIP harus 1 (laki-laki) atau 2 (perempuan), ditemukan {nip[14]}"
        )
    if nip[15:] == "000":
        problems.append(
            "nomor urut (3 digit terakhir) dalam NIP tidak boleh 000; jika NIP pernah diketik di Excel "
            "sebagai angka, 3 digit terakhir berubah menjadi 000: " + _EXCEL_HINT
        )
    return problems


def nip_birth_date(nip: str) -> date:
    """The birth date encoded in ``nip``; ValueError if it is not a real date."""
    clean = normalize_nip(nip)
    birth = _birth_date_or_none(clean) if len(clean) == NIP_LENGTH and clean.isdigit() else None
    if birth is None:
        raise ValueError(f"no valid birth date in NIP {nip!r}")
    return birth


def nip_sex(nip: str) -> str:
    """``"L"`` (laki-laki, digit 1) or ``"P"`` (perempuan, digit 2); ValueError otherwise."""
    clean = normalize_nip(nip)
    if len(clean) != NIP_LENGTH or not clean.isdigit() or clean[14] not in "12":
        raise ValueError(f"no valid sex digit in NIP {nip!r}")
    return "L" if clean[14] == "1" else "P"


def _birth_date_or_none(nip: str) -> date | None:
    try:
        return date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return None
