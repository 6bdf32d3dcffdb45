"""A validation problem that names the file, the entry and what to fix."""
from __future__ import annotations

from dataclasses import dataclass


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
