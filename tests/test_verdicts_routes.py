"""routes verdicts on the real probe capture and on failing variants made from it."""

from __future__ import annotations

import pytest
from captured import Capture, failure, plan

from railmount.hostside import routes as spec
from railmount.validation.verdicts import routes

VIPS = ["nfs0", "nfs1", "nfs2", "nfs3"]
VIP_VERDICTS = [routes.route_get, routes.arp_via_planned_port, routes.path_mtu]
KNOBS = ["arp_ignore", "arp_announce", "rp_filter", "ignore_routes_with_linkdown"]


def _all_results(host: str, capture: Capture) -> list:
    p, state = plan(host), capture.state()
    results = [v(p, state, vip) for v in VIP_VERDICTS for vip in routes.vip_names(p)]
    return results + [
        routes.effective_sysctl(p, state, port.name, knob) for port in p.ports for knob in KNOBS
    ]


@pytest.mark.parametrize("verdict", VIP_VERDICTS)
@pytest.mark.parametrize("vip", VIPS)
def test_captured_vips_pass(verdict, vip):
    result = verdict(plan("dgx-1-2"), Capture().state(), vip)
    assert result.passed, result.message


@pytest.mark.parametrize("port", ["em1", "em2"])
@pytest.mark.parametrize("knob", KNOBS)
def test_captured_sysctls_pass(port, knob):
    result = routes.effective_sysctl(plan("dgx-1-2"), Capture().state(), port, knob)
    assert result.passed, result.message


def test_vip_names_are_the_planned_primaries():
    assert routes.vip_names(plan("dgx-1-1")) == VIPS


def _nfs0_via_em2(capture: Capture) -> Capture:
    """The lab test's break: `ip route replace 198.18.115.6/32 dev em2 src 198.18.115.113`."""
    return capture.reroute("198.18.115.6", "em2", "198.18.115.113")


def test_wrong_route_fails_exactly_that_route_with_the_quoted_message():
    """tests/lab/test_lab_e2e.py and the README quote this message."""
    results = _all_results("dgx-1-1", _nfs0_via_em2(Capture("dgx-1-1")))
    failed = [r for r in results if not r.passed]
    assert [r.check for r in failed] == ["routes.route_get"]
    assert failure(failed[0]) == (
        "dgx-1-1 nfs0 (198.18.115.6) route: expected dev em1 src 198.18.115.120, "
        "actual dev em2 src 198.18.115.113"
    )


def test_route_verdict_and_hostside_spec_agree():
    """The routes verdict judges with hostside.routes: same text, same verdict."""
    capture = _nfs0_via_em2(Capture("dgx-1-1"))
    result = routes.route_get(plan("dgx-1-1"), capture.state(), "nfs0")
    problem = spec.route_problem(
        routes.expectation(plan("dgx-1-1"), "nfs0"),
        spec.parse_answer(capture.sections["route 198.18.115.6"]),
    )
    assert problem is not None and result.detail == f"{result.item} route: {problem}"


def test_unreachable_or_unprobed_vip_fails():
    capture = Capture()
    capture.sections["route 198.18.115.7"] = "RTNETLINK answers: Network is unreachable"
    result = routes.route_get(plan("dgx-1-2"), capture.state(), "nfs1")
    assert failure(result) == (
        "dgx-1-2 nfs1 (198.18.115.7) route: expected dev em2 src 198.18.115.114, "
        "actual RTNETLINK answers: Network is unreachable"
    )
    del capture.sections["route 198.18.115.8"]
    result = routes.route_get(plan("dgx-1-2"), capture.state(), "nfs2")
    assert failure(result) == (
        "dgx-1-2 nfs2 (198.18.115.8) route: expected dev em1 src 198.18.115.121, actual no answer"
    )


def test_port_value_below_all_is_fine_the_kernel_takes_the_max():
    capture = Capture().edit("sysctl", "conf.em1.rp_filter = 2", "conf.em1.rp_filter = 0")
    assert routes.effective_sysctl(plan("dgx-1-2"), capture.state(), "em1", "rp_filter").passed


