"""TOML watchlists (``[[person]]`` tables) for :mod:`scraper.watchlist`.

The schema of one person and one account table (pydantic, ``extra="forbid"``) and
the reader that turns a file into raw people for the shared checker, with every
problem named in Indonesian (file, ``person[i] (name).accounts[j].key``, what to
fix). Spreadsheets are :mod:`scraper.watchlist_sheet`.
"""
from __future__ import annotations

import re
import tomllib
from typing import Annotated, Any, Mapping

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from alerts.problems import key_path

from .watchlist import _Checker, _clean, _did_you_mean, _RawAccount, _RawPerson

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class AccountEntry(BaseModel):
    """Schema of one TOML account table."""

    model_config = ConfigDict(extra="forbid")
    url: _Text
    platform: _Text | None = None
    options: dict[str, Any] = {}
    interval: _Text | None = None


class PersonEntry(BaseModel):
    """Schema of one TOML ``[[person]]`` table (accounts are checked one by one)."""

    model_config = ConfigDict(extra="forbid")
    name: _Text
    nip: _Text
    position: _Text
    unit: _Text
    accounts: Annotated[list[dict[str, Any]], Field(min_length=1)]



_TOML_AT = re.compile(r"^(.*?)\s*\(at (line \d+, column \d+|end of document)\)\s*$", re.S)


def read_toml(file: str, text: str, ck: _Checker) -> None:
    """One TOML watchlist: every ``[[person]]`` and its accounts, each problem named."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_AT.match(str(exc))
        what, where = (m.group(1), m.group(2)) if m else (str(exc), "file")
        where = "end of file" if where == "end of document" else where
        ck.add(file, where, f"bukan TOML yang valid ({what}); periksa tanda kutip, koma, kurung dan "
                            "tanda = di sekitar tempat ini")
        return
    for key in data:
        if key != "person":
            ck.add(file, key, "kunci tidak dikenal di tingkat atas; setiap orang ditulis sebagai tabel [[person]]"
                   + _did_you_mean(key, ["person"]))
    people = data.get("person", [])
    if isinstance(people, dict):
        ck.add(file, "person", "tulis [[person]] (dua kurung siku) untuk setiap orang, bukan [person]")
        people = [people]
    if not isinstance(people, list):
        ck.add(file, "person", "person harus berupa tabel [[person]]")
        return
    for i, item in enumerate(people, 1):
        start = len(ck.problems)
        if not isinstance(item, dict):
            ck.add(file, f"person[{i}]", "setiap orang harus berupa tabel [[person]]")
            continue
        name = _clean(item.get("name"))
        where = f"person[{i}] ({name})" if name else f"person[{i}]"
        _pydantic_problems(ck, file, where, PersonEntry, item)
        rp = _RawPerson(file, where, False, start, name, _clean(item.get("nip")),
                        _clean(item.get("position")), _clean(item.get("unit")))
        raw_accounts = item.get("accounts")
        for j, acc in enumerate(raw_accounts if isinstance(raw_accounts, list) else [], 1):
            if not isinstance(acc, dict):
                continue  # reported by PersonEntry
            awhere = f"{where}.accounts[{j}]"
            _pydantic_problems(ck, file, awhere, AccountEntry, acc)
            options = acc.get("options")
            rp.accounts.append(_RawAccount(
                awhere, False, _clean(acc.get("url")), _clean(acc.get("platform")),
                options if isinstance(options, dict) else {}, _clean(acc.get("interval")),
            ))
        ck.person(rp)


def _pydantic_problems(ck: _Checker, file: str, where: str, model: type[BaseModel], data: dict) -> None:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            ck.add(file, key_path(err["loc"], first_index=1, prefix=where), _pydantic_message(err, model))


def _pydantic_message(err: Mapping[str, Any], model: type[BaseModel]) -> str:
    kind, loc = err["type"], err["loc"]
    key = str(loc[-1]) if loc else ""
    allowed = list(model.model_fields)
    if kind == "missing":
        return f"{key} wajib diisi"
    if kind == "extra_forbidden":
        return f"kunci {key!r} tidak dikenal; yang diizinkan: {', '.join(allowed)}" + _did_you_mean(key, allowed)
    if kind == "string_type" and key == "nip":
        return 'NIP harus ditulis sebagai teks dalam tanda kutip, mis. nip = "19850312 201001 1 003"'
    if kind == "string_type":
        return f'{key} harus berupa teks dalam tanda kutip, mis. {key} = "..."'
    if kind == "string_too_short":
        return f"{key} tidak boleh kosong"
    if kind in ("too_short", "list_type") and key == "accounts":
        return 'accounts harus berisi minimal satu akun, mis. accounts = [{url = "https://t.me/nama_kanal"}]'
    if kind == "dict_type" and loc[0] == "accounts":
        return 'setiap akun harus berupa tabel, mis. {platform = "telegram", url = "https://t.me/nama_kanal"}'
    if kind == "dict_type":
        return f'{key} harus berupa tabel, mis. {key} = {{nama = "nilai"}}'
    return f"{key}: {err['msg']}"
