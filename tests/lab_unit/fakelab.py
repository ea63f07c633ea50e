"""Test helpers for the lab's fabric modules: a small LabSpec and a stand-in for
proc.run that records commands instead of running them (no root, no namespaces)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from railmount.lab.spec import ArrayLink, ArraySpec, LabSpec


def make_spec(
    switches: tuple[str, ...] = ("tor1", "tor2"),
    state: str | Path = "/tmp/x",
    fm1_rate: int | None = None,
) -> LabSpec:
    return LabSpec(
        prefix="rmt",
        state_dir=Path(state),
        image_dir=Path("/tmp/img"),
        switches=switches,
        array=ArraySpec(
            name="fb01",
            filesystem="nfs0",
            export="/nfs0",
            vips=("198.18.115.6", "198.18.115.7"),
            links=(
                ArrayLink("fm1", "tor1", "198.18.115.2/24", fm1_rate),
                ArrayLink("fm2", "tor2", "198.18.115.3/24", None),
            ),
            mtu=9000,
        ),
        guests=(),
        mtu=9000,
    )


class FakeHost:
    """Stands in for proc.run. Records every command except `ip -j link` queries, which
    it answers from `links` ({netns or None: [`ip -j link` dicts]}); a device not listed
    does not exist. `ip netns add` creates the namespace under netns_dir (netns.NETNS_DIR)."""

    def __init__(self, netns_dir: Path) -> None:
        self.netns_dir = netns_dir
        self.links: dict[str | None, list[dict[str, Any]]] = {}
        self.commands: list[str] = []

    def run(
        self, argv: Sequence[str], *, check: bool = True, netns: str | None = None, **_: Any
    ) -> subprocess.CompletedProcess[str]:
        full = ["ip", "netns", "exec", netns, *argv] if netns else list(argv)
        ns, rest = (argv[2], argv[3:]) if argv[:2] == ["ip", "-n"] else (None, argv[1:])
        if argv[0] == "ip" and list(rest[:5]) == ["-d", "-s", "-j", "link", "show"]:
            devs = self.links.get(ns, [])
            if len(rest) > 5:  # ... show dev NAME
                devs = [d for d in devs if d["ifname"] == rest[6]]
                if not devs:
                    return subprocess.CompletedProcess(full, 1, "", "does not exist")
            return subprocess.CompletedProcess(full, 0, json.dumps(devs), "")
        if list(argv[:3]) == ["ip", "netns", "add"]:
            (self.netns_dir / argv[3]).touch()
        self.commands.append(" ".join(full))
        return subprocess.CompletedProcess(full, 0, "", "")
