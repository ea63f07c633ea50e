"""The storage path check: every VIP routes through its planned port with its planned
source address and answers a ping from there. Run after every netplan apply (a failure
rolls the change back) and safe to run by hand: `railmount-host verify`."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any

from .routes import Answer, RouteExpectation, expected_routes, parse_answer, route_problem

Runner = Callable[[list[str]], "subprocess.CompletedProcess[str]"]


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def route_get(address: str, runner: Runner = run) -> Answer:
    result = runner(["ip", "-j", "route", "get", address])
    return parse_answer(result.stdout if result.returncode == 0 else result.stderr)


def problems(plan: dict[str, Any], runner: Runner = run) -> list[str]:
    """One line per VIP that is not reachable as planned (empty: the path is good)."""
    found = []
    for want in expected_routes(plan):
        wrong = route_problem(want, route_get(want.address, runner))
        if wrong:
            found.append(f"{want.vip} ({want.address}): {wrong}")
        elif not answers(want, runner):
            found.append(f"{want.vip} ({want.address}): no answer to ping from {want.src}")
    return found


def answers(want: RouteExpectation, runner: Runner = run) -> bool:
    ping = ["ping", "-n", "-q", "-c", "2", "-W", "2", "-I", want.src, want.address]
    return runner(ping).returncode == 0


def wait_good(
    plan: dict[str, Any], timeout_s: float, runner: Runner = run, sleep: Callable = time.sleep
) -> list[str]:
    """Problems after waiting up to timeout_s for them to clear (carrier, ARP settle)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = problems(plan, runner)
        if not found or time.monotonic() >= deadline:
            return found
        sleep(2.0)
