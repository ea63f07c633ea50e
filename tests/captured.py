"""Real lab captures for the verdict tests, and failing variants fabricated from them.

`Capture` is tests/data/probe-dgx-1-2.txt (one probe run on a lab guest) split into its
sections; tests edit a section (a route, a mount line, a counter) and parse the result
with the real probe parser. dgx-1-1's capture is the same text with dgx-1-1's addresses,
MACs and switch ports: the lab's two hosts differ in nothing else.
`bandwidth_result` rebuilds a host's BandwidthResult from tests/data/results-sample.json.
"""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from railmount.inventory import load_plans
from railmount.model import Inventory, ValidateSettings
from railmount.planner import HostPlan
from railmount.validation import probe
from railmount.validation.bandwidth import BandwidthResult, Phase
from railmount.validation.verdicts import CheckResult

DATA = Path(__file__).parent / "data"
LAB = DATA / "captured-lab"  # the inventory the captures were taken with
TO_DGX_1_1 = {
    "198.18.115.121": "198.18.115.120",
    "198.18.115.114": "198.18.115.113",
    "02:00:00:00:02:0": "02:00:00:00:01:0",
    "fe80::ff:fe00:20": "fe80::ff:fe00:10",
    "rm2em": "rm1em",
}


@functools.cache
def _lab() -> tuple[Inventory, dict[str, HostPlan]]:
    return load_plans(LAB)


def plan(host: str) -> HostPlan:
    return _lab()[1][host]


def settings(**changes: Any) -> ValidateSettings:
    """The lab inventory's railmount_validate, with `changes`."""
    return replace(_lab()[0].validate, **changes)


def edit(text: str, old: str, new: str) -> str:
    """`text` with `old` replaced; fails when `old` is absent (the variant would be a no-op)."""
    assert old in text, f"{old!r} not in the capture"
    return text.replace(old, new)


def failure(result: CheckResult) -> str:
    """The message of a result that must have failed: not passed, not skipped."""
    assert not result.passed and result.skipped is None, result
    return result.message


class Capture:
    """A probe output, section by section, to edit before parsing."""

    def __init__(self, host: str = "dgx-1-2") -> None:
        text = (DATA / "probe-dgx-1-2.txt").read_text()
        if host == "dgx-1-1":
            for old, new in TO_DGX_1_1.items():
                text = edit(text, old, new)
        self.sections = {k: "\n".join(v) for k, v in probe.split_sections(text).items()}

    def edit(self, section: str, old: str, new: str) -> Capture:
        self.sections[section] = edit(self.sections[section], old, new)
        return self

    def json(self, section: str) -> Any:
        return json.loads(self.sections[section])

    def set_json(self, section: str, data: Any) -> Capture:
        self.sections[section] = json.dumps(data)
        return self

    def link(self, port: str, **changes: Any) -> Capture:
        """Change top-level fields of `port` in `ip -j -s -d link show`."""
        links = self.json("links")
        next(entry for entry in links if entry["ifname"] == port).update(changes)
        return self.set_json("links", links)

    def reroute(self, address: str, dev: str, src: str) -> Capture:
        """After `ip route replace ADDRESS/32 dev DEV src SRC`: what `ip -j route get` says."""
        answer = [{"dst": address, "dev": dev, "prefsrc": src, "flags": [], "uid": 0, "cache": []}]
        return self.set_json(f"route {address}", answer)

    def mount_line(self, path: str, old: str, new: str) -> Capture:
        """`old` replaced by `new` in the /proc/mounts line of `path`."""
        lines = self.sections["mounts"].splitlines()
        self.sections["mounts"] = "\n".join(
            edit(line, old, new) if f" {path} " in line else line for line in lines
        )
        return self

    def umount(self, path: str) -> Capture:
        """After `umount PATH`: its /proc/mounts line and its NFS connections are gone."""
        lines = self.sections["mounts"].splitlines()
        mine = next(line for line in lines if f" {path} " in line)
        server = mine.split(":", 1)[0]
        self.sections["mounts"] = "\n".join(line for line in lines if line != mine)
        tcp = self.sections["tcp"].splitlines()
        self.sections["tcp"] = "\n".join(x for x in tcp if f" {server}:2049" not in x)
        return self

    def text(self) -> str:
        return "".join(f"{probe.MARK}{name}\n{body}\n" for name, body in self.sections.items())

    def state(self) -> probe.HostState:
        return probe.parse(self.text())


@functools.cache
def sample_results() -> dict[str, Any]:
    return json.loads((DATA / "results-sample.json").read_text())


def bandwidth_result(host: str) -> BandwidthResult:
    """The measured bandwidth of `host` from the sample results. That sample predates
    `expected_checksum` in the JSON; its checks show the recorded digest equal to every
    mount's, so the first mount's stands in for it."""
    data = copy.deepcopy(sample_results()["hosts"][host]["bandwidth"])
    checksums = data["checksums"]
    return BandwidthResult(
        phases=[Phase(**p) for p in data["phases"]],
        checksums=checksums,
        expected_checksum=data.get("expected_checksum") or checksums["/mnt/nfs0"],
        line_rate={p: link["line_rate_bytes_per_s"] for p, link in data["links"].items()},
    )


def recorded_checks(host: str, test: str) -> list[dict[str, Any]]:
    """The checks the sample run recorded for one test, e.g. `test_link_alone[dgx-1-1/em1]`."""
    return [
        check
        for entry in sample_results()["hosts"][host]["checks"]
        if entry["test"].split("::", 1)[1] == test
        for check in entry["checks"]
    ]
