"""The result of one verdict on one item (a port, a VIP, a mount, a host, a fault)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CheckResult:
    check: str  # "<suite>.<verdict>", e.g. "links.port_up"
    host: str
    item: str  # port, "VIP (address)", mount path, phase, fault
    what: str
    expected: str
    actual: str
    passed: bool
    skipped: str | None = None  # why the item could not be judged (then passed is False)

    @property
    def detail(self) -> str:
        """The failure without the host: `ITEM WHAT: expected X, actual Y`."""
        label = f"{self.item} {self.what}".strip()
        return f"{label}: expected {self.expected}, actual {self.actual}"

    @property
    def message(self) -> str:
        """`HOST ITEM WHAT: expected X, actual Y`; for a skip `HOST ITEM: reason`."""
        if self.skipped is not None:
            return f"{self.host} {self.item}: {self.skipped}"
        return f"{self.host} {self.detail}"

    def record(self, suite: str) -> dict[str, Any]:
        """The entry of the results JSON (`checks` of a test)."""
        data: dict[str, Any] = {
            "host": self.host,
            "item": self.item,
            "what": self.what,
            "suite": suite,
            "expected": self.expected,
            "actual": self.actual,
            "passed": self.passed,
            "check": self.check,
        }
        if self.skipped is not None:
            data["skipped"] = self.skipped
        return data
