"""The typed results model: parsed from real and hand-made files, tolerant of gaps."""

from __future__ import annotations

import copy

import pytest

from railmount.report import failure_text, failures, format_summary, suite_of, write_reports
from railmount.report.document import build
from railmount.report.model import Results


def test_suite_from_nodeid():
    assert suite_of("validate/test_links.py::test_port_up[dgx-1-1/em1]") == "links"
    assert suite_of("validate/test_bandwidth.py::test_no_read_errors[dgx-1-2]") == "bandwidth"
    assert suite_of("test_faults.py::test_x") == "faults"


def test_real_file_parses_to_its_numbers(lab_results):
    results = Results.parse(lab_results)
    assert [h.name for h in results.hosts] == ["dgx-1-1", "dgx-1-2"]
    host = results.hosts[1]
    assert host.bandwidth is not None
    assert host.bandwidth.ports == ["em1", "em2"]
    assert host.bandwidth.read["em2"] == 22638519.0
    assert host.bandwidth.line_rate_total == 50_000_000.0
    assert [p.name for p in host.bandwidth.phases] == ["single:nfs0", "link:em1", "link:em2", "all"]
    assert len(host.sizing) == 10 and not any(r.fed for r in host.sizing)
    assert host.sizing[0].source == ""  # older files: no source
    assert host.workload_io == {} and host.checkpoint is None and host.faults == []
    assert results.fleet is None
    assert host.counts()["links"] == {"passed": 13, "failed": 1, "skipped": 2}
    assert results.totals() == {"passed": 125, "failed": 1, "skipped": 4}


def test_handmade_file_has_every_section(handmade_results):
    results = Results.parse(handmade_results)
    a1, a3 = results.host("dgx-a1"), results.host("dgx-a3")
    assert a1 and a3 and results.fleet
    assert set(a1.workload_io) == {"150KB", "1MB"}
    assert a1.workload_io["150KB"].read_links["enp41s0f0"] == pytest.approx(4.575e9)
    assert a1.checkpoint and a1.checkpoint.verified is True and a1.checkpoint.budget == 0.05
    assert a3.checkpoint and a3.checkpoint.verified is False
    assert a1.sizing[0].source == "workload_io"
    assert [f["fault"] for f in a1.faults] == ["link-down enp41s0f0", "switch-down leaf2"]
    assert [len(s.hosts) for s in results.fleet.steps] == [1, 2, 3]
    assert results.fleet.training_share == 0.5 and results.fleet.hosts_fed_at_line_rate == 2
    assert results.fleet.checkpoint and results.fleet.checkpoint.verified is False
    check = a1.checks[0].checks[0]
    assert check.check == "links.port_up"


def test_fleet_steps_carry_the_line_rate_the_fleet_measured_against(handmade_results):
    """The report reads a step's line rate from the step (the writer stored it), never
    from the hosts' bandwidth records; a step of an older file without it has none."""
    data = copy.deepcopy(handmade_results)
    data["fleet"]["steps"][2]["line_rate_bytes_per_s"] = 70e9  # not the hosts' 75e9
    older = data["fleet"]["steps"][0]
    del older["line_rate_bytes_per_s"], older["per_host_line_rate_bytes_per_s"]
    fleet = Results.parse(data).fleet
    assert fleet is not None
    assert [s.line_rate_bytes_per_s for s in fleet.steps] == [None, 50e9, 70e9]
    assert fleet.steps[1].per_host_line_rate_bytes_per_s == {"dgx-a1": 25e9, "dgx-a2": 25e9}
    assert fleet.steps[0].per_host_line_rate_bytes_per_s == {}


def test_summary_counted_from_checks_when_missing(lab_results):
    del lab_results["summary"]
    assert Results.parse(lab_results).verdict_line() == (
        "railmount validate: 125 passed, 1 failed, 4 skipped"
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda r: r.pop("fleet"),
        lambda r: [h.pop(k, None) for h in r["hosts"].values() for k in list(h) if k != "checks"],
        lambda r: r["fleet"].update(steps=None, workloads="x", checkpoint=[], workload_io=3),
        lambda r: r["hosts"]["dgx-a1"].update(bandwidth={}, checkpoint=None, workload_io={}),
        lambda r: r["hosts"]["dgx-a1"]["bandwidth"].update(phases=[{"name": "x"}], links=None),
        lambda r: r["hosts"]["dgx-a1"]["checkpoint"].update(
            bytes=None, write_s="fast", verified="yes", links={"em1": None}
        ),
        lambda r: [r.pop(k) for k in ("inventory", "started", "duration_s", "summary")],
        lambda r: r["hosts"]["dgx-a2"]["checks"].append({"test": "t.py::x"}),
    ],
    ids=[
        "no-fleet",
        "checks-only",
        "fleet-garbage",
        "empty-sections",
        "bare-phase",
        "checkpoint-holes",
        "no-header",
        "bare-test",
    ],
)
def test_partial_and_damaged_files_still_render(handmade_results, tmp_path, damage):
    """Older files, partial runs and --only links leave sections out: nothing raises."""
    results = copy.deepcopy(handmade_results)
    damage(results)
    text = format_summary(results)
    assert text.splitlines()[-1].startswith("railmount validate: ")
    paths = write_reports(results, tmp_path)
    assert paths["html"].read_text().startswith("<!DOCTYPE html>")
    assert "# railmount validation report" in paths["markdown"].read_text()


