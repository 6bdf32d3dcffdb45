"""Watchlists: real TOML and CSV files in tmp_path, every problem with its exact place."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from scraper.errors import WatchlistError
from scraper.models import Person
from scraper.watchlist import (
    check_watchlists,
    find_watchlists,
    load_watchlists,
    normalize_url,
)

REPO = Path(__file__).resolve().parent.parent
TODAY = date(2024, 11, 24)
BUDI = "198503122010011003"
SITI = "199001012015032001"
ANI = "199207172019032002"
HOSTS = {"t.me": "telegram", "telegram.me": "telegram"}


def known():
    return ["rss", "telegram", "web"]


def infer(url):
    from urllib.parse import urlsplit

    return HOSTS.get(urlsplit(url).hostname or "")


def no_check(platform, url, options):
    return []


def check(paths, **kw):
    kw.setdefault("known_platforms", known)
    kw.setdefault("infer_platform", infer)
    kw.setdefault("check_account", no_check)
    kw.setdefault("today", TODAY)
    return check_watchlists([Path(p) for p in paths], **kw)


def lines(problems):
    return [str(p) for p in problems]


def write(path: Path, text: str, encoding="utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


PERSON_TOML = """
[[person]]
name = "Budi Santoso"
nip = "19850312 201001 1 003"
position = "Kepala Seksi"
unit = "Dinas Kominfo"
accounts = [
  {platform = "telegram", url = "https://t.me/contoh_kanal_asn"},
  {url = "https://telegram.me/contoh_budi/", interval = "30m"},
  {platform = "web", url = "https://dinas.example.go.id/berita/", options = {selectors = {post = "article"}}},
]
"""

CSV_HEADER = "name,nip,position,unit,platform,url\n"


def budi_toml(accounts: str) -> str:
    """One valid person, Budi, with ``accounts`` (the TOML array's inside)."""
    return f'\n[[person]]\nname = "Budi"\nnip = "{BUDI}"\nposition = "Staf"\nunit = "Dinas"\naccounts = [{accounts}]\n'



# --------------------------------------------------------------------------- valid files

def test_valid_toml_builds_persons_and_accounts(tmp_path):
    f = write(tmp_path / "a.toml", PERSON_TOML)
    persons, problems = check([f])
    assert problems == []
    (p,) = persons
    assert (p.name, p.nip, p.position, p.unit, p.source) == ("Budi Santoso", BUDI, "Kepala Seksi", "Dinas Kominfo", str(f))
    assert [(a.platform, a.url) for a in p.accounts] == [
        ("telegram", "https://t.me/contoh_kanal_asn"),
        ("telegram", "https://telegram.me/contoh_budi"),  # inferred; trailing slash removed
        ("web", "https://dinas.example.go.id/berita"),
    ]
    assert all(a.person_nip == BUDI and a.person_name == "Budi Santoso" for a in p.accounts)
    assert dict(p.accounts[2].options) == {"selectors": {"post": "article"}}
    assert p.accounts[1].interval == "30m" and p.accounts[1].interval.seconds == 1800
    assert "interval" not in p.accounts[1].options
    assert p.accounts[0].interval is None
    assert load_watchlists([f], known_platforms=known, infer_platform=infer,
                           check_account=no_check, today=TODAY) == persons


def test_csv_groups_consecutive_rows_of_one_person(tmp_path):
    f = write(tmp_path / "a.csv", CSV_HEADER
              + f"Budi Santoso,{BUDI},Kepala Seksi,Dinas Kominfo,telegram,https://t.me/budi\n"
              + f"Budi Santoso,{BUDI},Kepala Seksi,Dinas Kominfo,,https://t.me/budi2\n"
              + "\n"  # blank rows are skipped
              + '"Siti Aminah","19900101 201503 2 001",Staf,"Bappeda, PPU",rss,https://siti.example.id/feed.xml\n')
    persons, problems = check([f])
    assert problems == []
    assert [(p.name, p.nip, len(p.accounts)) for p in persons] == [("Budi Santoso", BUDI, 2), ("Siti Aminah", SITI, 1)]
    assert persons[1].unit == "Bappeda, PPU"
    assert persons[0].accounts[1].platform == "telegram"
    assert all(p.source == str(f) for p in persons)


def test_csv_from_excel_bom_semicolons_header_case_and_trailing_column(tmp_path):
    text = (" Name ;NIP; Position;UNIT;Platform;URL;\r\n"
            f"Siti Aminah;{SITI};Staf;Bappeda;;https://t.me/siti;\r\n")
    f = tmp_path / "excel.csv"
    f.write_bytes(b"\xef\xbb\xbf" + text.encode())
    persons, problems = check([f])
    assert problems == []
    assert [(p.name, p.nip, p.accounts[0].url) for p in persons] == [("Siti Aminah", SITI, "https://t.me/siti")]


def test_csv_excel_sep_line(tmp_path):
    f = write(tmp_path / "a.csv", "sep=;\n" + CSV_HEADER.replace(",", ";")
              + f"Siti;{SITI};Staf;Bappeda;;https://t.me/siti\nBudi;123;Staf;Bappeda;;https://t.me/budi\n")
    persons, problems = check([f])
    assert [p.name for p in persons] == ["Siti"]
    # row numbers as Excel shows them: the sep line is not a row
    assert lines(problems) == [f"{f}: row 3, nip: NIP harus 18 digit, ditemukan 3 ('123')"]


def test_explicit_platform_on_loopback_host(tmp_path):
    f = write(tmp_path / "a.toml", f"""
[[person]]
name = "Uji"
nip = "{BUDI}"
position = "Staf"
unit = "Uji"
accounts = [{{platform = "web", url = "http://127.0.0.1:8080/x"}}, {{platform = "Telegram", url = "http://127.0.0.1:8080/s/kanal"}}]
""")
    persons, problems = check([f])
    assert problems == []
    assert [(a.platform, a.url) for a in persons[0].accounts] == [
        ("web", "http://127.0.0.1:8080/x"), ("telegram", "http://127.0.0.1:8080/s/kanal")]


@pytest.mark.parametrize("text", ["", "  \n", "# hanya komentar\n"])
def test_empty_toml_is_fine(tmp_path, text):
    assert check([write(tmp_path / "a.toml", text)]) == ([], [])


@pytest.mark.parametrize("text", ["", "\n", CSV_HEADER, "\ufeff" + CSV_HEADER])
def test_empty_csv_is_fine(tmp_path, text):
    assert check([write(tmp_path / "a.csv", text)]) == ([], [])


# --------------------------------------------------------------------------- NIP problems

def test_excel_scientific_nip_in_csv(tmp_path):
    f = write(tmp_path / "a.csv", CSV_HEADER + "Budi,1.98503E+17,Staf,Dinas,,https://t.me/budi\n")
    persons, problems = check([f])
    assert persons == []
    (p,) = problems
    assert (p.file, p.entry) == (str(f), "row 2, nip")
    assert "notasi ilmiah" in p.message and "Teks" in p.message


def test_bad_nip_in_toml_names_person(tmp_path):
    f = write(tmp_path / "a.toml", PERSON_TOML.replace("19850312 201001 1 003", "19851332 201001 1 003"))
    persons, problems = check([f])
    assert persons == []
    assert lines(problems) == [
        f"{f}: person[1] (Budi Santoso).nip: tanggal lahir 19851332 dalam NIP tidak valid "
        "(8 digit pertama harus tanggal lahir TTTTBBHH)"]


def test_nip_as_bare_toml_integer(tmp_path):
    f = write(tmp_path / "a.toml", PERSON_TOML.replace('"19850312 201001 1 003"', BUDI))
    (p,) = check([f])[1]
    assert p.entry == "person[1] (Budi Santoso).nip"
    assert "tanda kutip" in p.message


def test_same_nip_for_different_people_in_csv_consecutive_and_anywhere(tmp_path):
    f = write(tmp_path / "a.csv", CSV_HEADER
              + f"Budi Santoso,{BUDI},Staf,Dinas,,https://t.me/budi\n"
              + f"Budi Santosa,{BUDI},Staf,Dinas,,https://t.me/budi2\n"
              + f"Siti,{SITI},Staf,Dinas,,https://t.me/siti\n"
              + f"Ani,{SITI},Staf,Dinas,,https://t.me/ani\n")
    persons, problems = check([f])
    assert persons == []
    assert lines(problems) == [
        f"{f}: row 3, nip: NIP {BUDI} dipakai oleh dua orang berbeda: Budi Santoso ({f}: row 2 (Budi Santoso)) "
        f"dan Budi Santosa ({f}: row 3 (Budi Santosa)); perbaiki NIP yang salah atau samakan nama, jabatan dan unit",
        f"{f}: row 5, nip: NIP {SITI} dipakai oleh dua orang berbeda: Siti ({f}: row 4 (Siti)) "
        f"dan Ani ({f}: row 5 (Ani)); perbaiki NIP yang salah atau samakan nama, jabatan dan unit",
    ]


def test_same_nip_different_unit_names_the_details(tmp_path):
    f = write(tmp_path / "a.csv", CSV_HEADER
              + f"Budi,{BUDI},Staf,Dinas A,,https://t.me/budi\n"
              + f"budi ,{BUDI},Staf,Dinas B,,https://t.me/budi2\n")
    (p,) = check([f])[1]
    assert p.entry == "row 3, nip"
    assert "Budi / Staf / Dinas A" in p.message and "budi / Staf / Dinas B" in p.message


def test_same_person_split_over_non_consecutive_rows(tmp_path):
    f = write(tmp_path / "a.csv", CSV_HEADER
              + f"Budi,{BUDI},Staf,Dinas,,https://t.me/budi\n"
              + f"Siti,{SITI},Staf,Dinas,,https://t.me/siti\n"
              + f"Budi,{BUDI},Staf,Dinas,,https://t.me/budi2\n")
    persons, problems = check([f])
    assert [p.name for p in persons] == ["Budi", "Siti"]
    assert lines(problems) == [
        f"{f}: row 4, nip: NIP {BUDI} (Budi) sudah tercantum di {f}: row 2 (Budi); "
        "tulis semua akunnya di baris-baris yang berurutan"]


def test_nip_conflict_across_files(tmp_path):
    a = write(tmp_path / "a.toml", PERSON_TOML)
    b = write(tmp_path / "b.csv", CSV_HEADER + f"Ahmad,{BUDI.replace('1003', '1003')},Staf,Dinas,,https://t.me/ahmad\n")
    persons, problems = check([a, b])
    assert [p.name for p in persons] == ["Budi Santoso"]
    assert lines(problems) == [
        f"{b}: row 2, nip: NIP {BUDI} dipakai oleh dua orang berbeda: Budi Santoso ({a}: person[1] (Budi Santoso)) "
        f"dan Ahmad ({b}: row 2 (Ahmad)); perbaiki NIP yang salah atau samakan nama, jabatan dan unit"]


# --------------------------------------------------------------------------- duplicate accounts

def test_duplicate_account_trailing_slash_and_host_case(tmp_path):
    f = write(tmp_path / "a.toml", f"""
[[person]]
name = "Budi"
nip = "{BUDI}"
position = "Staf"
unit = "Dinas"
accounts = [{{url = "https://t.me/contoh"}}]

[[person]]
name = "Siti"
nip = "{SITI}"
position = "Staf"
unit = "Dinas"
accounts = [{{url = "https://siti.example.id/feed", platform = "rss"}}, {{url = " HTTPS://T.ME/contoh/ "}}]
""")
    persons, problems = check([f])
    assert [p.name for p in persons] == ["Budi"]
    assert lines(problems) == [
        f"{f}: person[2] (Siti).accounts[2].url: akun https://t.me/contoh sudah tercantum di "
        f"{f}: person[1] (Budi).accounts[1]; hapus salah satu"]


def test_duplicate_account_across_files_names_both_places(tmp_path):
    a = write(tmp_path / "a.toml", PERSON_TOML)
    b = write(tmp_path / "b.csv", CSV_HEADER + f"Siti,{SITI},Staf,Dinas,telegram,https://T.me/contoh_kanal_asn/\n")
    persons, problems = check([a, b])
    assert [p.name for p in persons] == ["Budi Santoso"]
    assert lines(problems) == [
        f"{b}: row 2, url: akun https://t.me/contoh_kanal_asn sudah tercantum di "
        f"{a}: person[1] (Budi Santoso).accounts[1]; hapus salah satu"]


def test_same_account_twice_for_one_person(tmp_path):
    f = write(tmp_path / "a.csv", CSV_HEADER
              + f"Budi,{BUDI},Staf,Dinas,,https://t.me/budi\nBudi,{BUDI},Staf,Dinas,,https://t.me/budi/\n")
    assert lines(check([f])[1]) == [
        f"{f}: row 3, url: akun https://t.me/budi sudah tercantum di {f}: row 2 (Budi); hapus salah satu"]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("https://t.me/x/", "https://t.me/x"),
        ("HTTPS://T.Me/Kanal", "https://t.me/Kanal"),  # path case is kept
        ("https://example.go.id/", "https://example.go.id"),
        ("http://127.0.0.1:8080/a/b//", "http://127.0.0.1:8080/a/b"),
        ("https://x.id/feed?page=1", "https://x.id/feed?page=1"),
    ],
)
def test_normalize_url(raw, expected):
    assert normalize_url(raw) == (expected, None)


