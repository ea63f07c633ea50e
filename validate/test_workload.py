"""workload: file-per-sample training reads per image size (150 KB and 1 MB by default):
files/s, MB/s, read latency and the split over the ports; sizing judges each workload by
the measurement of its image size.

Measured by railmount.validation.workload; verdicts in
railmount.validation.verdicts.workload."""

from __future__ import annotations

import pytest

from railmount.validation import workload
from railmount.validation.records import WorkloadIO
from railmount.validation.verdicts import workload as verdicts


def pytest_generate_tests(metafunc):
    if "image_size" in metafunc.fixturenames:
        from railmount.validation.plugin import session_of

        sizes = session_of(metafunc.config).inventory.validate.workload.image_sizes
        metafunc.parametrize("image_size", sizes)


@pytest.fixture(scope="session")
def measured(rm):
    def get(host: str) -> dict[str, WorkloadIO]:
        settings = rm.inventory.validate
        if not settings.workload.enabled:
            pytest.skip("railmount_validate.workload.enabled is false")
        return rm.measured(
            host,
            "workload_io",
            lambda: workload.measure(lambda s: rm.run(host, s), rm.plan(host), settings),
            lambda sizes: {label: r.to_json() for label, r in sizes.items()},
        )

    return get


def test_workload_reads(rm, expect, measured, host_name, image_size):
    result = measured(host_name)[image_size]
    expect.record(verdicts.workload_reads(rm.plan(host_name), image_size, result))


def test_workload_on_planned_ports(rm, expect, measured, host_name, image_size):
    result = measured(host_name)[image_size]
    tolerance = rm.inventory.validate.link_balance
    expect.record(
        verdicts.workload_on_planned_ports(rm.plan(host_name), image_size, result, tolerance)
    )
