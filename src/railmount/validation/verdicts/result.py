"""The result of one verdict on one item (a port, a VIP, a mount, a host, a fault)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from railmount.validation.records import scalars


def expected_actual(item: str, what: str, expected: str, actual: str) -> str:
    """`ITEM WHAT: expected X, actual Y`: every failure's wording, in the suites' assertion
    messages and in the reports' failure sentences."""
    label = f"{item} {what}".strip()
    return f"{label}: expected {expected}, actual {actual}"


@dataclass(frozen=True)
class CheckResult:
    host: str
    item: str  # port, "VIP (address)", mount path, phase, fault
    what: str
    expected: str
    actual: str
    passed: bool
    skipped: str | None = None  # why the item could not be judged (then passed is False)
    check: str = ""  # the registry's id, "<suite>.<name>", set by its @check decorator

    @property
    def detail(self) -> str:
        """The failure without the host: `ITEM WHAT: expected X, actual Y`."""
        return expected_actual(self.item, self.what, self.expected, self.actual)

    @property
    def message(self) -> str:
        """`HOST ITEM WHAT: expected X, actual Y`; for a skip `HOST ITEM: reason`."""
        if self.skipped is not None:
            return f"{self.host} {self.item}: {self.skipped}"
        return f"{self.host} {self.detail}"

    @property
    def suite(self) -> str:
        return self.check.split(".", 1)[0]

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> CheckResult:
        """A `checks` entry of results.json read back (the report): what record() wrote,
        tolerant of older files (a missing field reads as "", False or None)."""
        return scalars(cls, data)

    def record(self) -> dict[str, Any]:
        """The entry of the results JSON (`checks` of a test)."""
        data: dict[str, Any] = {
            "host": self.host,
            "item": self.item,
            "what": self.what,
            "suite": self.suite,
            "expected": self.expected,
            "actual": self.actual,
            "passed": self.passed,
            "check": self.check,
        }
        if self.skipped is not None:
            data["skipped"] = self.skipped
        return data
