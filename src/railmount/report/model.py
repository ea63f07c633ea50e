"""The results JSON as typed data: what every renderer reads.

Parsing is tolerant: every section except `hosts` may be missing (older files, partial
runs, `--only links`) and comes back as None or empty, never as a KeyError in a renderer.
Rates are bytes/s as in the JSON; formatting to MB/s or Mbit/s happens in `units`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from railmount.validation.records import (
    Bandwidth,
    Checkpoint,
    Fleet,
    SizingRow,
    WorkloadIO,
    as_float,
    as_int,
    as_list,
    as_map,
    as_str,
    parse_list,
    parse_map,
    parse_optional,
    scalars,
)
from railmount.validation.registry import SUITE_NAMES
from railmount.validation.verdicts.result import CheckResult, expected_actual

T = TypeVar("T")

OUTCOMES = ("passed", "failed", "skipped")
# Host keys with a section of their own; any other list of objects is shown as a table.
KNOWN_HOST_KEYS = ("checks", "bandwidth", "sizing", "workload_io", "checkpoint", "faults")


def suite_of(nodeid: str) -> str:
    """ "validate/test_links.py::test_port_up[h/em1]" -> "links"."""
    module = nodeid.split("::", 1)[0]
    return Path(module).stem.removeprefix("test_")


def suite_key(suite: str) -> tuple[int, str]:
    order = SUITE_NAMES.index(suite) if suite in SUITE_NAMES else len(SUITE_NAMES)
    return order, suite


@dataclass
class TestEntry:
    """One pytest test: its node id, outcome, message and the checks it made."""

    __test__ = False  # not a pytest test class despite the name

    test: str
    outcome: str
    message: str = ""
    duration_s: float | None = None
    checks: list[CheckResult] = field(default_factory=list)

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> TestEntry:
        checks = [
            CheckResult.parse(c) for c in as_list(data.get("checks")) if isinstance(c, Mapping)
        ]
        return scalars(cls, data, checks=checks)

    @property
    def suite(self) -> str:
        return suite_of(self.test)

    @property
    def name(self) -> str:
        """Function name without module or parameters: "test_port_up"."""
        return self.test.split("::")[-1].split("[", 1)[0]

    @property
    def param(self) -> str:
        """The test's parameter without the host: "em2" for "...[dgx-1-2/em2]"."""
        if "[" not in self.test:
            return ""
        return self.test.split("[", 1)[1].rstrip("]").split("/", 1)[-1]


@dataclass
class Host:
    name: str
    checks: list[TestEntry]
    bandwidth: Bandwidth | None
    sizing: list[SizingRow]
    workload_io: dict[str, WorkloadIO]  # image size -> reads
    checkpoint: Checkpoint | None
    faults: list[dict[str, Any]]  # fault figures, one flat dict per fault
    extras: dict[str, list[dict[str, Any]]]  # other host keys holding lists of objects

    @classmethod
    def parse(cls, name: str, data: Mapping[str, Any]) -> Host:
        return cls(
            name=name,
            checks=parse_list(TestEntry, data.get("checks")),
            bandwidth=parse_optional(Bandwidth, data.get("bandwidth")),
            sizing=parse_list(SizingRow, data.get("sizing")),
            workload_io=parse_map(WorkloadIO, data.get("workload_io")),
            checkpoint=parse_optional(Checkpoint, data.get("checkpoint")),
            faults=[dict(f) for f in as_list(data.get("faults")) if as_map(f)],
            extras={
                key: [dict(v) for v in value if isinstance(v, Mapping)]
                for key, value in data.items()
                if key not in KNOWN_HOST_KEYS
                and isinstance(value, list)
                and any(isinstance(v, Mapping) for v in value)
            },
        )

    def counts(self) -> dict[str, dict[str, int]]:
        """suite -> {"passed": n, "failed": n, "skipped": n}, suites in report order."""
        per_suite: dict[str, dict[str, int]] = {}
        for entry in self.checks:
            row = per_suite.setdefault(entry.suite, dict.fromkeys(OUTCOMES, 0))
            row[entry.outcome] = row.get(entry.outcome, 0) + 1
        return {s: per_suite[s] for s in sorted(per_suite, key=suite_key)}


@dataclass
class Results:
    inventory: str
    started: str
    duration_s: float | None
    summary: dict[str, int] | None  # as recorded; None when the file has none
    hosts: list[Host]
    fleet: Fleet | None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> Results:
        summary = data.get("summary")
        fleet = as_map(data.get("fleet"))
        return cls(
            inventory=as_str(data.get("inventory"), "?"),
            started=as_str(data.get("started"), "?"),
            duration_s=as_float(data.get("duration_s")),
            summary=(
                {k: as_int(v) or 0 for k, v in summary.items()}
                if isinstance(summary, Mapping) and summary
                else None
            ),
            hosts=[Host.parse(str(n), as_map(h)) for n, h in as_map(data.get("hosts")).items()],
            fleet=Fleet.parse(fleet) if fleet else None,
        )

    def host(self, name: str) -> Host | None:
        return next((h for h in self.hosts if h.name == name), None)

    def totals(self) -> dict[str, int]:
        """The run's summary; counted from the checks when the file has none."""
        if self.summary:
            return {k: self.summary.get(k, 0) for k in OUTCOMES}
        out = dict.fromkeys(OUTCOMES, 0)
        for host in self.hosts:
            for row in host.counts().values():
                for k in OUTCOMES:
                    out[k] += row.get(k, 0)
        return out

    def verdict_line(self) -> str:
        t = self.totals()
        return (
            f"railmount validate: {t['passed']} passed, {t['failed']} failed, "
            f"{t['skipped']} skipped"
        )


def as_results(results: Results | Mapping[str, Any]) -> Results:
    return results if isinstance(results, Results) else Results.parse(results)


def clean_message(message: str) -> str:
    for prefix in ("AssertionError: ", "Failed: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


def failures(results: Results | Mapping[str, Any]) -> list[tuple[str, TestEntry]]:
    """(host, test) for every failed test, in file order."""
    return [
        (host.name, entry)
        for host in as_results(results).hosts
        for entry in host.checks
        if entry.outcome == "failed"
    ]


def failure_text(host: str, entry: TestEntry | Mapping[str, Any]) -> str:
    """The failure as one sentence: the assertion message, else the failing checks."""
    if not isinstance(entry, TestEntry):
        entry = TestEntry.parse(entry)
    message = clean_message(entry.message)
    if message:
        return message
    bad = "; ".join(
        expected_actual(c.item, c.what, c.expected, c.actual) for c in entry.checks if not c.passed
    )
    return f"{host} {bad or 'failed (no message recorded)'}"
