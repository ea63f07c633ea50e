"""bandwidth: measured read bandwidth per link against the line rate and the inventory's
railmount_validate thresholds (fio phases and per-port byte counters come from
railmount.validation.bandwidth.measure)."""

from __future__ import annotations

from railmount.model import ValidateSettings
from railmount.planner import HostPlan
from railmount.validation.bandwidth import BandwidthResult, Phase
from railmount.validation.registry import check
from railmount.validation.verdicts.result import CheckResult

MBIT = 1e6 / 8  # bytes/s


def mbit(rate: float | None) -> str:
    return f"{rate / MBIT:.0f} Mbit/s" if rate is not None else "unknown"


def single_phase(result: BandwidthResult) -> Phase:
    """The "one mount alone" phase."""
    return next(p for p in result.phases if p.name.startswith("single:"))


def _rate_unknown(plan: HostPlan, item: str, what: str) -> CheckResult:
    """Without a line rate no rate verdict means anything: fail, saying what to set."""
    return CheckResult(
        plan.host,
        item,
        what,
        "a known line rate (set railmount_ports[].speed_mbps)",
        "unknown",
        False,
    )


@check(per="port", reads=["railmount_validate.link_min_ratio", "railmount_ports[].speed_mbps"])
def link_rate_all_mounts(
    plan: HostPlan, result: BandwidthResult, settings: ValidateSettings, port: str
) -> CheckResult:
    """All mounts reading: this link carries >= link_min_ratio of its line rate."""
    what = "read, all mounts"
    rate = result.line_rate.get(port)
    if rate is None:
        return _rate_unknown(plan, port, what)
    measured = result.phase("all").links.get(port, 0.0)
    need = settings.link_min_ratio * rate
    return CheckResult(
        plan.host,
        port,
        what,
        f">= {mbit(need)} ({settings.link_min_ratio:.0%} of {mbit(rate)})",
        mbit(measured),
        measured >= need,
    )


@check(per="port", reads=["railmount_validate.link_balance"])
def links_balanced(
    plan: HostPlan, result: BandwidthResult, settings: ValidateSettings, port: str
) -> CheckResult:
    """All mounts reading: this link is within ±link_balance of the links' mean."""
    links = result.phase("all").links
    mean = sum(links.values()) / len(links) if links else 0.0
    measured = links.get(port, 0.0)
    tolerance = settings.link_balance
    return CheckResult(
        plan.host,
        port,
        "balance",
        f"within ±{tolerance:.0%} of mean {mbit(mean)}",
        mbit(measured),
        mean > 0 and abs(measured - mean) <= tolerance * mean,
    )


@check(
    per="port",
    reads=[
        "railmount_validate.link_min_ratio",
        "railmount_validate.stray_max_ratio",
        "railmount_ports[].speed_mbps",
    ],
)
def link_alone(
    plan: HostPlan, result: BandwidthResult, settings: ValidateSettings, port: str
) -> CheckResult:
    """Reading only this port's mounts fills this link and leaves the others idle.

    Reading only the mounts pinned to this port: >= link_min_ratio of its line rate on
    it, and every other link below stray_max_ratio of this one's line rate."""
    what = "read, this link alone"
    phase = next((p for p in result.phases if p.name == f"link:{port}"), None)
    rate = result.line_rate.get(port)
    if phase is None:
        skipped = "no VIP is pinned to this port"
        return CheckResult(plan.host, port, what, "VIPs on it", "none", False, skipped)
    if rate is None:
        return _rate_unknown(plan, port, what)
    stray = max((r for p, r in phase.links.items() if p != port), default=0.0)
    own = phase.links.get(port, 0.0)
    need, limit = settings.link_min_ratio * rate, settings.stray_max_ratio * rate
    return CheckResult(
        plan.host,
        port,
        what,
        f"{port} >= {mbit(need)}, others < {mbit(limit)}",
        f"{port} {mbit(own)}, others {mbit(stray)}",
        own >= need and stray < limit,
    )


@check(
    per="host", reads=["railmount_validate.single_mount_max_links", "railmount_ports[].speed_mbps"]
)
def single_mount_within_one_link(
    plan: HostPlan, result: BandwidthResult, settings: ValidateSettings
) -> CheckResult:
    """One mount (one TCP flow) reads, and no more than one link carries.

    One mount is one TCP flow on one link: it reads something, and no more than
    single_mount_max_links x that link's line rate (more means traffic went elsewhere)."""
    what = "read, one mount"
    single = single_phase(result)
    rate = result.line_rate.get(plan.mounts[0].dev)
    if rate is None:
        return _rate_unknown(plan, single.name, what)
    limit = settings.single_mount_max_links * rate
    total = sum(single.links.values())
    return CheckResult(
        plan.host,
        single.name,
        what,
        f"<= {mbit(limit)} (one TCP flow, one link)",
        mbit(total),
        0 < total <= limit,
    )


@check(per="host", reads=["railmount_validate.all_vs_single_min"])
def all_mounts_scale(
    plan: HostPlan, result: BandwidthResult, settings: ValidateSettings
) -> CheckResult:
    """All mounts together read >= all_vs_single_min x one mount alone."""
    single = sum(single_phase(result).links.values())
    total = sum(result.phase("all").links.values())
    factor = settings.all_vs_single_min
    return CheckResult(
        plan.host,
        "all mounts",
        "scaling",
        f">= {factor} x one mount ({mbit(factor * single)})",
        f"{mbit(total)} ({total / single if single else 0:.2f} x)",
        single > 0 and total >= factor * single,
    )


@check(per="host", reads=["railmount_validate.fio_runtime_s", "railmount_validate.fio_block_size"])
def no_read_errors(plan: HostPlan, result: BandwidthResult) -> CheckResult:
    """fio reports no read errors in any phase."""
    errors = {p.name: p.errors for p in result.phases if p.errors}
    actual = ", ".join(f"{n} in {name}" for name, n in errors.items()) or "0 read errors"
    return CheckResult(plan.host, "fio", "reads", "0 read errors", actual, not errors)


@check(per="mount", reads=["railmount_validate.file_size_mb"])
def read_data_verified(plan: HostPlan, result: BandwidthResult, path: str) -> CheckResult:
    """Every test file read back through this mount matches the sha256 recorded at write."""
    actual = result.checksums.get(path, "")
    return CheckResult(
        plan.host,
        path,
        "test files read back",
        f"sha256 {result.expected_checksum[:16]}",
        f"sha256 {actual[:16]}",
        bool(result.expected_checksum) and actual == result.expected_checksum,
    )
