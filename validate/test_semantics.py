"""semantics: the per-VIP mounts of the same filesystem behave as one filesystem, on a
host and across hosts — visibility of new files, overwrites, appends, renames, unlinks
and listings, content read back through every mount, and exclusive locks (flock and
POSIX) across mounts and hosts. One result per (writer mount, reader mount) pair, with
the measured delay.

railmount validate runs this as its own stage (every selected host at once, after the
per-host suites). Measured by railmount.validation.semantics; verdicts (the registered
checks) in railmount.validation.verdicts.semantics."""

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

    if "pair_id" not in metafunc.fixturenames:
        return
    session = session_of(metafunc.config)
    settings = session.inventory.validate
    plans = {h: session.plans[h] for h in session.hostnames}
    pairs = semantics.pair_ids(
        plans, session.hostnames, settings.test_dir, settings.semantics.peers
    )
    kind = metafunc.function.__name__.removeprefix("test_")
    ids = [i for i, p in pairs.items() if p.kind == kind]
    metafunc.parametrize("pair_id", ids, ids=[f"{pairs[i].writer}->{pairs[i].reader}" for i in ids])


def _judge(rm, expect, result, pair_id):
    pair = result.pairs.get(pair_id)
    if pair is None:
        pytest.fail(f"{pair_id}: not measured (see the semantics errors in results.json)")
    settings = rm.inventory.validate.semantics
    expect.record(
        verdicts.judge(
            pair, rm.plan(pair.reader.host), settings.max_visibility_s, result.deadline_s
        )
    )


def test_new_file(rm, expect, result, pair_id):
    _judge(rm, expect, result, pair_id)


def test_overwrite(rm, expect, result, pair_id):
    _judge(rm, expect, result, pair_id)


def test_append(rm, expect, result, pair_id):
    _judge(rm, expect, result, pair_id)


def test_rename(rm, expect, result, pair_id):
    _judge(rm, expect, result, pair_id)


def test_unlink(rm, expect, result, pair_id):
    _judge(rm, expect, result, pair_id)


def test_listing(rm, expect, result, pair_id):
    _judge(rm, expect, result, pair_id)


def test_readback(rm, expect, result, pair_id):
    _judge(rm, expect, result, pair_id)


def test_flock_held(rm, expect, result, pair_id):
    _judge(rm, expect, result, pair_id)


def test_flock_free(rm, expect, result, pair_id):
    _judge(rm, expect, result, pair_id)


def test_posix_held(rm, expect, result, pair_id):
    _judge(rm, expect, result, pair_id)


def test_posix_free(rm, expect, result, pair_id):
    _judge(rm, expect, result, pair_id)


@pytest.mark.parametrize("kind", [*semantics.VISIBILITY_KINDS, *semantics.LOCK_PHASES])
def test_measured(expect, result, kind):
    expect.record(verdicts.measured(result, kind))