def test_only_links_run(lab_results, tmp_path):
    """`--only links`: checks and nothing measured; no bandwidth, sizing or chart."""
    for host in lab_results["hosts"].values():
        host.pop("bandwidth")
        host.pop("sizing")
        host["checks"] = [c for c in host["checks"] if suite_of(c["test"]) == "links"]
    doc = build(lab_results)
    assert [s.key for s in doc.sections] == ["summary", "failures", "host:dgx-1-1", "host:dgx-1-2"]
    assert doc.charts() == []
    paths = write_reports(lab_results, tmp_path)
    assert set(paths) == {"json", "markdown", "html"}
    text = format_summary(lab_results)
    assert "Bandwidth" not in text and "Sizing" not in text
    assert text.endswith("1 failed, 4 skipped\n")


def test_failures_from_dicts_and_the_failure_sentence(lab_results):
    found = failures(lab_results)
    assert [(h, e.test) for h, e in found] == [
        ("dgx-1-2", "validate/test_links.py::test_port_up[dgx-1-2/em2]")
    ]
    host, entry = found[0]
    assert failure_text(host, entry) == "dgx-1-2 em2 state: expected up, actual down"
    raw = next(c for c in lab_results["hosts"]["dgx-1-2"]["checks"] if c["outcome"] == "failed")
    raw["message"] = ""  # no assertion message: the failing checks speak
    assert failure_text("dgx-1-2", raw) == "dgx-1-2 em2 state: expected up, actual down"
    assert failure_text("h", {"test": "x", "outcome": "failed"}) == (
        "h failed (no message recorded)"
    )


def test_a_written_record_reads_back_as_itself():
    """Writers and readers share the record (railmount.validation.records): what the fleet
    and the bandwidth phases write parses back to an equal record, derived figures too."""
    from dataclasses import asdict

    from railmount.validation.records import FleetStep, Phase

    step = FleetStep(
        ["h0", "h1"], 40e6, {"h0": 24e6, "h1": 16e6}, {"h0": {"em1": 12e6, "em2": 12e6}},
        50e6, {"h0": 25e6, "h1": 25e6}, errors=1, start_skew_s=0.4,
    )  # fmt: skip
    written = step.to_json()
    assert written["fairness"] == pytest.approx(16 / 24, abs=1e-3)
    assert FleetStep.parse(written) == step
    phase = Phase("link:em1", ["nfs0", "nfs2"], {"em1": 12.4e6, "em2": 0.0}, 12.1e6, 0, 8.0)
    assert Phase.parse(asdict(phase)) == phase


def test_a_workload_record_reads_back_as_itself():
    from railmount.validation.records import WorkloadIO

    io = WorkloadIO(
        214.0, 32.1e6, 25.8, 48.0, 6990, 150_000, 16, errors=0, error_text="",
        links={"em1": {"read_bytes_per_s": 16.2e6}, "em2": {"read_bytes_per_s": 15.9e6}},
    )  # fmt: skip
    assert WorkloadIO.parse(io.to_json()) == io
    assert io.read_links == {"em1": 16.2e6, "em2": 15.9e6}


def test_a_checkpoint_record_reads_back_as_itself(handmade_results):
    from railmount.validation.records import Checkpoint

    written = handmade_results["hosts"]["dgx-a1"]["checkpoint"]
    record = Checkpoint.parse(written)
    assert Checkpoint.parse(record.to_json()) == record
    assert record.interval_min_s == written["interval_min_s"]
    assert set(record.write_links) == set(written["links"])


def test_a_bandwidth_record_reads_back_as_itself():
    from captured import bandwidth_result

    from railmount.validation.records import Bandwidth

    measured = bandwidth_result("dgx-1-1")
    record = Bandwidth.parse(measured.to_json())
    assert record == measured.record()
    assert record.line_rate == measured.line_rate
    assert record.line_rate_total == 50e6  # two links of 200 Mbit/s


def test_the_fleet_record_reads_back_as_itself(handmade_results):
    """The fleet's whole object: what a reader parses writes back to the same record, and
    what the fleet writes (steps, rows, all-host reads and checkpoint) parses back equal."""
    from railmount.validation import fleet
    from railmount.validation.records import Fleet, FleetCheckpoint, FleetStep, FleetWorkloadIO

    read = Fleet.parse(handmade_results["fleet"])
    assert Fleet.parse(read.to_json()) == read
    assert read.workload_io["150KB"].hosts == 3 and read.checkpoint is not None
    step = FleetStep(["h0"], 24e6, {"h0": 24e6}, {"h0": {"em1": 24e6}}, 25e6, {"h0": 25e6})
    scale = fleet.Scaling(None, 1, True, None)
    written = fleet.result([step], scale, 0.5)
    written.workload_io = {"1MB": FleetWorkloadIO(1, 24.5, 24.5e6, 10.0, 0.0, 426.0)}
    written.workloads = fleet.workload_rows(
        [("Net", "1MB", 4e6)], scale, [step], written.workload_io, 0.5
    )
    written.checkpoint = FleetCheckpoint(1, 32e6, 15e6, 6e6, True, 2.1, 42.0)
    assert Fleet.parse(written.to_json()) == written
