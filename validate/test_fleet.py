"""fleet: every selected host at once, in steps of 1..N hosts (railmount validate runs
this after the per-host suites, never in parallel with them): the scaling curve, the
array's measured limit, how many hosts it feeds at line rate and per workload, and the
file-per-sample reads and checkpoint with every host busy.

Measured by railmount.validation.fleet; verdicts in railmount.validation.verdicts.fleet."""

from __future__ import annotations

import pytest

from railmount.validation import bandwidth, fleet, sizing
from railmount.validation.records import Fleet, FleetStep
from railmount.validation.verdicts import fleet as verdicts


@pytest.fixture(scope="session")
def result(rm) -> Fleet:
    settings = rm.inventory.validate
    hosts = list(rm.hostnames)
    plans = {h: rm.plan(h) for h in hosts}
    line_rates = {h: rm.line_rates(h) for h in hosts}

    def run(host: str, script: str) -> str:
        return rm.run(host, script)

    fleet.on_all(hosts, lambda h: run(h, bandwidth.prepare_script(plans[h], settings)))
    steps = []
    for k in fleet.step_counts(len(hosts), settings.fleet.steps):
        steps.append(fleet.read_step(run, plans, hosts[:k], settings, line_rates))
    scale = fleet.scaling(steps, line_rates, settings.link_min_ratio)
    out = fleet.result(steps, scale, settings.fleet.training_share)
    if settings.workload.enabled:
        out.workload_io = fleet.workload_all(run, plans, settings)
    if settings.checkpoint.enabled:
        out.checkpoint = fleet.checkpoint_all(run, plans, settings)
    rows = sizing.table(rm.inventory.sizing)
    out.workloads = fleet.workload_rows(
        rows, scale, steps, out.workload_io, settings.fleet.training_share
    )
    rm.extra["fleet"] = out.to_json()
    return out


def pytest_generate_tests(metafunc):
    from railmount.validation.plugin import session_of

    session = session_of(metafunc.config)
    settings = session.inventory.validate
    if "step" in metafunc.fixturenames:
        counts = fleet.step_counts(len(session.hostnames), settings.fleet.steps)
        if metafunc.function is test_fleet_step_fair_share:
            counts = [k for k in counts if k >= 2]  # fairness is between two or more hosts
        metafunc.parametrize("step", counts, ids=[f"{k}-hosts" for k in counts])
    if "image_size" in metafunc.fixturenames:
        metafunc.parametrize("image_size", settings.workload.image_sizes)


def _step(result: Fleet, k: int) -> FleetStep:
    return next(s for s in result.steps if len(s.hosts) == k)


def test_fleet_step_reads(expect, result, step):
    expect.record(verdicts.fleet_step_reads(_step(result, step)))


def test_fleet_step_fair_share(rm, expect, result, step):
    minimum = rm.inventory.validate.fleet.min_fairness
    expect.record(verdicts.fleet_step_fair_share(_step(result, step), minimum))


def test_fleet_workload_reads(expect, result, image_size):
    if image_size not in result.workload_io:
        pytest.skip("workload reads are off (railmount_validate.workload.enabled)")
    expect.record(verdicts.fleet_workload_reads(image_size, result.workload_io[image_size]))


def test_fleet_checkpoint(expect, result):
    if result.checkpoint is None:
        pytest.skip("checkpoint is off (railmount_validate.checkpoint.enabled)")
    expect.record(verdicts.fleet_checkpoint(result))