# --------------------------------------------------------------------------- schema problems (TOML)

def test_toml_schema_problems_all_reported_with_key_paths(tmp_path):
    f = write(tmp_path / "a.toml", f"""
[[person]]
name = "Siti"
nip = "{SITI}"
position = ""
nama = "Siti"
accounts = [{{url = "https://t.me/siti", foo = 1}}, "https://t.me/siti2", {{url = "https://x.id", platform = "web", options = "article"}}]

[[person]]
nip = "{ANI}"
position = "Staf"
unit = "Dinas"
accounts = []

[[person]]
name = "Budi"
nip = "{BUDI}"
position = "Staf"
unit = "Dinas"
accounts = [{{url = "https://t.me/budi", interval = "sebentar"}}, {{url = "https://t.me/budi2", interval = "0m"}}]
""")
    persons, problems = check([f])
    assert persons == []
    assert sorted((p.entry, p.message) for p in problems) == sorted([
        ("person[1] (Siti).position", "position tidak boleh kosong"),
        ("person[1] (Siti).unit", "unit wajib diisi"),
        ("person[1] (Siti).nama", "kunci 'nama' tidak dikenal; yang diizinkan: name, nip, position, unit, accounts "
                                  "(maksud Anda 'name'?)"),
        ("person[1] (Siti).accounts[2]", 'setiap akun harus berupa tabel, mis. {platform = "telegram", '
                                         'url = "https://t.me/nama_kanal"}'),
        ("person[1] (Siti).accounts[1].foo", "kunci 'foo' tidak dikenal; yang diizinkan: url, platform, options, interval"),
        ("person[1] (Siti).accounts[3].options", 'options harus berupa tabel, mis. options = {nama = "nilai"}'),
        ("person[2].name", "name wajib diisi"),
        ("person[2].accounts", 'accounts harus berisi minimal satu akun, mis. accounts = [{url = "https://t.me/nama_kanal"}]'),
        ("person[3] (Budi).accounts[1].interval", "interval 'sebentar' tidak valid; tulis angka dan satuan, mis. 30m, 2h atau 1d"),
        ("person[3] (Budi).accounts[2].interval", "interval '0m' tidak valid; tulis angka dan satuan, mis. 30m, 2h atau 1d"),
    ])
    assert {p.file for p in problems} == {str(f)}


