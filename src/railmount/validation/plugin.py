"""pytest plugin behind validate/: hosts and items from the plan, one probe per host.

Tests ask for `port_item`, `vip_item` or `mount_item` (a `(host, name)` pair) or
`host_name`, and get one test per host and item. Expected values always come from
the planner; failures read `HOST ITEM: expected X, actual Y`. Every result is also
recorded as structured data for the JSON/Markdown/HTML reports.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from railmount.planner import HostPlan
from railmount.validation import registry
from railmount.validation.probe import COUNTERS_SCRIPT, HostState, parse, probe_script
from railmount.validation.verdicts.result import CheckResult

DEFAULT_INVENTORY = "inventory/lab"
MEASURE_KEY = "railmount-measure"
T = TypeVar("T")


class Session:
    """What the suites share across tests: plans, hosts, probes, measurements.

    Under pytest-xdist each worker has its own Session; a host's tests all run on one
    worker (grouped by host), so its probe and measurement caches stay valid.
    """

    def __init__(self, config: pytest.Config) -> None:
        from railmount.inventory import AnsibleInventory
        from railmount.planner import plan_inventory
        from railmount.rules import build_inventory

        self.config = config
        self.inventory_path = (
            config.getoption("ansible_inventory", None)
            or os.environ.get("RAILMOUNT_INVENTORY")
            or DEFAULT_INVENTORY
        )
        # Vault secrets arrive through ANSIBLE_VAULT_IDENTITY_LIST (railmount validate).
        self.source = AnsibleInventory(self.inventory_path)
        found = self.source.railmount_vars()
        self.inventory = build_inventory(
            found.groups, found.hostvars, found.problems, found.unreadable
        )
        self.plans = plan_inventory(self.inventory)
        self.hostnames = self._select_hosts(config.getoption("hosts", None))
        self._states: dict[str, HostState] = {}
        self._hosts: dict[str, Any] = {}
        self._measured: dict[tuple[str, str], Any] = {}
        self.pending: list[tuple[str, str, Any]] = []  # measurements for the next report
        self.first_states: dict[str, HostState] = {}
        self._last_counters: dict[str, HostState] = {}
        self.measurements: dict[str, dict[str, Any]] = {name: {} for name in self.hostnames}
        self.results: list[dict[str, Any]] = []
        self.extra: dict[str, Any] = {}  # top-level sections of results.json (fleet)
        self.started = time.time()

    def _select_hosts(self, spec: str | None) -> list[str]:
        """Storage clients matching an Ansible host pattern, in inventory order."""
        if not spec:
            return list(self.plans)
        patterns = [p.removeprefix("ansible://") for p in spec.split(",") if p]
        matched = {h.name for h in self.source.manager.list_hosts(patterns)}
        unknown = sorted(matched - set(self.plans))
        if unknown:
            raise pytest.UsageError(f"not storage clients of {self.inventory_path}: {unknown}")
        if not matched:
            raise pytest.UsageError(f"no storage client of {self.inventory_path} matches {spec}")
        return [name for name in self.plans if name in matched]

    def remote(self, name: str) -> Any:
        """The host's testinfra Host (paramiko, from its Ansible connection variables)."""
        from railmount.validation.transport import host_for

        if name not in self._hosts:
            self._hosts[name] = host_for(name, self.source.connection_vars(name))
        return self._hosts[name]

    def run(self, name: str, script: str, timeout_note: str = "") -> str:
        result = self.remote(name).run(script)
        if result.rc not in (0, None) and not result.stdout:
            raise RuntimeError(f"{name}: remote command failed{timeout_note}: {result.stderr}")
        return str(result.stdout)

    def state(self, name: str, refresh: bool = False) -> HostState:
        if refresh or name not in self._states:
            self._states[name] = parse(self.run(name, probe_script(self.plans[name])))
            self.first_states.setdefault(name, self._states[name])
        return self._states[name]

    def last_counters(self, name: str) -> HostState:
        """The ports' counters at the end of the run: read once per host, after its first
        probe (only `ip -s link`, so the counter check costs one short command, not a probe
        per port)."""
        self.state(name)
        if name not in self._last_counters:
            self._last_counters[name] = parse(self.run(name, COUNTERS_SCRIPT))
        return self._last_counters[name]

    def plan(self, name: str) -> HostPlan:
        return self.plans[name]

    def line_rates(self, name: str) -> dict[str, float | None]:
        """The host's line rate per port (bytes/s): inventory, else the driver's report."""
        from railmount.validation.bandwidth import line_rates

        reported = {port: link.speed_mbps for port, link in self.state(name).links.items()}
        return line_rates(self.plans[name], reported)

    def measured(
        self,
        host: str,
        key: str,
        measure: Callable[[], T],
        to_json: Callable[[T], Any],
        shares_array: bool = True,
    ) -> T:
        """A measurement, taken once per host; phases that load the array hold the
        array lock so two hosts' measurements never overlap. The JSON form goes into
        results.json (through the next test report, so it crosses xdist workers)."""
        if (host, key) not in self._measured:
            with array_lock(self.inventory_path) if shares_array else contextlib.nullcontext():
                value = measure()
            self._measured[(host, key)] = value
            self.measurements.setdefault(host, {})[key] = to_json(value)
            self.pending.append((host, key, to_json(value)))
        return self._measured[(host, key)]  # type: ignore[no-any-return]


