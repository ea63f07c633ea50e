"""pytest plugin behind validate/: hosts and items from the plan, one probe per host.

Tests ask for `port_item`, `vip_item` or `mount_item` (a `(host, name)` pair) or
`host_name`, and get one test per host and item. Expected values always come from
the planner; failures read `HOST ITEM: expected X, actual Y`. Every result is also
recorded as structured data for the JSON/Markdown/HTML reports.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from railmount.planner import HostPlan
from railmount.validation.probe import HostState, parse, probe_script
from railmount.validation.verdicts.result import CheckResult

DEFAULT_INVENTORY = "inventory/lab"


class Session:
    """What the suites share across tests: plans, hosts, probes, measurements."""

    def __init__(self, config: pytest.Config) -> None:
        from railmount.inventory import load_plans

        self.config = config
        self.inventory_path = (
            config.getoption("ansible_inventory", None)
            or os.environ.get("RAILMOUNT_INVENTORY")
            or DEFAULT_INVENTORY
        )
        self.inventory, self.plans = load_plans(self.inventory_path)
        self.hostnames = self._select_hosts(config.getoption("hosts", None))
        self._states: dict[str, HostState] = {}
        self.first_states: dict[str, HostState] = {}
        self.measurements: dict[str, dict[str, Any]] = {name: {} for name in self.hostnames}
        self.results: list[dict[str, Any]] = []
        self.started = time.time()

    def _select_hosts(self, spec: str | None) -> list[str]:
        if not spec:
            return list(self.plans)
        import testinfra

        names = []
        for host in testinfra.get_hosts(spec.split(","), ansible_inventory=self.inventory_path):
            name = getattr(host.backend, "host", None) or host.backend.get_pytest_id()
            names.append(str(name).removeprefix("ansible://"))
        unknown = [n for n in names if n not in self.plans]
        if unknown:
            raise pytest.UsageError(f"not storage clients of {self.inventory_path}: {unknown}")
        return names

    def remote(self, name: str) -> Any:
        import testinfra

        return testinfra.get_host(f"ansible://{name}", ansible_inventory=self.inventory_path)

    def run(self, name: str, script: str, timeout_note: str = "") -> str:
        result = self.remote(name).run(script)
        if result.rc not in (0, None) and not result.stdout:
            raise RuntimeError(f"{name}: remote command failed{timeout_note}: {result.stderr}")
        return result.stdout

    def state(self, name: str, refresh: bool = False) -> HostState:
        if refresh or name not in self._states:
            self._states[name] = parse(self.run(name, probe_script(self.plans[name])))
            self.first_states.setdefault(name, self._states[name])
        return self._states[name]

    def plan(self, name: str) -> HostPlan:
        return self.plans[name]


_SESSION_KEY = pytest.StashKey[Session]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("railmount")
    group.addoption("--railmount-json", help="write structured results (JSON) here")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: fault-injection suite (lab only)")
    config.addinivalue_line("markers", "run_last: run after every other check")


def session_of(config: pytest.Config) -> Session:
    if _SESSION_KEY not in config.stash:
        config.stash[_SESSION_KEY] = Session(config)
    return config.stash[_SESSION_KEY]


ITEMS: dict[str, Callable[[HostPlan], list[str]]] = {
    "port_item": lambda plan: [p.name for p in plan.ports],
    "vip_item": lambda plan: [r.vip for r in plan.routes if not r.backup],
    "mount_item": lambda plan: [m.path for m in plan.mounts],
    # "em1:rp_filter": every planned per-port knob
    "sysctl_item": lambda plan: [
        f"{s.name.split('.')[3]}:{s.name.split('.')[4]}" for s in plan.sysctls if s.port_scoped
    ],
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    session = session_of(metafunc.config)
    for fixture, items in ITEMS.items():
        if fixture in metafunc.fixturenames:
            pairs = [(h, i) for h in session.hostnames for i in items(session.plans[h])]
            metafunc.parametrize(fixture, pairs, ids=[f"{h}/{i}" for h, i in pairs])
    if "host_name" in metafunc.fixturenames:
        metafunc.parametrize("host_name", session.hostnames)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Counter checks compare against the first probe, so they go last.
    items.sort(key=lambda item: item.get_closest_marker("run_last") is not None)


@pytest.fixture(scope="session")
def rm(request: pytest.FixtureRequest) -> Session:
    return session_of(request.config)


class Expect:
    """Records verdict results into the report and asserts on them.

    `expect.record(result)` is what the suites call; calling `expect(host, item, expected,
    actual, ok=None, what="")` builds the CheckResult in place, for checks not (yet)
    written as verdicts.
    """

    def __init__(self, node: pytest.Item, suite: str) -> None:
        self.node = node
        self.suite = suite

    def record(self, result: CheckResult) -> None:
        self.node.user_properties.append(("railmount", json.dumps(result.record(self.suite))))
        if result.skipped is not None:
            pytest.skip(result.message)
        assert result.passed, result.message

    def __call__(
        self,
        host: str,
        item: str,
        expected: Any,
        actual: Any,
        ok: bool | None = None,
        what: str = "",
    ) -> None:
        passed = expected == actual if ok is None else ok
        name = getattr(self.node, "originalname", self.node.name).removeprefix("test_")
        check = f"{self.suite}.{name}"
        self.record(CheckResult(check, host, item, what, str(expected), str(actual), passed))


@pytest.fixture
def expect(request: pytest.FixtureRequest) -> Expect:
    suite = Path(str(request.node.fspath)).stem.removeprefix("test_")
    return Expect(request.node, suite)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    # Store on the config via the module-level hook: the session object is reachable from
    # the report only through this plugin's global (set in pytest_sessionstart).
    if _CURRENT is None:
        return
    checks = [json.loads(v) for k, v in report.user_properties if k == "railmount"]
    message = ""
    if report.skipped and isinstance(report.longrepr, tuple):
        message = str(report.longrepr[2]).removeprefix("Skipped: ")
    elif report.failed and report.longrepr is not None:
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(report.longrepr)
    _CURRENT.results.append(
        {
            "test": report.nodeid,
            "outcome": report.outcome,
            "message": message.split("\n")[0],
            "duration_s": round(report.duration, 2),
            "checks": checks,
        }
    )


_CURRENT: Session | None = None


def pytest_sessionstart(session: pytest.Session) -> None:
    global _CURRENT
    _CURRENT = session_of(session.config)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("railmount_json", None)
    if _CURRENT is None or not path:
        return
    from railmount.validation.results import build_results

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(build_results(_CURRENT), indent=2) + "\n")