def test_toml_top_level_problems(tmp_path):
    f = write(tmp_path / "a.toml", f"""
orang = 1
[person]
name = "Budi"
nip = "{BUDI}"
position = "Staf"
unit = "Dinas"
accounts = [{{url = "https://t.me/budi"}}]
""")
    persons, problems = check([f])
    assert [(p.entry, p.message) for p in problems] == [
        ("orang", "kunci tidak dikenal di tingkat atas; setiap orang ditulis sebagai tabel [[person]]"),
        ("person", "tulis [[person]] (dua kurung siku) untuk setiap orang, bukan [person]"),
    ]
    assert [p.name for p in persons] == ["Budi"]  # still read, so other problems surface


def test_toml_syntax_error_names_line_and_column(tmp_path):
    f = write(tmp_path / "a.toml", '[[person]]\nname = "Budi"\nnip = 19850312 201001\n')
    (p,) = check([f])[1]
    assert (p.file, p.entry) == (str(f), "line 3, column 16")
    assert p.message.startswith("bukan TOML yang valid (")


def test_toml_unterminated_string_at_end(tmp_path):
    f = write(tmp_path / "a.toml", '[[person]]\nname = "Budi\n')
    (p,) = check([f])[1]
    assert p.entry.startswith("line 2") or p.entry == "end of file"
    assert "bukan TOML yang valid" in p.message


