"""mounts: each planned mount is NFS from the planned VIP and export with the planned
options; all mounts are one filesystem; each mount's TCP connection leaves from the
planned source address."""

from __future__ import annotations

import shlex
import uuid

import pytest


def _mount(rm, host: str, path: str):
    return next(m for m in rm.plan(host).mounts if m.path == path)


def test_mounted(rm, expect, mount_item):
    host, path = mount_item
    planned = _mount(rm, host, path)
    entry = rm.state(host).mounts.get(path)
    expect(
        host,
        path,
        f"nfs {planned.server}:{planned.export}",
        f"{entry.fstype} {entry.source}" if entry else "not mounted",
        what="mount",
    )


def test_mount_options(rm, expect, mount_item):
    host, path = mount_item
    planned = _mount(rm, host, path)
    entry = rm.state(host).mounts.get(path)
    if entry is None:
        pytest.fail(f"{host} {path}: expected mounted, actual not mounted")
    want = [f"{k}={v}" if v else k for k, v in planned.expected_options]
    have = [
        f"{k}={entry.options[k]}" if entry.options.get(k) else k
        for k, _ in planned.expected_options
        if k in entry.options
    ]
    expect(host, path, ",".join(want), ",".join(have), ok=want == have, what="options")


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
    found = markers(host)
    expect(
        host,
        path,
        f"marker {found.get('token')}",
        f"marker {found.get(path, 'unreadable')}",
        what="same filesystem",
    )


def test_tcp_source_address(rm, expect, mount_item):
    host, path = mount_item
    planned = _mount(rm, host, path)
    sources = sorted({local for local, remote in rm.state(host).tcp if remote == planned.server})
    expect(
        host,
        path,
        f"from {planned.src}",
        f"from {','.join(sources) or 'no connection'}",
        ok=sources == [planned.src],
        what="TCP source to " + planned.server,
    )
