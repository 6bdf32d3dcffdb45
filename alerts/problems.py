"""A validation problem that names the file, the entry and what to fix."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class Problem:
    """One problem found in a file staff maintain.

    Printed as ``FILE: ENTRY: MESSAGE`` by ``pantau check``.
    ``entry`` says where in the file (a table, a row, a key path).
    """

    file: str
    entry: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.message}"


class ProblemsError(Exception):
    """Raised when a file (or set of files) has one or more problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid input")


def key_path(loc: Iterable[Any], *, first_index: int = 0, prefix: str = "") -> str:
    """A pydantic error location as a key path: ``alerts.urls[0]``, ``candidate[2].names``.

    ``first_index`` is how list entries are counted (1 where staff count
    the tables in their file); pydantic's validator markers are left out.
    """
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + first_index}]"
        elif not str(part).startswith("function-"):
            out += f".{part}" if out else str(part)
    return out