# --------------------------------------------------------------------------- URL and platform problems

@pytest.mark.parametrize(
    "url, fragment",
    [
        ("t.me/contoh", "harus lengkap dan diawali http:// atau https://; tulis https://t.me/contoh"),
        ("ftp://t.me/contoh", "harus lengkap dan diawali http:// atau https://"),
        ("https://t.me/con toh", "mengandung spasi"),
        ("https://t.me:99999/x", "tidak valid"),
        ("   ", "url tidak boleh kosong"),
    ],
)
def test_bad_url(tmp_path, url, fragment):
    f = write(tmp_path / "a.toml", PERSON_TOML.replace("https://t.me/contoh_kanal_asn", url))
    persons, problems = check([f])
    assert persons == []
    (p,) = problems
    assert p.entry == "person[1] (Budi Santoso).accounts[1].url"
    assert fragment in p.message


def test_unknown_platform_lists_known_names(tmp_path):
    f = write(tmp_path / "a.toml", PERSON_TOML.replace('platform = "telegram"', 'platform = "telegam"'))
    (p,) = check([f])[1]
    assert p.entry == "person[1] (Budi Santoso).accounts[1].platform"
    assert p.message == "platform 'telegam' tidak dikenal; pilih salah satu: rss, telegram, web"


def test_platform_not_inferable_toml_and_csv_hints(tmp_path):
    a = write(tmp_path / "a.toml", PERSON_TOML.replace('platform = "web", ', ""))
    b = write(tmp_path / "b.csv", CSV_HEADER + f"Siti,{SITI},Staf,Dinas,,https://siti.example.id/feed\n")
    assert lines(check([a, b])[1]) == [
        f"{a}: person[1] (Budi Santoso).accounts[3].platform: platform tidak bisa ditebak dari alamat "
        "'dinas.example.go.id'; tambahkan platform = \"...\" pada akun ini (salah satu: rss, telegram, web)",
        f"{b}: row 2, platform: platform tidak bisa ditebak dari alamat 'siti.example.id'; isi kolom platform "
        "(salah satu: rss, telegram, web)",
    ]


