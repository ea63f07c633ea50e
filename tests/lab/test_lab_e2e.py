"""The real thing on the lab: up, deploy, deploy again (changed=0), validate, break
things on purpose (exactly the matching checks fail), faults, down (nothing left).

Root and minutes: run with `pytest tests/lab -m "lab or faults"` (scripts/test.sh does).
Timings land in reports/lab-timings.json; the README quotes them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
INVENTORY = "inventory/lab"
REPORTS = REPO / "reports"
BIN = Path(sys.executable).parent
HOST = "dgx-1-1"

pytestmark = pytest.mark.lab
TIMINGS: dict[str, Any] = {}


def sh(*argv: str, timeout: float = 1800, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "PATH": f"{BIN}:{os.environ['PATH']}"}
    result = subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(argv)} exited {result.returncode}\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def timed(name: str, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
    t0 = time.monotonic()
    result = sh(*argv, check=check)
    TIMINGS[name] = round(time.monotonic() - t0, 1)
    return result


def guest(host: str, command: str, check: bool = True) -> str:
    return sh(
        str(BIN / "railmount"), "lab", "-i", INVENTORY, "ssh", host, command, check=check
    ).stdout


def validate(*args: str) -> dict[str, Any]:
    out = Path(REPORTS / "lab-validate-last.json")
    sh(str(BIN / "railmount"), "validate", "-i", INVENTORY, "--json", str(out), *args, check=False)
    return json.loads(out.read_text())


def failed_tests(results: dict[str, Any]) -> set[str]:
    return {
        c["test"].split("::", 1)[1]
        for host in results["hosts"].values()
        for c in host["checks"]
        if c["outcome"] == "failed"
    }


def lab_leftovers() -> list[str]:
    names = sh("ip", "netns", "list").stdout.split()
    links = sh("ip", "-br", "link").stdout.split("\n")
    return [n for n in names if n.startswith("rm-")] + [
        line.split()[0] for line in links if re.match(r"rm\d", line)
    ]


@pytest.fixture(scope="module", autouse=True)
def lab() -> Iterator[None]:
    REPORTS.mkdir(exist_ok=True)
    try:
        result = timed("lab_up_s", str(BIN / "railmount"), "lab", "-i", INVENTORY, "up")
        TIMINGS["lab_up_phases"] = json.loads(result.stdout.strip().splitlines()[-1])["timings"]
        yield
    finally:
        sh(str(BIN / "railmount"), "lab", "-i", INVENTORY, "down", check=False)
        (REPORTS / "lab-timings.json").write_text(json.dumps(TIMINGS, indent=2) + "\n")
    assert lab_leftovers() == [], "railmount lab down left devices or namespaces behind"


def test_deploy():
    timed("deploy_first_s", str(BIN / "ansible-playbook"), "-i", INVENTORY, "playbooks/site.yml")


def test_second_deploy_changes_nothing():
    result = timed(
        "deploy_again_s", str(BIN / "ansible-playbook"), "-i", INVENTORY, "playbooks/site.yml"
    )
    recap = [line for line in result.stdout.splitlines() if re.match(r"^dgx-\S+\s+:", line)]
    assert len(recap) == 2, result.stdout[-2000:]
    assert all("changed=0" in line and "failed=0" in line for line in recap), recap


def test_check_mode_reports_no_change():
    result = sh(
        str(BIN / "ansible-playbook"),
        "-i",
        INVENTORY,
        "playbooks/site.yml",
        "--check",
        "--diff",
        "--tags",
        "ports,mounts",
    )
    assert re.search(r"dgx-1-1\s+:.*changed=0", result.stdout), result.stdout[-2000:]


def test_validation_passes_with_bandwidth_verdicts():
    t0 = time.monotonic()
    results = validate("--report", str(REPORTS / "lab"), "--junit", str(REPORTS / "lab/junit.xml"))
    TIMINGS["validate_s"] = round(time.monotonic() - t0, 1)
    assert failed_tests(results) == set(), failed_tests(results)
    assert results["summary"]["passed"] > 100
    for name, host in results["hosts"].items():
        bandwidth = host["bandwidth"]
        for port, link in bandwidth["links"].items():
            ratio = link["read_bytes_per_s"] / link["line_rate_bytes_per_s"]
            TIMINGS[f"{name}_{port}_all_mounts_ratio"] = round(ratio, 3)
            assert ratio >= 0.9, (name, port, ratio)
        scale = bandwidth["all_mounts_bytes_per_s"] / bandwidth["single_mount_bytes_per_s"]
        TIMINGS[f"{name}_all_vs_single"] = round(scale, 2)
        assert scale >= 1.8, (name, scale)
    assert (REPORTS / "lab/report.html").exists() and (REPORTS / "lab/bandwidth.svg").exists()


def test_wrong_route_fails_exactly_that_route():
    guest(HOST, "ip route replace 198.18.115.6/32 dev em2 src 198.18.115.113 metric 100 scope link")
    try:
        results = validate("--only", "routes", "--limit", HOST)
    finally:
        guest(
            HOST,
            "ip route replace 198.18.115.6/32 dev em1 src 198.18.115.120 metric 100 scope link",
        )
    assert failed_tests(results) == {f"test_route_get[{HOST}/nfs0]"}
    messages = [c["message"] for c in results["hosts"][HOST]["checks"] if c["outcome"] == "failed"]
    assert len(messages) == 1
    assert messages[0].endswith(
        f"{HOST} nfs0 (198.18.115.6) route: expected dev em1 src "
        "198.18.115.120, actual dev em2 src 198.18.115.113"
    ), messages


def test_missing_mount_fails_exactly_that_mount():
    guest(HOST, "umount /mnt/nfs3")
    try:
        results = validate("--only", "mounts", "--limit", HOST)
    finally:
        guest(HOST, "mount /mnt/nfs3")
    assert failed_tests(results) == {
        f"{test}[{HOST}//mnt/nfs3]"
        for test in (
            "test_mounted",
            "test_mount_options",
            "test_same_filesystem",
            "test_tcp_source_address",
        )
    }


def test_shaped_down_link_fails_its_bandwidth_checks():
    railmount = str(BIN / "railmount")
    sh(railmount, "lab", "-i", INVENTORY, "fault", "link-rate", HOST, "em2", "100")
    try:
        results = validate("--only", "bandwidth", "--limit", HOST)
    finally:
        sh(railmount, "lab", "-i", INVENTORY, "fault", "link-rate", HOST, "em2")
    failed = failed_tests(results)
    must = {f"test_link_rate_all_mounts[{HOST}/em2]", f"test_link_alone[{HOST}/em2]"}
    may = must | {
        f"test_links_balanced[{HOST}/em1]",
        f"test_links_balanced[{HOST}/em2]",
        f"test_all_mounts_scale[{HOST}]",
    }
    assert must <= failed <= may, failed
    em2 = results["hosts"][HOST]["bandwidth"]["links"]["em2"]["read_bytes_per_s"]
    assert em2 < 0.6 * 200e6 / 8  # the tbf really cut it


@pytest.mark.faults
def test_faults_suite():
    t0 = time.monotonic()
    results = validate(
        "--only", "links", "--faults", "--limit", HOST, "--report", str(REPORTS / "faults")
    )
    TIMINGS["faults_s"] = round(time.monotonic() - t0, 1)
    TIMINGS["faults"] = results["hosts"][HOST].get("faults", [])
    assert failed_tests(results) == set(), failed_tests(results)
    assert TIMINGS["faults"], "the fault suite measured nothing"
