"""Probe parsing (on a real probe output captured from a lab guest), bandwidth phase
maths, scripts and sizing — the parts of validation that need no host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from railmount.inventory import load_plans
from railmount.model import SizingRow, SizingSettings, ValidateSettings
from railmount.validation import bandwidth, fio_run, probe
from railmount.validation.sizing import sizing
from railmount.validation.verdicts.links import COUNTERS

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def lab():
    return load_plans(DATA / "captured-lab")  # the inventory the captures were taken with


@pytest.fixture(scope="module")
def state():
    return probe.parse((DATA / "probe-dgx-1-2.txt").read_text())


def test_probe_links(state, lab):
    plan = lab[1]["dgx-1-2"]
    for port in plan.ports:
        link = state.links[port.name]
        assert (link.mac, link.mtu, link.up) == (port.mac, port.mtu, True)
        assert link.addresses == [port.address]
        assert link.speed_mbps is None  # virtio reports no speed


def test_probe_routes_match_the_plan(state, lab):
    plan = lab[1]["dgx-1-2"]
    primaries = [r for r in plan.routes if not r.backup]
    assert {r.vip_address: (r.dev, r.src) for r in primaries} == {
        vip: (got.dev, got.src) for vip, got in state.route_get.items()
    }


def test_probe_lldp_tcp_arp_pmtu_sysctls(state, lab):
    plan = lab[1]["dgx-1-2"]
    assert state.lldp == {"em1": ("tor1", "rm2em1"), "em2": ("tor2", "rm2em2")}
    assert sorted(state.tcp) == sorted((m.src, m.vip_address) for m in plan.mounts)
    assert all(state.arping.values()) and len(state.arping) == 4
    assert all(state.pmtu.values()) and len(state.pmtu) == 4
    assert state.sysctls == {s.name: s.value for s in plan.sysctls}


def test_probe_mounts(state):
    entry = state.mounts["/mnt/nfs2"]
    assert (entry.source, entry.fstype) == ("198.18.115.8:/nfs0", "nfs")
    assert entry.options["vers"] == "3" and entry.options["addr"] == "198.18.115.8"
    assert "hard" in entry.options and entry.options["rsize"] == "524288"


def test_probe_failures_parse_as_failures():
    out = "\n".join(
        [
            f"{probe.MARK}route 198.18.115.6",
            "RTNETLINK answers: Network is unreachable",
            f"{probe.MARK}arping 198.18.115.6",
            "10",
            f"{probe.MARK}pmtu 198.18.115.6",
            "1",
        ]
    )
    state = probe.parse(out)
    assert state.route_get["198.18.115.6"].dev is None
    assert "unreachable" in (state.route_get["198.18.115.6"].error or "")
    assert state.arping["198.18.115.6"] is False  # exit status 10 is not 0
    assert state.pmtu["198.18.115.6"] is False


def test_probe_script_touches_mounts_before_reading_tcp(lab):
    plan = lab[1]["dgx-1-1"]
    script = probe.probe_script(plan)
    touch = "timeout 5 stat -f /mnt/nfs0 /mnt/nfs1 /mnt/nfs2 /mnt/nfs3"
    assert script.index(touch) < script.index(f"{probe.MARK}tcp")
    assert script.count(f"{probe.MARK}route ") == 4
    assert "arping" not in probe.probe_script(plan, active=False)


def _phase_output(
    t0: float, t1: float, c0: tuple[int, int], c1: tuple[int, int], rc: int, jobs: list[int]
) -> str:
    fio = {"jobs": [{"read": {"bw_bytes": bw}, "error": 0} for bw in jobs]}
    mark = fio_run.MARK
    return "\n".join(
        [
            f"{mark}t0",
            str(t0),
            *map(str, c0),
            *map(str, c0),  # tx
            f"{mark}t1",
            str(t1),
            *map(str, c1),
            *map(str, c0),  # tx unchanged
            f"{mark}fio",
            "fio: some warning",
            json.dumps(fio),
            f"{mark}rc",
            str(rc),
        ]
    )


def test_parse_phase_attributes_bytes_to_links():
    out = _phase_output(
        100.0, 108.0, (1000, 5000), (1000 + 8 * 25_000_000, 5000), 0, [12_000_000, 12_500_000]
    )
    phase = bandwidth.parse_phase("link:em1", ["nfs0", "nfs2"], ["em1", "em2"], out)
    assert phase.window_s == 8.0
    assert phase.links == {"em1": 25_000_000.0, "em2": 0.0}
    assert phase.fio_bytes_per_s == 24_500_000
    assert phase.errors == 0


def test_parse_phase_counts_a_failed_fio_as_an_error():
    out = _phase_output(0.0, 1.0, (0, 0), (10, 10), 1, [])
    assert bandwidth.parse_phase("all", [], ["em1", "em2"], out).errors == 1


def test_phases_and_scripts(lab):
    _, plans = lab
    plan = plans["dgx-1-1"]
    assert bandwidth.phases_for(plan) == [
        ("single:nfs0", ["nfs0"]),
        ("link:em1", ["nfs0", "nfs2"]),
        ("link:em2", ["nfs1", "nfs3"]),
        ("all", ["nfs0", "nfs1", "nfs2", "nfs3"]),
    ]
    settings = ValidateSettings()
    prepare = bandwidth.prepare_script(plan, settings)
    # Each of the 4 files: size test, digest test, digest write, data write; all via mount 1.
    assert prepare.count("/mnt/nfs0/.railmount/bench-dgx-1-1-") == 4 * 4
    assert "/mnt/nfs1/" not in prepare
    assert "verify" not in bandwidth.phase_script(plan, settings, ["nfs0"])
    checksum = bandwidth.checksum_script(plan, settings)
    assert checksum.count("iflag=direct") == 16  # every file through every mount
    assert bandwidth.line_rates(plan, {}) == {"em1": 25e6, "em2": 25e6}


def test_sizing_against_the_reference_table():
    rows = {(r.workload, r.image_size): r for r in sizing(SizingSettings(), 2.14e9)}
    assert len(rows) == 10
    assert {r.source for r in rows.values()} == {"bandwidth"}
    assert rows[("ResNet-50", "150KB")].fed is True
    assert rows[("ResNet-50", "1MB")].fed is False  # needs 2.9 GB/s
    assert rows[("VGG16", "1MB")].fed is True
    assert rows[("AlexNet", "150KB")].fed is True and rows[("AlexNet", "1MB")].fed is False


def test_sizing_uses_the_measurement_of_the_image_size_and_the_sites_rows():
    """A 150 KB file-per-sample rate far below the big-block rate decides the 150 KB rows;
    the site's own rows are judged too; sizes never measured fall back to big blocks."""
    site = SizingSettings(workloads=(SizingRow("MyNet", "150KB", 100.0),))
    workload_io = {"150KB": {"read_bytes_per_s": 200e6}}
    rows = {(r.workload, r.image_size): r for r in sizing(site, 2.14e9, workload_io)}
    assert len(rows) == 11
    small = rows[("ResNet-50", "150KB")]
    assert (small.source, small.measured_bytes_per_s, small.fed) == (
        "workload_io",
        200e6,
        False,  # needs 430 MB/s: fed by big blocks, starved on small files
    )
    assert rows[("MyNet", "150KB")].fed is True  # 200 MB/s >= 100 MB/s
    assert rows[("ResNet-50", "1MB")].source == "bandwidth"
    only_site = sizing(SizingSettings(reference=False, workloads=site.workloads), None, workload_io)
    assert [r.workload for r in only_site] == ["MyNet"]


def test_counters_script_reads_back_the_counters_the_first_probe_had(state):
    """The end-of-run counter read is the probe's links section alone: parsed the same way,
    it yields the same per-port counters (and nothing the links suite does not need)."""
    full = (DATA / "probe-dgx-1-2.txt").read_text()
    links_only = probe.split_sections(full)["links"]
    assert probe.COUNTERS_SCRIPT.startswith(f"echo {probe.MARK}links;")
    again = probe.parse(f"{probe.MARK}links\n" + "\n".join(links_only))
    fields = (*COUNTERS, "rx_bytes", "tx_bytes", "mac", "mtu", "up")
    for name, link in state.links.items():
        assert [getattr(again.links[name], f) for f in fields] == [getattr(link, f) for f in fields]
    assert again.links["em1"].rx_bytes > 0  # the capture has counters to compare
    assert again.mounts == {} and again.route_get == {}