def test_all_above_the_plan_wins_over_the_port():
    capture = Capture().edit("sysctl", "conf.all.arp_ignore = 1", "conf.all.arp_ignore = 2")
    result = routes.effective_sysctl(plan("dgx-1-2"), capture.state(), "em2", "arp_ignore")
    assert failure(result) == (
        "dgx-1-2 em2 effective sysctl: expected arp_ignore=1, actual arp_ignore=2"
    )


def test_unset_everywhere_fails():
    capture = Capture().edit("sysctl", "conf.all.rp_filter = 2", "conf.all.rp_filter = 0")
    capture.edit("sysctl", "conf.em1.rp_filter = 2", "conf.em1.rp_filter = 0")
    result = routes.effective_sysctl(plan("dgx-1-2"), capture.state(), "em1", "rp_filter")
    assert failure(result) == (
        "dgx-1-2 em1 effective sysctl: expected rp_filter=2, actual rp_filter=0"
    )
    capture.sections["sysctl"] = ""
    result = routes.effective_sysctl(plan("dgx-1-2"), capture.state(), "em1", "rp_filter")
    assert result.actual == "rp_filter=None" and not result.passed


def test_no_arp_reply():
    capture = Capture().edit("arping 198.18.115.6", "0", "1")
    result = routes.arp_via_planned_port(plan("dgx-1-2"), capture.state(), "nfs0")
    assert failure(result) == (
        "dgx-1-2 nfs0 (198.18.115.6) ARP: expected ARP reply on em1, actual no ARP reply on em1"
    )


def test_path_mtu_fails():
    """An older probe's answer (ping's exit status only): the port and switch, no size."""
    capture = Capture().edit("pmtu 198.18.115.9", "0", "1")
    result = routes.path_mtu(plan("dgx-1-2"), capture.state(), "nfs3")
    assert failure(result) == (
        "dgx-1-2 nfs3 (198.18.115.9) path MTU: expected DF ping of 8972 bytes passes via em2 "
        "(switch tor2, port rm2em2), actual fails"
    )


def test_path_mtu_names_the_largest_size_that_passes():
    """A switch port left at 1500: the probe's search found 1472 bytes."""
    capture = Capture().edit("pmtu 198.18.115.9", "0", "largest 1472")
    result = routes.path_mtu(plan("dgx-1-2"), capture.state(), "nfs3")
    assert failure(result) == (
        "dgx-1-2 nfs3 (198.18.115.9) path MTU: expected DF ping of 8972 bytes passes via em2 "
        "(switch tor2, port rm2em2), actual fails; largest that passes: 1472 bytes (MTU 1500)"
    )
    nothing = Capture().edit("pmtu 198.18.115.9", "0", "largest 0")
    assert failure(routes.path_mtu(plan("dgx-1-2"), nothing.state(), "nfs3")).endswith(
        "actual fails; no DF ping passes at all"
    )


def test_path_mtu_search_runs_in_bounded_time(tmp_path):
    """The probe's shell search against a fake ping that passes up to 1472 bytes: it finds
    1472 with at most 15 pings (each lost one costs 1 s on a host)."""
    import subprocess

    from railmount.validation.probe import PMTU_SEARCH

    log = tmp_path / "pings"
    fake = tmp_path / "ping"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {log}\n'
        'size=$(echo "$@" | sed -E "s/.*-s ([0-9]+).*/\\1/")\n'
        '[ "$size" -le 1472 ]\n'
    )
    fake.chmod(0o755)
    script = f"{PMTU_SEARCH}\npmtu 198.18.115.9 198.18.115.114 8972\n"
    out = subprocess.run(
        ["sh", "-c", script], env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert out.strip() == "largest 1472"
    assert len(log.read_text().splitlines()) <= 15
