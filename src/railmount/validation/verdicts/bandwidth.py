"""bandwidth: measured read bandwidth per link against the line rate and the inventory's
railmount_validate thresholds (fio phases and per-port byte counters come from
railmount.validation.bandwidth.measure)."""

from __future__ import annotations

from railmount.model import ValidateSettings
from railmount.planner import HostPlan
from railmount.validation.bandwidth import BandwidthResult, Phase
from railmount.validation.verdicts.result import CheckResult

MBIT = 1e6 / 8  # bytes/s


def mbit(rate: float | None) -> str:
    return f"{rate / MBIT:.0f} Mbit/s" if rate is not None else "unknown"


def single_phase(result: BandwidthResult) -> Phase:
    """The "one mount alone" phase."""
    return next(p for p in result.phases if p.name.startswith("single:"))


def _rate_unknown(check: str, plan: HostPlan, item: str, what: str) -> CheckResult:
    """Without a line rate no rate verdict means anything: fail, saying what to set."""
    return CheckResult(
        check,
        plan.host,
        item,
        what,
        "a known line rate (set railmount_ports[].speed_mbps)",
        "unknown",
        False,
    )


def link_rate_all_mounts(
    plan: HostPlan, result: BandwidthResult, settings: ValidateSettings, port: str
) -> CheckResult:
    """All mounts reading: this link carries >= link_min_ratio of its line rate."""
    check, what = "bandwidth.link_rate_all_mounts", "read, all mounts"
    rate = result.line_rate.get(port)
    if rate is None:
        return _rate_unknown(check, plan, port, what)
    measured = result.phase("all").links.get(port, 0.0)
    need = settings.link_min_ratio * rate
    return CheckResult(
        check,
        plan.host,
        port,
        what,
        f">= {mbit(need)} ({settings.link_min_ratio:.0%} of {mbit(rate)})",
        mbit(measured),
        measured >= need,
    )


def links_balanced(
    plan: HostPlan, result: BandwidthResult, settings: ValidateSettings, port: str
) -> CheckResult:
    """All mounts reading: this link is within ±link_balance of the links' mean."""
    links = result.phase("all").links
    mean = sum(links.values()) / len(links) if links else 0.0
    measured = links.get(port, 0.0)
    tolerance = settings.link_balance
    return CheckResult(
        "bandwidth.links_balanced",
        plan.host,
        port,
        "balance",
        f"within ±{tolerance:.0%} of mean {mbit(mean)}",
        mbit(measured),
        mean > 0 and abs(measured - mean) <= tolerance * mean,
    )


def link_alone(
    plan: HostPlan, result: BandwidthResult, settings: ValidateSettings, port: str
) -> CheckResult:
    """Reading only the mounts pinned to this port: >= link_min_ratio of its line rate on
    it, and every other link below stray_max_ratio of this one's line rate."""
    check, what = "bandwidth.link_alone", "read, this link alone"
    phase = next((p for p in result.phases if p.name == f"link:{port}"), None)
    rate = result.line_rate.get(port)
    if phase is None:
        skipped = "no VIP is pinned to this port"
        return CheckResult(check, plan.host, port, what, "VIPs on it", "none", False, skipped)
    if rate is None:
        return _rate_unknown(check, plan, port, what)
    stray = max((r for p, r in phase.links.items() if p != port), default=0.0)
    own = phase.links.get(port, 0.0)
    need, limit = settings.link_min_ratio * rate, settings.stray_max_ratio * rate
    return CheckResult(
        check,
        plan.host,
        port,
        what,
        f"{port} >= {mbit(need)}, others < {mbit(limit)}",
        f"{port} {mbit(own)}, others {mbit(stray)}",
        own >= need and stray < limit,
    )


def single_mount_within_one_link(
    plan: HostPlan, result: BandwidthResult, settings: ValidateSettings
) -> CheckResult:
    """One mount is one TCP flow on one link: it reads something, and no more than
    single_mount_max_links x that link's line rate (more means traffic went elsewhere)."""
    check, what = "bandwidth.single_mount_within_one_link", "read, one mount"
    single = single_phase(result)
    rate = result.line_rate.get(plan.mounts[0].dev)
    if rate is None:
        return _rate_unknown(check, plan, single.name, what)
    limit = settings.single_mount_max_links * rate
    total = sum(single.links.values())
    return CheckResult(
        check,
        plan.host,
        single.name,
        what,
        f"<= {mbit(limit)} (one TCP flow, one link)",
        mbit(total),
        0 < total <= limit,
    )


def all_mounts_scale(
    plan: HostPlan, result: BandwidthResult, settings: ValidateSettings
) -> CheckResult:
    """All mounts together read >= all_vs_single_min x one mount alone."""
    single = sum(single_phase(result).links.values())
    total = sum(result.phase("all").links.values())
    factor = settings.all_vs_single_min
    return CheckResult(
        "bandwidth.all_mounts_scale",
        plan.host,
        "all mounts",
        "scaling",
        f">= {factor} x one mount ({mbit(factor * single)})",
        f"{mbit(total)} ({total / single if single else 0:.2f} x)",
        single > 0 and total >= factor * single,
    )


def no_read_errors(plan: HostPlan, result: BandwidthResult) -> CheckResult:
    errors = {p.name: p.errors for p in result.phases if p.errors}
    actual = ", ".join(f"{n} in {name}" for name, n in errors.items()) or "0 read errors"
    return CheckResult(
        "bandwidth.no_read_errors", plan.host, "fio", "reads", "0 read errors", actual, not errors
    )


def read_data_verified(plan: HostPlan, result: BandwidthResult, path: str) -> CheckResult:
    """Every test file read back through this mount matches the sha256 recorded at write."""
    actual = result.checksums.get(path, "")
    return CheckResult(
        "bandwidth.read_data_verified",
        plan.host,
        path,
        "test files read back",
        f"sha256 {result.expected_checksum[:16]}",
        f"sha256 {actual[:16]}",
        bool(result.expected_checksum) and actual == result.expected_checksum,
    )
