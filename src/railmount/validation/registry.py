"""The check registry: every live check once, with its id, description, suite, the items it
runs on, the inventory keys it reads and its verdict.

A check is a verdict function in `railmount.validation.verdicts.<suite>` decorated with
`@check(per=..., reads=...)`; its docstring's first line is its description. The thin test
under `validate/test_<suite>.py` is named `test_<function>` and binds to it by that name
(the plugin refuses a suite test without a check). Ids are derived, never typed:
`<suite>.<function without a leading "<suite>_">`, e.g. `mounts.tcp_source_address`,
`checkpoint.written` (function `checkpoint_written`, test `test_checkpoint_written`).

Suites are listed here once; `railmount validate --only`, the report's suite order, the
README's check table (`python -m railmount.schema_docs --write`) and the expected test
totals of the offline suite run all read them from here.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from railmount.validation.verdicts.result import CheckResult

if TYPE_CHECKING:  # the table and the CLI read SUITES without loading the planner
    from railmount.planner import HostPlan


@dataclass(frozen=True)
class Suite:
    name: str
    # "hosts" (per host, in parallel), "cross-host" (writers and readers on several hosts,
    # a stage of its own, by default), "fleet" (all hosts at once), "faults" (lab)
    stage: str
    summary: str  # one line for the README's check table

    @property
    def module(self) -> str:
        """Where its checks are defined."""
        return f"railmount.validation.verdicts.{self.name}"

    @property
    def tests(self) -> str:
        """Its thin testinfra suite (relative to the suites directory)."""
        return f"test_{self.name}.py"


SUITES: tuple[Suite, ...] = (
    Suite("links", "hosts", "ports, cabling and counters"),
    Suite("routes", "hosts", "routes, sysctls, ARP and path MTU to every VIP"),
    Suite("mounts", "hosts", "the per-VIP NFS mounts and their connections"),
    Suite("bandwidth", "hosts", "read bandwidth per link (fio phases, port counters)"),
    Suite("workload", "hosts", "file-per-sample training reads per image size"),
    Suite("checkpoint", "hosts", "checkpoint shard write and verified restore"),
    Suite(
        "semantics",
        "cross-host",
        "the per-VIP mounts behave as one filesystem: visibility and locks across mounts and hosts",
    ),
    Suite("fleet", "fleet", "every host at once: scaling, fairness, array-level reads"),
    Suite("faults", "faults", "a dead link, switch, VIP or array with reads in flight (lab)"),
)
SUITE_NAMES: tuple[str, ...] = tuple(s.name for s in SUITES)
HOST_SUITES: tuple[str, ...] = tuple(s.name for s in SUITES if s.stage == "hosts")
CROSS_HOST_SUITES: tuple[str, ...] = tuple(s.name for s in SUITES if s.stage == "cross-host")

# The items a per-host check runs on, from the host's plan; the plugin parametrizes the
# fixture `<kind>_item` with them (one test per host and item).
ITEMS: dict[str, Callable[[HostPlan], list[str]]] = {
    "port": lambda plan: [p.name for p in plan.ports],
    "vip": lambda plan: [r.vip for r in plan.routes if not r.backup],
    "mount": lambda plan: [m.path for m in plan.mounts],
    # "em1:rp_filter": every planned per-port knob
    "sysctl": lambda plan: [
        f"{s.name.split('.')[3]}:{s.name.split('.')[4]}" for s in plan.sysctls if s.port_scoped
    ],
    "host": lambda plan: [plan.host],
}
# Kinds judged once per something other than a plan item (the README says which).
OTHER_PER = (
    "host and image size", "fleet step", "image size", "fleet", "fault", "mount pair",
    "kind of pair",
)  # fmt: skip


@dataclass(frozen=True)
class Check:
    suite: str
    name: str  # the verdict function's name; the test is `test_<name>`
    description: str
    per: str  # a key of ITEMS or one of OTHER_PER
    reads: tuple[str, ...]  # dotted inventory keys the verdict's expectation depends on
    verdict: Callable[..., CheckResult]

    @property
    def id(self) -> str:
        return f"{self.suite}.{self.name.removeprefix(self.suite + '_')}"

    @property
    def test(self) -> str:
        return f"test_{self.name}"


_REGISTRY: dict[tuple[str, str], Check] = {}
F = TypeVar("F", bound=Callable[..., CheckResult])


def check(per: str, reads: Sequence[str] = ()) -> Callable[[F], F]:
    """Register the decorated verdict as a live check; its results carry the check's id."""
    if isinstance(reads, str):
        raise TypeError("reads: a list of dotted inventory keys, not one string")
    if per not in ITEMS and per not in OTHER_PER:
        raise ValueError(f"unknown per {per!r}: one of {[*ITEMS, *OTHER_PER]}")

    def register(verdict: F) -> F:
        module, _, suite = verdict.__module__.rpartition(".")
        doc = (verdict.__doc__ or "").strip()
        if module != "railmount.validation.verdicts" or suite not in SUITE_NAMES:
            raise ValueError(f"{verdict.__qualname__}: checks live in a suite's verdict module")
        if not doc:
            raise ValueError(f"{verdict.__module__}.{verdict.__name__}: no docstring")
        definition = Check(
            suite, verdict.__name__, doc.splitlines()[0].strip(), per, tuple(reads),
            verdict,
        )  # fmt: skip

        @functools.wraps(verdict)
        def run(*args: object, **kwargs: object) -> CheckResult:
            return replace(verdict(*args, **kwargs), check=definition.id)

        if (suite, definition.name) in _REGISTRY:
            raise ValueError(f"check {definition.id} defined twice")
        _REGISTRY[(suite, definition.name)] = replace(definition, verdict=run)
        return run  # type: ignore[return-value]

    return register


def checks(suites: Sequence[str] = SUITE_NAMES) -> list[Check]:
    """The checks of these suites, in suite order, then in definition order."""
    for suite in suites:
        importlib.import_module(f"railmount.validation.verdicts.{suite}")
    return [c for s in suites for c in _REGISTRY.values() if c.suite == s]


def bound(suite: str, test_name: str) -> Check | None:
    """The check a suite's test binds to by its name (`test_<name>`), if any."""
    if suite not in SUITE_NAMES:
        return None
    checks([suite])
    return _REGISTRY.get((suite, test_name.removeprefix("test_")))


def expected_tests(suites: Sequence[str], plans: Sequence[HostPlan]) -> dict[str, int]:
    """suite -> how many tests a run of these per-item suites on these hosts makes."""
    out: dict[str, int] = {}
    for definition in checks(suites):
        if definition.per not in ITEMS:
            raise ValueError(f"{definition.id}: per {definition.per!r} is not counted from plans")
        count = sum(len(ITEMS[definition.per](plan)) for plan in plans)
        out[definition.suite] = out.get(definition.suite, 0) + count
    return out
