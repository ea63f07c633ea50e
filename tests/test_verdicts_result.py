"""CheckResult texts and the recorder the suites hand results to (plugin.Expect)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from railmount.validation import registry
from railmount.validation.plugin import Expect
from railmount.validation.verdicts import CheckResult

DOWN = CheckResult(
    "dgx-1-1", "em1", "state", "up", "down (cabled to switch tor1)", False, check="links.port_up"
)
UP = CheckResult("dgx-1-1", "em1", "state", "up", "up", True, check="links.port_up")
SKIP = CheckResult(
    "dgx-1-1", "em1", "state", "up", "not reported", False, "no speed", check="links.port_up"
)


def _expect() -> Expect:
    node = SimpleNamespace(user_properties=[], name="test_port_up[dgx-1-1/em1]")
    check = registry.bound("links", "test_port_up")
    assert check is not None
    return Expect(node, check)  # type: ignore[arg-type]


def _recorded(expect: Expect) -> list[dict]:
    return [json.loads(v) for k, v in expect.node.user_properties if k == "railmount"]


def test_message_and_detail():
    assert DOWN.message == "dgx-1-1 em1 state: expected up, actual down (cabled to switch tor1)"
    assert DOWN.detail == "em1 state: expected up, actual down (cabled to switch tor1)"
    assert SKIP.message == "dgx-1-1 em1: no speed"


def test_a_pass_is_recorded_with_the_report_keys():
    expect = _expect()
    expect.record(UP)
    assert _recorded(expect) == [
        {
            "host": "dgx-1-1",
            "item": "em1",
            "what": "state",
            "suite": "links",
            "expected": "up",
            "actual": "up",
            "passed": True,
            "check": "links.port_up",
        }
    ]


def test_a_failure_is_recorded_then_asserted_with_its_message():
    expect = _expect()
    with pytest.raises(AssertionError, match=r"^dgx-1-1 em1 state: expected up, actual down"):
        expect.record(DOWN)
    assert _recorded(expect)[0]["passed"] is False


def test_a_skip_is_recorded_then_skipped_with_its_reason():
    expect = _expect()
    with pytest.raises(pytest.skip.Exception, match=r"^dgx-1-1 em1: no speed$"):
        expect.record(SKIP)
    assert _recorded(expect)[0]["skipped"] == "no speed"


def test_a_result_of_another_check_is_refused():
    """A test records the check it binds to by name, nothing else."""
    expect = _expect()
    other = CheckResult("dgx-1-1", "em1", "mtu", "9000", "9000", True, check="links.port_mtu")
    with pytest.raises(AssertionError, match=r"bound to links\.port_up but recorded"):
        expect.record(other)
    assert _recorded(expect) == []
