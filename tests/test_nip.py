"""NIP validation: table-driven, with a fixed "today" so results never drift."""
from __future__ import annotations

from datetime import date

import pytest

from scraper.nip import check_nip, nip_birth_date, nip_sex, normalize_nip

TODAY = date(2024, 11, 24)
VALID = "198503122010011003"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("198503122010011003", "198503122010011003"),
        ("19850312 201001 1 003", "198503122010011003"),
        ("  19850312.201001.1.003 ", "198503122010011003"),
        ("19850312\u00a0201001\u00a01\u00a0003", "198503122010011003"),
        ("'198503122010011003", "198503122010011003"),
        ("abc 12", "abc12"),  # cleaned, not validated
    ],
    ids=["plain", "spaces", "dots", "nbsp", "excel-apostrophe", "unchecked"],
)
def test_normalize_nip(raw, expected):
    assert normalize_nip(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        VALID,
        "19850312 201001 1 003",
        "19850312.201001.1.003",
        "199001012015032001",  # female
        "194001012000011999",  # earliest birth year, serial 999
        "200902282024121001",  # born 2009 (= 2024 - 15), appointed this year
        "200002292024011001",  # 29 February of a leap year
    ],
)
def test_valid_nips(raw):
    assert check_nip(raw, today=TODAY) == []


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ("", "NIP kosong"),
        ("   ", "NIP kosong"),
        ("19850312201001100", "NIP harus 18 digit, ditemukan 17"),
        ("1985031220100110031", "NIP harus 18 digit, ditemukan 19"),
        ("19850312-201001-1-003", "hanya boleh berisi angka"),
        ("1985031220100110O3", "'O'"),
        ("1.98503E+17", "notasi ilmiah"),
        ("1,98503E+17", "Teks"),
        ("198513122010011003", "tanggal lahir 19851312 dalam NIP tidak valid"),
        ("19851332 201001 1 003", "tanggal lahir 19851332 dalam NIP tidak valid"),
        ("198502292010011003", "tanggal lahir 19850229"),  # 1985 is not a leap year
        ("193912312000011001", "tahun lahir 1939"),
        ("201001012024011001", "tahun lahir 2010"),
        ("198503122010131003", "bulan pengangkatan (TMT) 201013"),
        ("198503122010001003", "bulan harus 01-12"),
        ("198503122025011003", "tahun pengangkatan (TMT) 2025 dalam NIP ada di masa depan"),
        ("198503121999011003", "tahun pengangkatan (TMT) 1999 dalam NIP terlalu dekat"),
        ("198503122010013003", "digit jenis kelamin (digit ke-15) dalam NIP harus 1 (laki-laki) atau 2"),
        ("198503122010010003", "ditemukan 0"),
        ("198503122010011000", "tidak boleh 000"),
    ],
    ids=lambda v: v if len(v) < 30 else v[:30],
)
def test_invalid_nips(raw, fragment):
    problems = check_nip(raw, today=TODAY)
    assert problems, f"{raw!r} should be invalid"
    assert any(fragment in p for p in problems), problems


def test_excel_precision_loss_hint():
    # Excel keeps 15 significant digits: the serial becomes 000.
    (msg,) = check_nip("198503122010011000", today=TODAY)
    assert "Excel" in msg and "Teks" in msg


def test_every_problem_is_reported_not_just_the_first():
    problems = check_nip("198513322010139000", today=TODAY)
    joined = "\n".join(problems)
    assert len(problems) == 4, problems
    for fragment in ("tanggal lahir", "bulan pengangkatan", "jenis kelamin", "000"):
        assert fragment in joined


def test_plausible_years_follow_today():
    nip = "201001012024011001"  # born 2010
    assert check_nip(nip, today=date(2024, 1, 1))  # only 14 years old
    assert check_nip(nip, today=date(2026, 1, 1))  # appointed at 14
    assert check_nip("200901012024011001", today=date(2024, 1, 1)) == []


def test_default_today_is_the_real_date():
    assert check_nip(VALID) == []
    far_future = f"{date.today().year + 1}01"
    assert check_nip("19850312" + far_future + "1003")


def test_birth_date_and_sex():
    assert nip_birth_date("19850312 201001 1 003") == date(1985, 3, 12)
    assert nip_sex(VALID) == "L"
    assert nip_sex("199001012015032001") == "P"


@pytest.mark.parametrize("bad", ["198513122010011003", "12345", "1.98503E+17"])
def test_birth_date_rejects_invalid(bad):
    with pytest.raises(ValueError):
        nip_birth_date(bad)


@pytest.mark.parametrize("bad", ["198503122010013003", "12345"])
def test_sex_rejects_invalid(bad):
    with pytest.raises(ValueError):
        nip_sex(bad)
