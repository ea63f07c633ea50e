"""Problems: what `railmount check` prints, one line each: host, dotted field, message, fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    host: str  # a host, `all` for group-wide keys, or a file for a parse error
    field: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.host}: {self.field}: {self.message} — fix: {self.fix}"


class InventoryError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Unresolved:
    """Stands in for a value that could not be templated or decrypted; the reader has
    reported it already, so the checker stays silent about it."""

    raw: str
    reason: str


class Report:
    """Collects problems in order; `add` is the one way a check reports."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, host: str, field: str, message: str, fix: str) -> None:
        self.problems.append(Problem(host, field, message, fix))
