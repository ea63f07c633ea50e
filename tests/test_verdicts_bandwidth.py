"""bandwidth verdicts on the measured phases of the sample run (tests/data/results-sample.json)
and on failing variants made from them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from captured import bandwidth_result, failure, plan, recorded_checks, settings

from railmount.validation.bandwidth import BandwidthResult
from railmount.validation.verdicts import bandwidth as bw

HOSTS = ["dgx-1-1", "dgx-1-2"]
PATHS = ["/mnt/nfs0", "/mnt/nfs1", "/mnt/nfs2", "/mnt/nfs3"]
MBIT = 1e6 / 8


def _phase(result: BandwidthResult, name: str, **links: float) -> BandwidthResult:
    """`result` with some links of one phase set to other rates (bytes/s)."""
    phase = result.phase(name)
    phase.links = {**phase.links, **links}
    return result


def _every_result(host: str, result: BandwidthResult, **changes) -> dict:
    p, s = plan(host), settings(**changes)
    out = {}
    for port in ("em1", "em2"):
        out[f"test_link_rate_all_mounts[{host}/{port}]"] = bw.link_rate_all_mounts(
            p, result, s, port
        )
        out[f"test_links_balanced[{host}/{port}]"] = bw.links_balanced(p, result, s, port)
        out[f"test_link_alone[{host}/{port}]"] = bw.link_alone(p, result, s, port)
    out[f"test_single_mount_within_one_link[{host}]"] = bw.single_mount_within_one_link(
        p, result, s
    )
    out[f"test_all_mounts_scale[{host}]"] = bw.all_mounts_scale(p, result, s)
    out[f"test_no_read_errors[{host}]"] = bw.no_read_errors(p, result)
    for path in PATHS:
        out[f"test_read_data_verified[{host}/{path}]"] = bw.read_data_verified(p, result, path)
    return out


@pytest.mark.parametrize("host", HOSTS)
def test_sample_run_passes_with_the_texts_it_recorded(host):
    """Same measurements, same thresholds: the verdicts reproduce the recorded checks."""
    for test, result in _every_result(host, bandwidth_result(host)).items():
        assert result.passed, result.message
        if test.startswith("test_no_read_errors"):
            continue  # recorded before the check was renamed
        [recorded] = recorded_checks(host, test)
        assert (result.what, result.expected, result.actual) == (
            recorded["what"],
            recorded["expected"],
            recorded["actual"],
        ), test


def test_em2_shaped_to_half_fails_its_rate_checks_only():
    """The lab test's break: em2 cut to 100 Mbit/s; em1's checks keep passing."""
    result = _phase(bandwidth_result("dgx-1-1"), "all", em2=11.9e6)
    _phase(result, "link:em2", em2=12.0e6)
    failed = {t: r.message for t, r in _every_result("dgx-1-1", result).items() if not r.passed}
    assert failed == {
        "test_link_rate_all_mounts[dgx-1-1/em2]": "dgx-1-1 em2 read, all mounts: expected "
        ">= 180 Mbit/s (90% of 200 Mbit/s), actual 95 Mbit/s",
        "test_link_alone[dgx-1-1/em2]": "dgx-1-1 em2 read, this link alone: expected "
        "em2 >= 180 Mbit/s, others < 10 Mbit/s, actual em2 96 Mbit/s, others 0 Mbit/s",
        "test_links_balanced[dgx-1-1/em1]": "dgx-1-1 em1 balance: expected within ±10% of "
        "mean 142 Mbit/s, actual 188 Mbit/s",
        "test_links_balanced[dgx-1-1/em2]": "dgx-1-1 em2 balance: expected within ±10% of "
        "mean 142 Mbit/s, actual 95 Mbit/s",
        "test_all_mounts_scale[dgx-1-1]": "dgx-1-1 all mounts scaling: expected >= 1.8 x one "
        "mount (337 Mbit/s), actual 283 Mbit/s (1.51 x)",
    }


def test_link_min_ratio_comes_from_settings():
    """dgx-1-2's em2 read 181 Mbit/s: enough at 90 %, not at 95 %."""
    result = bw.link_rate_all_mounts(
        plan("dgx-1-2"), bandwidth_result("dgx-1-2"), settings(link_min_ratio=0.95), "em2"
    )
    assert failure(result) == (
        "dgx-1-2 em2 read, all mounts: expected >= 190 Mbit/s (95% of 200 Mbit/s), "
        "actual 181 Mbit/s"
    )


def test_balance_tolerance_comes_from_settings():
    """dgx-1-2's links: 188 and 181 Mbit/s around a mean of 185: within 10 %, not 1 %."""
    result = bw.links_balanced(
        plan("dgx-1-2"), bandwidth_result("dgx-1-2"), settings(link_balance=0.01), "em2"
    )
    assert failure(result) == (
        "dgx-1-2 em2 balance: expected within ±1% of mean 185 Mbit/s, actual 181 Mbit/s"
    )