def test_adapter_check_account_problems_and_options(tmp_path):
    seen = []

    def picky(platform, url, options):
        seen.append((platform, url, dict(options)))
        return ["options.selectors.post wajib"] if platform == "web" and "selectors" not in options else []

    a = write(tmp_path / "a.toml", PERSON_TOML.replace("options = {selectors = {post = \"article\"}}", "options = {}"))
    b = write(tmp_path / "b.csv", CSV_HEADER + f"Siti,{SITI},Staf,Dinas,web,https://siti.example.id/\n")
    persons, problems = check([a, b], check_account=picky)
    assert persons == []
    assert lines(problems) == [
        f"{a}: person[1] (Budi Santoso).accounts[3]: options.selectors.post wajib",
        f"{b}: row 2, url: akun platform web butuh pengaturan tambahan (options.selectors.post wajib) yang "
        "tidak bisa ditulis di CSV/XLSX; pindahkan akun ini ke berkas .toml (contoh: "
        "watchlists/people/contoh.toml.example), atau pakai platform rss bila situsnya punya feed",
    ]
    # the interval is not an adapter option
    assert ("telegram", "https://telegram.me/contoh_budi", {}) in seen


def test_adapter_crash_is_a_problem_not_a_crash(tmp_path):
    def broken(platform, url, options):
        raise RuntimeError("boom")

    f = write(tmp_path / "a.csv", CSV_HEADER + f"Siti,{SITI},Staf,Dinas,,https://t.me/siti\n")
    assert lines(check([f], check_account=broken)[1]) == [
        f"{f}: row 2, url: pemeriksaan akun telegram gagal: boom"]


