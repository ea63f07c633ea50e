"""The storage path check: every planned port exists with its planned MAC and networkd
manages it, and every VIP routes through its planned port with its planned source address
and answers a ping from there. Run after every netplan apply (a failure rolls the change
back) and safe to run by hand: `railmount-host verify`.

The ports part catches what routes alone miss: a netplan file that no longer matches the
NIC (a MAC typo) leaves the renamed port up with its old addresses until the next reboot,
so the VIPs still answer now and the host would lose its storage path then."""

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


def networkd_setup(runner: Runner = run) -> dict[str, str]:
    """Link name -> networkd's setup state (configured, configuring, unmanaged, ...)."""
    out = runner(["networkctl", "list", "--no-legend", "--no-pager"]).stdout
    states = {}
    for line in out.splitlines():
        cols = line.split()
        if len(cols) >= 5:  # IDX LINK TYPE OPERATIONAL SETUP
            states[cols[1]] = cols[4]
    return states


def read_mac(port: str) -> str | None:
    try:
        with open(f"/sys/class/net/{port}/address") as handle:
            return handle.read().strip().lower()
    except OSError:
        return None


def port_problems(
    plan: dict[str, Any], runner: Runner = run, mac_of: Callable[[str], str | None] = read_mac
) -> list[str]:
    """Planned ports that are missing, carry another MAC or are not managed by networkd."""
    setup = networkd_setup(runner)
    found = []
    for port in plan["ports"]:
        mac = mac_of(port["name"])
        if mac is None:
            found.append(f"{port['name']}: no such interface (planned MAC {port['mac']})")
        elif mac != port["mac"]:
            found.append(f"{port['name']}: MAC {mac}, planned {port['mac']}")
        elif setup and setup.get(port["name"]) not in ("configured", "configuring"):
            state = setup.get(port["name"], "not listed")
            found.append(f"{port['name']}: networkd setup {state}, expected configured")
    return found


def problems(
    plan: dict[str, Any], runner: Runner = run, mac_of: Callable[[str], str | None] = read_mac
) -> list[str]:
    """One line per port or VIP that is not as planned (empty: the path is good)."""
    found = port_problems(plan, runner, mac_of)
    for want in expected_routes(plan):
        wrong = route_problem(want, route_get(want.vip_address, runner))
        if wrong:
            found.append(f"{want.vip} ({want.vip_address}): {wrong}")
        elif not answers(want, runner):
            found.append(f"{want.vip} ({want.vip_address}): no answer to ping from {want.src}")
    return found


def answers(want: RouteExpectation, runner: Runner = run) -> bool:
    ping = ["ping", "-n", "-q", "-c", "2", "-W", "2", "-I", want.src, want.vip_address]
    return runner(ping).returncode == 0


def wait_good(
    plan: dict[str, Any],
    timeout_s: float,
    runner: Runner = run,
    sleep: Callable = time.sleep,
    mac_of: Callable[[str], str | None] = read_mac,
) -> list[str]:
    """Problems after waiting up to timeout_s for them to clear (carrier, ARP settle)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = problems(plan, runner, mac_of)
        if not found or time.monotonic() >= deadline:
            return found
        sleep(2.0)
