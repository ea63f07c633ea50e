"""Tables of a host's fault figures, of other measurements and of its checks."""

from __future__ import annotations

import json
from typing import Any

from railmount.report.blocks import Block, Heading, Table, para
from railmount.report.model import OUTCOMES, TestEntry, clean_message, suite_key

# Fault figures' columns; the terminal keeps the verdict-bearing ones.
FAULT_HEADERS = {
    "fault": "Fault",
    "read_errors": "Errors",
    "mismatches": "Mismatches",
    "reads_ok": "Intact passes",
    "mounts_ok": "Mounts intact",
    "pre_rate_mbit": "Before Mbit/s",
    "stall_s": "Stall s",
    "stalled_mount": "Stalled mount",
    "resume_s": "Resume s",
    "recovery_s": "Full rate s",
    "returned": "Returned",
    "return_detail": "Detail",
}
FAULT_DETAIL = ("reads_ok", "mounts_ok", "pre_rate_mbit", "stalled_mount", "return_detail")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,g}"
    if isinstance(value, str | int):
        return str(value)
    return json.dumps(value, sort_keys=True)


def flat_table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Columns in the order the rows name them; a missing value is an empty cell."""
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    return keys, [[cell(row.get(k)) for k in keys] for row in rows]


def fault_blocks(faults: list[dict[str, Any]]) -> list[Block]:
    keys, rows = flat_table(faults)
    failed = {
        i
        for i, f in enumerate(faults)
        if f.get("read_errors") or f.get("mismatches") or False in (f.get("returned"), f.get("ok"))
    }
    numeric = [
        all(
            isinstance(f.get(k), int | float | None) and not isinstance(f.get(k), bool)
            for f in faults
        )
        for k in keys
    ]
    return [
        Heading(3, "Faults"),
        para(
            "Reads through every mount while each fault is injected: read errors and data "
            "mismatches, intact passes and mounts, the rate before the fault, the longest "
            "stall (and its mount), seconds after recovery until every mount reads again "
            "(resume) and until the full rate is back, and whether traffic returned to the "
            "planned ports.",
            terminal=False,
        ),
        Table(
            [FAULT_HEADERS.get(k, k) for k in keys],
            rows,
            "".join("r" if n else "l" for n in numeric),
            failed,
            detail_columns=frozenset(i for i, k in enumerate(keys) if k in FAULT_DETAIL),
        ),
    ]


def check_rows(entries: list[TestEntry]) -> tuple[list[list[str]], set[int]]:
    """One row per test: the failing checks for failures, else the test's last check."""
    rows, failed = [], set()
    for entry in entries:
        bad = [c for c in entry.checks if not c.passed]
        shown = bad if entry.outcome == "failed" and bad else entry.checks[-1:]
        item = "; ".join(dict.fromkeys(c.item for c in shown)) or entry.param
        what = "; ".join(
            dict.fromkeys(
                f"{c.what} ({c.check})" if c.check and c.what else c.what or c.check for c in shown
            )
        )
        expected = "; ".join(c.expected for c in shown)
        actual = "; ".join(c.actual for c in shown)
        if entry.outcome == "failed":
            failed.add(len(rows))
            if not bad:  # failed outside an expect(): the message is all there is
                expected, actual = "", clean_message(entry.message)
        elif entry.outcome == "skipped" and entry.message and not shown:
            actual = entry.message
        rows.append([entry.name, item, what, entry.outcome, expected, actual])
    return rows, failed


def check_blocks(checks: list[TestEntry]) -> list[Block]:
    blocks: list[Block] = [Heading(3, "Checks", terminal=False)]
    by_suite: dict[str, list[TestEntry]] = {}
    for entry in checks:
        by_suite.setdefault(entry.suite, []).append(entry)
    for suite in sorted(by_suite, key=suite_key):
        entries = by_suite[suite]
        n = {k: sum(e.outcome == k for e in entries) for k in OUTCOMES}
        counts = ", ".join(f"{n[k]} {k}" for k in OUTCOMES)
        rows, failed = check_rows(entries)
        blocks += [
            Heading(4, f"{suite}: {counts}", terminal=False),
            Table(
                ["Test", "Item", "Check", "Outcome", "Expected", "Actual"],
                rows,
                "",
                failed,
                terminal=False,
            ),
        ]
    return blocks