# --------------------------------------------------------------------------- CSV structure problems

def test_csv_header_problems(tmp_path):
    f = write(tmp_path / "a.csv", "name,nip,jabatan,unit,platform,url,catatan,,nip\n"
              + f"Siti,{SITI},Staf,Dinas,,https://t.me/siti,x\n")
    assert lines(check([f])[1]) == [
        f"{f}: row 1: kolom ke-8 tidak punya judul; baris pertama harus: {EXPECTED}",
        f"{f}: row 1: kolom 'nip' muncul dua kali (sama dengan kolom 'nip'); hapus salah satunya",
    ]
    g = write(tmp_path / "b.csv", "nama,nip,pangkat,unit kerja,platform,url\n")
    assert lines(check([g])[1]) == [
        f"{g}: row 1: kolom jabatan tidak ada; baris pertama harus: {EXPECTED}"]


EXPECTED = "Nama;NIP;Jabatan;Unit Kerja;Platform;Tautan (atau name,nip,position,unit,platform,url)"


def test_csv_extra_column_ignored_with_a_note_rows_still_checked(tmp_path):
    f = write(tmp_path / "a.csv", "name,nip,position,unit,platform,url,Catatan\n"
              + f"Siti,{SITI},Staf,Dinas,,https://t.me/siti,pindah\n"
              + "Budi,,Staf,,,https://t.me/budi,\n")
    notes: list[str] = []
    persons, problems = check_watchlists([f], known_platforms=known, infer_platform=infer,
                                         check_account=no_check, today=TODAY, notes=notes)
    assert [p.name for p in persons] == ["Siti"]
    assert lines(problems) == [
        f"{f}: row 3, nip: kolom nip kosong; isi nip pada baris ini",
        f"{f}: row 3, unit: kolom unit kosong; isi unit pada baris ini",
    ]
    assert notes == [f"{f}: kolom 'Catatan' diabaikan (bukan bagian daftar pantauan; isinya tidak dibaca)"]


def test_indonesian_header_with_semicolons_and_synonyms(tmp_path):
    f = write(tmp_path / "a.csv", "No;Nama;NIP;Jabatan;OPD;Platform;Tautan;Keterangan\n"
              + f"1;Siti Aminah;{SITI};Staf;Dinas Kesehatan;telegram;https://t.me/siti;baru\n")
    g = write(tmp_path / "b.csv", "Nama Lengkap,NIP,Jabatan,Instansi,Media Sosial,Akun\n"
              + f"Budi,{BUDI},Guru,Dinas Pendidikan,,https://t.me/budi\n")
    notes: list[str] = []
    persons, problems = check_watchlists([f, g], known_platforms=known, infer_platform=infer,
                                         check_account=no_check, today=TODAY, notes=notes)
    assert problems == []
    assert [(p.name, p.unit, p.accounts[0].url) for p in persons] == [
        ("Siti Aminah", "Dinas Kesehatan", "https://t.me/siti"), ("Budi", "Dinas Pendidikan", "https://t.me/budi")]
    assert notes == [f"{f}: kolom 'No', 'Keterangan' diabaikan (bukan bagian daftar pantauan; isinya tidak dibaca)"]


