"""mounts: each planned mount is NFS from the planned VIP and export with the planned
options; all mounts are one filesystem; each mount's TCP connection leaves from the
planned source address."""

from __future__ import annotations

from railmount.planner import HostPlan, MountPlan
from railmount.validation.probe import HostState
from railmount.validation.registry import check
from railmount.validation.verdicts.result import CheckResult


def planned_mount(plan: HostPlan, path: str) -> MountPlan:
    return next(m for m in plan.mounts if m.path == path)


@check(
    per="mount",
    reads=[
        "railmount_array.vips[].address",
        "railmount_array.export",
        "railmount_nfs.version",
        "railmount_array.vips[].mount_path",
    ],
)
def mounted(plan: HostPlan, state: HostState, path: str) -> CheckResult:
    """The path is an NFS mount (nfs4 for 4.x) from the planned VIP and export."""
    planned = planned_mount(plan, path)
    entry = state.mounts.get(path)
    want = f"{planned.expected_fstype} {planned.source}"
    actual = f"{entry.fstype} {entry.source}" if entry else "not mounted"
    return CheckResult(plan.host, path, "mount", want, actual, actual == want)


@check(per="mount", reads=["railmount_nfs"])
def mount_options(plan: HostPlan, state: HostState, path: str) -> CheckResult:
    """/proc/mounts shows the planned effective mount options.

    In plan order; options the plan does not manage (timeo, local_lock, ...) are not
    judged."""
    planned = planned_mount(plan, path)
    entry = state.mounts.get(path)
    want = [f"{k}={v}" if v else k for k, v in planned.expected_options]
    have = (
        [
            f"{k}={entry.options[k]}" if entry.options.get(k) else k
            for k, _ in planned.expected_options
            if k in entry.options
        ]
        if entry
        else None
    )
    return CheckResult(
        plan.host,
        path,
        "options",
        ",".join(want),
        ",".join(have) if have is not None else "not mounted",
        have == want,
    )


@check(per="mount", reads=["railmount_validate.test_dir"])
def same_filesystem(plan: HostPlan, markers: dict[str, str], path: str) -> CheckResult:
    """A marker written through the first mount reads back through this one.

    `markers`: the token written through the first mount (key "token") and what each
    mount path read back (or "unreadable")."""
    want = f"marker {markers.get('token')}"
    actual = f"marker {markers.get(path, 'unreadable')}"
    return CheckResult(plan.host, path, "same filesystem", want, actual, actual == want)


@check(per="mount", reads=["railmount_ports[].address", "railmount_vip_ports"])
def tcp_source_address(plan: HostPlan, state: HostState, path: str) -> CheckResult:
    """Every NFS connection to the mount's VIP leaves from the planned source address.

    The fault suite judges the return to the planned ports with this too."""
    planned = planned_mount(plan, path)
    sources = sorted({local for local, remote in state.tcp if remote == planned.vip_address})
    return CheckResult(
        plan.host,
        path,
        "TCP source to " + planned.vip_address,
        f"from {planned.src}",
        f"from {','.join(sources) or 'no connection'}",
        sources == [planned.src],
    )


@check(per="mount", reads=["railmount_nfs.nconnect"])
def nconnect_connections(plan: HostPlan, state: HostState, path: str) -> CheckResult:
    """The mount has as many TCP connections to its VIP as the plan's nconnect (default 1).

    One per-VIP mount carries its VIP's connections alone, so the count to the VIP is the
    mount's; fewer means the client merged or lost connections, more that something else
    (another mount, trunking) talks to the VIP."""
    planned = planned_mount(plan, path)
    want = int(dict(planned.expected_options).get("nconnect", "1"))
    have = sum(1 for _, remote in state.tcp if remote == planned.vip_address)
    return CheckResult(
        plan.host,
        path,
        "TCP connections to " + planned.vip_address,
        str(want),
        str(have),
        have == want,
    )
