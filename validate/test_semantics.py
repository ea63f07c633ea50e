"""semantics: the per-VIP mounts of the same filesystem behave as one filesystem, on a
host and across hosts — visibility of new files, overwrites, appends, renames, unlinks
and listings, content read back through every mount, and exclusive locks (flock and
POSIX) across mounts and hosts. One result per (writer mount, reader mount) pair, with
the measured delay.

railmount validate runs this as its own stage (every selected host at once, after the
per-host suites). Measured by railmount.validation.semantics; verdicts in
railmount.validation.verdicts.semantics."""

from __future__ import annotations

import pytest

from railmount.validation import semantics
from railmount.validation.verdicts import semantics as verdicts


@pytest.fixture(scope="session")
def result(rm) -> semantics.SemanticsResult:
    settings = rm.inventory.validate
    if not settings.semantics.enabled:
        pytest.skip("railmount_validate.semantics.enabled is false")
    out = semantics.measure(
        rm.run,
        {h: rm.plan(h) for h in rm.hostnames},
        list(rm.hostnames),
        settings.test_dir,
        settings.semantics.max_visibility_s,
        settings.semantics.peers,
        settings.semantics.lock_timeout_s,
    )
    rm.extra["semantics"] = out.to_json()
    return out


def pytest_generate_tests(metafunc):
    from railmount.validation.plugin import session_of

    session = session_of(metafunc.config)
    settings = session.inventory.validate
    plans = {h: session.plans[h] for h in session.hostnames}
    pairs = semantics.pair_ids(
        plans, session.hostnames, settings.test_dir, settings.semantics.peers
    )
    locks = metafunc.function.__name__ == "test_lock_exclusive"
    for fixture in ("pair_id",):
        if fixture in metafunc.fixturenames:
            ids = [i for i, p in pairs.items() if p.kind.startswith(semantics.LOCK_KINDS) == locks]
            metafunc.parametrize("pair_id", ids, ids=[_test_id(pairs[i]) for i in ids])


def _test_id(pair: semantics.Pair) -> str:
    return f"{pair.kind}/{pair.writer}->{pair.reader}"


def _pair(result: semantics.SemanticsResult, pair_id: str) -> semantics.Pair:
    found = result.pairs.get(pair_id)
    if found is None:
        pytest.fail(f"{pair_id}: not measured (see the semantics errors in results.json)")
    return found


def test_visible(rm, expect, result, pair_id):
    pair = _pair(result, pair_id)
    expect.record(
        verdicts.visibility(
            pair,
            rm.plan(pair.reader.host),
            rm.inventory.validate.semantics.max_visibility_s,
            result.deadline_s,
        )
    )


def test_lock_exclusive(expect, result, pair_id):
    expect.record(verdicts.lock(_pair(result, pair_id)))


@pytest.mark.parametrize("kind", [*semantics.VISIBILITY_KINDS, *semantics.LOCK_PHASES])
def test_measured(expect, result, kind):
    """Guards the other results: pairs a busy host left unjudged (skips) must not be all
    there is; a suite that judged nothing would pass by saying nothing."""
    expect.record(verdicts.measured(result, kind))