def test_xlsx_watchlist_read_directly(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Nama", "NIP", "Jabatan", "Unit Kerja", "Platform", "Tautan", "Catatan"])
    sheet.append(["Siti Aminah", SITI, "Staf", "Dinas Kesehatan", "telegram", "https://t.me/siti", "x"])
    sheet.append(["Budi", BUDI, "Guru", "Dinas Pendidikan", None, "https://t.me/budi", None])
    sheet.append(["Citra", int(BUDI) + 1, "Guru", "Dinas Pendidikan", None, "https://t.me/citra", None])
    sheet.append([None, None, None, None, None, None, "jumlah: 3"])
    f = tmp_path / "daftar.xlsx"
    book.save(f)
    assert f in find_watchlists(tmp_path)
    notes: list[str] = []
    persons, problems = check_watchlists([f], known_platforms=known, infer_platform=infer,
                                         check_account=no_check, today=TODAY, notes=notes)
    assert [p.nip for p in persons] == [SITI, BUDI]
    # an 18-digit NIP typed as a number has lost digits in Excel: the advice says how to fix it
    (problem,) = problems
    assert problem.entry == "row 4, nip" and "Teks" in problem.message
    assert len(notes) == 1 and "'Catatan' diabaikan" in notes[0]
    broken = tmp_path / "rusak.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really")
    (p,) = check([broken])[1]
    assert p.entry == "file" and "Excel tidak bisa dibaca" in p.message


def test_web_account_in_csv_gets_spreadsheet_advice(tmp_path):
    from scraper.watchlist import check_watchlists as real

    f = write(tmp_path / "a.csv", CSV_HEADER + f"Siti,{SITI},Staf,Dinas,web,https://siti.example.id/\n")
    (p,) = real([f], today=TODAY)[1]
    assert p.entry == "row 2, url" and ".toml" in p.message and "CSV/XLSX" in p.message
    assert "options = {" not in p.message


def test_csv_row_with_too_many_cells(tmp_path):
    f = write(tmp_path / "a.csv", CSV_HEADER + f"Siti,{SITI},Staf,Dinas,,https://t.me/siti,lebih\n"
              + f"Budi,{BUDI},Staf,Dinas,,https://t.me/budi,,\n")
    persons, problems = check([f])
    assert [p.name for p in persons] == ["Budi"]
    assert lines(problems) == [
        f"{f}: row 2: baris ini berisi 7 kolom, lebih banyak dari judul kolom (6); "
        "beri judul kolom itu atau hapus isiannya"]


def test_csv_quoted_multiline_cell_keeps_spreadsheet_row_numbers(tmp_path):
    f = write(tmp_path / "a.csv", CSV_HEADER + f'"Siti\nAminah",{SITI},Staf,Dinas,,https://t.me/siti\n'
              + "Budi,12,Staf,Dinas,,https://t.me/budi\n")
    persons, problems = check([f])
    assert persons[0].name == "Siti Aminah"
    assert [p.entry for p in problems] == ["row 3, nip"]


# --------------------------------------------------------------------------- file problems

def test_not_utf8_suggests_csv_utf8(tmp_path):
    f = write(tmp_path / "a.csv", CSV_HEADER + f"Siti Ma'rifah Ç,{SITI},Staf,Dinas,,https://t.me/siti\n", "cp1252")
    (p,) = check([f])[1]
    assert (p.file, p.entry) == (str(f), "line 2")
    assert "bukan UTF-8" in p.message and "CSV UTF-8" in p.message


def test_xlsx_saved_under_csv_name(tmp_path):
    f = tmp_path / "a.csv"
    f.write_bytes(b"PK\x03\x04\x14\x00\x06\x00binary")
    (p,) = check([f])[1]
    assert p.entry == "file" and "xlsx" in p.message


def test_missing_file_and_unknown_extension(tmp_path):
    missing = tmp_path / "hilang.toml"
    other = write(tmp_path / "a.ods", "x")
    assert lines(check([missing, other])[1]) == [
        f"{missing}: file: berkas tidak ditemukan; periksa nama dan foldernya",
        f"{other}: file: jenis berkas tidak dikenal; daftar pantauan harus berakhiran .toml, .csv atau .xlsx",
    ]


def test_problems_from_several_files_together_with_valid_persons(tmp_path):
    good = write(tmp_path / "good.toml", PERSON_TOML)
    bad_toml = write(tmp_path / "bad.toml", "[[person]\n")
    bad_csv = write(tmp_path / "bad.csv", CSV_HEADER + f"Siti,{SITI},Staf,Dinas,,t.me/siti\n"
                    + f"Ani,{ANI},Staf,Dinas,,https://t.me/ani\n")
    persons, problems = check([bad_toml, good, bad_csv])
    assert [p.name for p in persons] == ["Budi Santoso", "Ani"]
    assert [(Path(p.file).name, p.entry) for p in problems] == [
        ("bad.toml", "line 1, column 9"), ("bad.csv", "row 2, url")]
    with pytest.raises(WatchlistError) as info:
        load_watchlists([bad_toml, good, bad_csv], known_platforms=known, infer_platform=infer,
                        check_account=no_check, today=TODAY)
    assert info.value.problems == problems
    assert str(info.value).count("\n") == 1