def test_stray_traffic_on_the_other_link():
    result = _phase(bandwidth_result("dgx-1-1"), "link:em1", em2=2.5e6)  # 20 Mbit/s
    verdict = bw.link_alone(plan("dgx-1-1"), result, settings(), "em1")
    assert failure(verdict) == (
        "dgx-1-1 em1 read, this link alone: expected em1 >= 180 Mbit/s, others < 10 Mbit/s, "
        "actual em1 189 Mbit/s, others 20 Mbit/s"
    )


def test_stray_limit_comes_from_settings():
    result = _phase(bandwidth_result("dgx-1-1"), "link:em1", em2=0.3e6)  # 2.4 Mbit/s
    assert bw.link_alone(plan("dgx-1-1"), result, settings(), "em1").passed
    verdict = bw.link_alone(plan("dgx-1-1"), result, settings(stray_max_ratio=0.01), "em1")
    assert verdict.expected == "em1 >= 180 Mbit/s, others < 2 Mbit/s" and not verdict.passed


def test_link_alone_is_skipped_for_a_port_without_vips():
    result = bandwidth_result("dgx-1-1")
    result.phases = [p for p in result.phases if p.name != "link:em2"]
    verdict = bw.link_alone(plan("dgx-1-1"), result, settings(), "em2")
    assert verdict.skipped == "no VIP is pinned to this port" and not verdict.passed
    assert verdict.message == "dgx-1-1 em2: no VIP is pinned to this port"


@pytest.mark.parametrize(
    ("verdict", "item", "what"),
    [
        (bw.link_rate_all_mounts, "em1", "read, all mounts"),
        (bw.link_alone, "em1", "read, this link alone"),
        (
            lambda p, r, s, _: bw.single_mount_within_one_link(p, r, s),
            "single:nfs0",
            "read, one mount",
        ),
    ],
)
def test_unknown_line_rate_fails_saying_what_to_set(verdict, item, what):
    result = bandwidth_result("dgx-1-1")
    result.line_rate = {**result.line_rate, "em1": None}
    verdict = verdict(plan("dgx-1-1"), result, settings(), "em1")
    assert failure(verdict) == (
        f"dgx-1-1 {item} {what}: expected a known line rate "
        "(set railmount_ports[].speed_mbps), actual unknown"
    )


def test_one_mount_faster_than_one_link_or_silent():
    fast = _phase(bandwidth_result("dgx-1-1"), "single:nfs0", em2=5e6)  # 187 + 40 Mbit/s
    verdict = bw.single_mount_within_one_link(plan("dgx-1-1"), fast, settings())
    assert failure(verdict) == (
        "dgx-1-1 single:nfs0 read, one mount: expected <= 210 Mbit/s (one TCP flow, one link), "
        "actual 227 Mbit/s"
    )
    silent = _phase(bandwidth_result("dgx-1-1"), "single:nfs0", em1=0.0, em2=0.0)
    verdict = bw.single_mount_within_one_link(plan("dgx-1-1"), silent, settings())
    assert verdict.actual == "0 Mbit/s" and not verdict.passed


def test_scaling_factor_comes_from_settings():
    """dgx-1-2 scaled 1.97 x: enough for 1.8, not for 2.0."""
    verdict = bw.all_mounts_scale(
        plan("dgx-1-2"), bandwidth_result("dgx-1-2"), settings(all_vs_single_min=2.0)
    )
    assert failure(verdict) == (
        "dgx-1-2 all mounts scaling: expected >= 2.0 x one mount (374 Mbit/s), "
        "actual 369 Mbit/s (1.97 x)"
    )


def test_fio_errors_are_named_per_phase():
    result = bandwidth_result("dgx-1-2")
    result.phases[0] = replace(result.phases[0], errors=2)
    result.phases[-1] = replace(result.phases[-1], errors=1)
    verdict = bw.no_read_errors(plan("dgx-1-2"), result)
    assert failure(verdict) == (
        "dgx-1-2 fio reads: expected 0 read errors, actual 2 in single:nfs0, 1 in all"
    )


def test_a_mount_reading_back_other_data():
    result = bandwidth_result("dgx-1-1")
    result.checksums["/mnt/nfs2"] = "0" * 64
    verdict = bw.read_data_verified(plan("dgx-1-1"), result, "/mnt/nfs2")
    assert failure(verdict) == (
        "dgx-1-1 /mnt/nfs2 test files read back: expected sha256 2cca9b6ba6d2336f, "
        "actual sha256 0000000000000000"
    )


def test_no_recorded_digest_verifies_nothing():
    result = bandwidth_result("dgx-1-1")
    result.expected_checksum = ""
    result.checksums = dict.fromkeys(result.checksums, "")
    assert not bw.read_data_verified(plan("dgx-1-1"), result, "/mnt/nfs0").passed
