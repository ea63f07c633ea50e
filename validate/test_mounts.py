"""mounts: each planned mount is NFS from the planned VIP and export with the planned
options; all mounts are one filesystem; each mount's TCP connection leaves from the
planned source address.

Verdicts: railmount.validation.verdicts.mounts."""

from __future__ import annotations

import shlex
import uuid

import pytest

from railmount.validation.verdicts import mounts


def test_mounted(rm, expect, mount_item):
    host, path = mount_item
    expect.record(mounts.mounted(rm.plan(host), rm.state(host), path))


def test_mount_options(rm, expect, mount_item):
    host, path = mount_item
    expect.record(mounts.mount_options(rm.plan(host), rm.state(host), path))


@pytest.fixture(scope="session")
def markers(rm):
    """Per host: a marker written through the first mount, then read through every mount."""
    seen: dict[str, dict[str, str]] = {}

    def read(host: str) -> dict[str, str]:
        if host not in seen:
            plan = rm.plan(host)
            token = uuid.uuid4().hex
            marker = f"{rm.inventory.validate.test_dir}/marker-{host}"
            first = plan.mounts[0].path
            script = [
                f"mkdir -p {shlex.quote(first + '/' + rm.inventory.validate.test_dir)}",
                f"echo {token} > {shlex.quote(first + '/' + marker)}",
                f"echo token {token}",
            ]
            script += [
                f'echo "{m.path} $(cat {shlex.quote(m.path + "/" + marker)} '
                f'2>/dev/null || echo unreadable)"'
                for m in plan.mounts
            ]
            lines = rm.run(host, "\n".join(script)).splitlines()
            seen[host] = dict(line.split(" ", 1) for line in lines if " " in line)
        return seen[host]

    return read


def test_same_filesystem(rm, expect, markers, mount_item):
    host, path = mount_item
    expect.record(mounts.same_filesystem(rm.plan(host), markers(host), path))


def test_tcp_source_address(rm, expect, mount_item):
    host, path = mount_item
    expect.record(mounts.tcp_source_address(rm.plan(host), rm.state(host), path))


def test_nconnect_connections(rm, expect, mount_item):
    host, path = mount_item
    expect.record(mounts.nconnect_connections(rm.plan(host), rm.state(host), path))
