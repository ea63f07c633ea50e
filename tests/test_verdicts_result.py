"""CheckResult texts and the recorder the suites hand results to (plugin.Expect)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from railmount.validation.plugin import Expect
from railmount.validation.verdicts import CheckResult

DOWN = CheckResult(
    "links.port_up", "dgx-1-1", "em1", "state", "up", "down (cabled to switch tor1)", False
)
UP = CheckResult("links.port_up", "dgx-1-1", "em1", "state", "up", "up", True)
SKIP = CheckResult(
    "links.port_speed", "dgx-1-1", "em1", "speed", "200Mb/s", "not reported", False, "no speed"
)


def _expect() -> Expect:
    node = SimpleNamespace(user_properties=[], name="test_port_up[dgx-1-1/em1]")
    node.originalname = "test_port_up"
    return Expect(node, "links")  # type: ignore[arg-type]


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


def test_the_call_form_builds_the_same_result():
    """Checks not written as verdicts still record and assert the same way."""
    expect = _expect()
    with pytest.raises(AssertionError) as failure:
        expect("dgx-1-1", "em1", "up", "down (cabled to switch tor1)", what="state")
    assert str(failure.value) == DOWN.message
    expect("dgx-1-1", "em1", "up", "up", what="state")
    assert [r["check"] for r in _recorded(expect)] == ["links.port_up", "links.port_up"]
