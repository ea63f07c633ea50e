"""checkpoint: each host writes its checkpoint shard (one file per GPU rank, spread over
the mounts, fsynced), drops its caches and restores it, verifying every block; writes and
reads must ride the planned ports. The figures (write and restore rate, the shortest
interval that keeps the write within the budget) go to the report.

Measured by railmount.validation.checkpoint; verdicts in
railmount.validation.verdicts.checkpoint."""

from __future__ import annotations

import pytest

from railmount.validation import checkpoint
from railmount.validation.verdicts import checkpoint as verdicts


@pytest.fixture(scope="session")
def measured(rm):
    def get(host: str) -> checkpoint.CheckpointResult:
        settings = rm.inventory.validate
        if not settings.checkpoint.enabled:
            pytest.skip("railmount_validate.checkpoint.enabled is false")
        return rm.measured(
            host,
            "checkpoint",
            lambda: checkpoint.measure(lambda s: rm.run(host, s), rm.plan(host), settings),
            checkpoint.CheckpointResult.to_json,
        )

    return get


def test_checkpoint_written(rm, expect, measured, host_name):
    expect.record(verdicts.checkpoint_written(rm.plan(host_name), measured(host_name)))


def test_checkpoint_restored_intact(rm, expect, measured, host_name):
    expect.record(verdicts.checkpoint_restored_intact(rm.plan(host_name), measured(host_name)))


def test_checkpoint_write_on_planned_port(rm, expect, measured, port_item):
    host, port = port_item
    tolerance = rm.inventory.validate.link_balance
    expect.record(
        verdicts.checkpoint_write_on_planned_port(rm.plan(host), measured(host), port, tolerance)
    )


def test_checkpoint_restore_on_planned_port(rm, expect, measured, port_item):
    host, port = port_item
    tolerance = rm.inventory.validate.link_balance
    expect.record(
        verdicts.checkpoint_restore_on_planned_port(rm.plan(host), measured(host), port, tolerance)
    )