@contextlib.contextmanager
def array_lock(inventory: str) -> Iterator[None]:
    """One host at a time loads the array (per inventory, across xdist workers)."""
    tag = hashlib.sha256(str(Path(inventory).resolve()).encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"railmount-array-{os.getuid()}-{tag}.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_SESSION_KEY = pytest.StashKey[Session]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("railmount")
    group.addoption("--railmount-json", help="write structured results (JSON) here")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: fault-injection suite (lab only)")
    config.addinivalue_line("markers", "run_last: run after every other check")
    # pytest-xdist's, used by the host parameters; registered for runs without xdist too.
    config.addinivalue_line("markers", "xdist_group(name): run on the worker of this group")


def session_of(config: pytest.Config) -> Session:
    if _SESSION_KEY not in config.stash:
        config.stash[_SESSION_KEY] = Session(config)
    return config.stash[_SESSION_KEY]


def _on(host: str, value: Any, test_id: str) -> Any:
    """A parameter of one host's test. pytest-xdist --dist loadgroup keeps all of a
    host's tests on one worker (its probe and measurements are cached there) while
    hosts run in parallel."""
    return pytest.param(value, marks=pytest.mark.xdist_group(host), id=test_id)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    session = session_of(metafunc.config)
    for kind, items in registry.ITEMS.items():
        fixture = f"{kind}_item"
        if kind != "host" and fixture in metafunc.fixturenames:
            pairs = [(h, i) for h in session.hostnames for i in items(session.plans[h])]
            metafunc.parametrize(fixture, [_on(h, (h, i), f"{h}/{i}") for h, i in pairs])
    if "host_name" in metafunc.fixturenames:
        metafunc.parametrize("host_name", [_on(h, h, h) for h in session.hostnames])


def _suite(item: pytest.Item) -> str:
    return Path(str(item.fspath)).stem.removeprefix("test_")


def _bound(item: pytest.Item) -> registry.Check | None:
    return registry.bound(_suite(item), getattr(item, "originalname", item.name))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of a suite binds to its registered check by name; counter checks
    compare against the first probe, so they go last."""
    for item in items:
        if _suite(item) in registry.SUITE_NAMES and _bound(item) is None:
            name = getattr(item, "originalname", item.name).removeprefix("test_")
            raise pytest.UsageError(
                f"{item.nodeid}: no check {_suite(item)}.{name} in the registry — fix: "
                f"decorate the verdict railmount.validation.verdicts.{_suite(item)}.{name} "
                "with @check(...) (railmount.validation.registry)"
            )
    items.sort(key=lambda item: item.get_closest_marker("run_last") is not None)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Measurements taken during this test ride on its report (to the xdist controller)."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and _SESSION_KEY in item.config.stash:
        session = item.config.stash[_SESSION_KEY]
        for host, key, value in session.pending:
            report.user_properties.append((MEASURE_KEY, json.dumps([host, key, value])))
        session.pending.clear()


@pytest.fixture(scope="session")
def rm(request: pytest.FixtureRequest) -> Session:
    return session_of(request.config)


class Expect:
    """Records the bound check's result into the report and asserts on it."""

    def __init__(self, node: pytest.Item, check: registry.Check) -> None:
        self.node = node
        self.check = check

    def record(self, result: CheckResult) -> None:
        if result.check != self.check.id:
            raise AssertionError(
                f"{self.node.name} is bound to {self.check.id} but recorded {result.check!r}"
            )
        self.node.user_properties.append(("railmount", json.dumps(result.record())))
        if result.skipped is not None:
            pytest.skip(result.message)
        assert result.passed, result.message


@pytest.fixture
def expect(request: pytest.FixtureRequest) -> Expect:
    check = _bound(request.node)
    if check is None:
        raise pytest.UsageError(f"{request.node.nodeid}: expect outside a registered check")
    return Expect(request.node, check)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    # Store on the config via the module-level hook: the session object is reachable from
    # the report only through this plugin's global (set in pytest_sessionstart).
    if _CURRENT is None:
        return
    for key, value in report.user_properties:
        if key == MEASURE_KEY:
            host, name, data = json.loads(value)
            _CURRENT.measurements.setdefault(host, {})[name] = data
    checks = [json.loads(v) for k, v in report.user_properties if k == "railmount"]
    message = ""
    if report.skipped and isinstance(report.longrepr, tuple):
        message = str(report.longrepr[2]).removeprefix("Skipped: ")
    elif report.failed and report.longrepr is not None:
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(report.longrepr)
    _CURRENT.results.append(
        {
            "test": report.nodeid.split("@", 1)[0],  # without xdist's "@group" suffix
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
