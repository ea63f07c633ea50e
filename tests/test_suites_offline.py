"""The thin suites under validate/, run by pytest as `railmount validate` runs them, on the
lab captures instead of hosts (tests/offline_hosts.py): test ids, outcomes and messages
of the lab end-to-end tests, without the lab."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from captured import plan

from railmount.validation import registry

REPO = Path(__file__).resolve().parents[1]
SUITES = ["links", "routes", "mounts", "bandwidth"]
HOSTS = ("dgx-1-1", "dgx-1-2")  # the captured lab


def _validate(tmp_path: Path, brk: str = "") -> dict[str, Any]:
    out = tmp_path / "results.json"
    argv = [
        *(str(REPO / "validate" / f"test_{s}.py") for s in SUITES),
        "--ansible-inventory=tests/data/captured-lab",
        f"--railmount-json={out}",
        "-p",
        "offline_hosts",
        "-p",
        "no:cacheprovider",
        f"--rootdir={REPO}",
        "-o",
        "addopts=",
        "-m",
        "not faults",
        "-q",
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO / "tests"), "RAILMOUNT_OFFLINE_BREAK": brk}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", *argv], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert out.exists(), run.stdout[-3000:] + run.stderr[-3000:]
    return json.loads(out.read_text())


def _entries(results: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry for host in results["hosts"].values() for entry in host["checks"]]


def _outcomes(results: dict[str, Any], outcome: str) -> dict[str, str]:
    return {
        c["test"].split("::", 1)[1]: c["message"]
        for c in _entries(results)
        if c["outcome"] == outcome
    }


def test_captured_hosts_pass(tmp_path):
    results = _validate(tmp_path)
    assert _outcomes(results, "failed") == {}
    skipped = _outcomes(results, "skipped")
    assert skipped == {
        f"test_port_speed[{h}/{p}]": f"{h} {p}: speed not reported by the driver or not planned"
        for h in HOSTS
        for p in ("em1", "em2")
    }
    # as many tests per suite as the registry's checks make on these plans
    per_suite = registry.expected_tests(SUITES, [plan(h) for h in HOSTS])
    ran = {s: sum(c["test"].startswith(f"validate/test_{s}.py::") for c in _entries(results))
           for s in SUITES}  # fmt: skip
    assert ran == per_suite
    total = sum(per_suite.values())
    assert results["summary"] == {"passed": total - len(skipped), "failed": 0, "skipped": 4}
    # one verdict result per test, from the test's own suite
    for host in results["hosts"].values():
        for entry in host["checks"]:
            [check] = entry["checks"]
            assert entry["test"].startswith(f"validate/test_{check['suite']}.py::")
            assert check["check"].startswith(f"{check['suite']}.")


def test_wrong_route_fails_exactly_that_route(tmp_path):
    failed = _outcomes(_validate(tmp_path, "route"), "failed")
    assert failed == {
        "test_route_get[dgx-1-1/nfs0]": "AssertionError: dgx-1-1 nfs0 (198.18.115.6) route: "
        "expected dev em1 src 198.18.115.120, actual dev em2 src 198.18.115.113"
    }


def test_missing_mount_fails_exactly_that_mount(tmp_path):
    """Every per-mount check of the mounts suite fails on the unmounted mount, and nothing
    else fails: each registered mount check is exercised failing as well as passing."""
    failed = _outcomes(_validate(tmp_path, "umount"), "failed")
    mount_checks = [c for c in registry.checks(["mounts"]) if c.per == "mount"]
    assert len(mount_checks) >= 4
    assert set(failed) == {f"{c.test}[dgx-1-1//mnt/nfs3]" for c in mount_checks}