def test_find_watchlists_ignores_examples(tmp_path):
    for name in ("b.csv", "a.toml", "contoh.toml.example", "catatan.txt"):
        write(tmp_path / name, "")
    (tmp_path / "sub.toml").mkdir()
    assert [p.name for p in find_watchlists(tmp_path)] == ["a.toml", "b.csv"]


# --------------------------------------------------------------------------- shipped examples and real registry

def test_shipped_examples_are_valid():
    examples = [REPO / "watchlists/people/contoh.toml.example", REPO / "watchlists/people/contoh.csv.example"]
    persons, problems = check(examples, today=date.today())
    assert problems == []
    assert len(persons) >= 3
    assert {a.platform for p in persons for a in p.accounts} >= {"telegram", "rss", "web"}


def test_readme_snippets_are_valid(tmp_path):
    import re

    readme = (REPO / "watchlists/README.md").read_text(encoding="utf-8")
    snippets = re.findall(r"```(toml|csv)\n(.*?)```", readme, re.S)
    assert {kind for kind, _ in snippets} == {"toml", "csv"}
    files = [write(tmp_path / f"s{i}.{kind}", body) for i, (kind, body) in enumerate(snippets)]
    persons, problems = check(files, today=date.today())
    assert problems == []
    assert len(persons) == 3


def _registry_platforms():
    from scraper.platforms import known_platforms

    return known_platforms()


@pytest.mark.skipif(not {"telegram", "rss"} <= set(_registry_platforms()),
                    reason="telegram/rss adapters not registered yet")
def test_real_registry_defaults(tmp_path):
    f = write(tmp_path / "a.toml", budi_toml(
        '{url = "https://t.me/contoh_kanal_asn/"}, {platform = "rss", url = "https://dinas.example.go.id/feed.xml"},\n'
        '            {platform = "telegam", url = "https://t.me/lain"}'))
    persons, problems = check_watchlists([f], today=TODAY)
    assert persons == []
    assert [(p.entry, p.message.split(";")[0]) for p in problems] == [
        ("person[1] (Budi).accounts[3].platform", "platform 'telegam' tidak dikenal")]
    assert "telegram" in problems[0].message and "rss" in problems[0].message
    ok = write(tmp_path / "ok.toml", f.read_text().replace('{platform = "telegam", url = "https://t.me/lain"}', ""))
    (person,) = load_watchlists([ok], today=TODAY)
    assert isinstance(person, Person)
    assert [(a.platform, a.url) for a in person.accounts] == [
        ("telegram", "https://t.me/contoh_kanal_asn"), ("rss", "https://dinas.example.go.id/feed.xml")]


def test_an_account_interval_is_held_to_the_same_floor_as_the_schedule(tmp_path, monkeypatch):
    """A per-account interval shorter than a minute would fetch that account far too often."""
    monkeypatch.delenv("PANTAU_MIN_INTERVAL", raising=False)
    f = write(tmp_path / "a.toml", budi_toml(
        '{url = "https://t.me/budi", interval = "10s"}, {url = "https://t.me/budi2", interval = "1m"}'))
    persons, problems = check([f])
    assert persons == []
    assert [(p.entry, p.message) for p in problems] == [
        ("person[1] (Budi).accounts[1].interval", "interval '10s' terlalu pendek: akun ini akan diambil setiap "
                                                  "10 detik; pakai paling sedikit 60 detik (mis. 15m atau 1h)")]
    monkeypatch.setenv("PANTAU_MIN_INTERVAL", "1s")  # tests and demos lower the floor, as for [schedule]
    persons, problems = check([f])
    assert problems == [] and [a.interval for a in persons[0].accounts] == ["10s", "1m"]
