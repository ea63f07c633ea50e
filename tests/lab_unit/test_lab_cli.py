"""`railmount lab fault ...`: the CLI wires each verb to its plain function in lab.faults
(nothing here touches a lab: the spec and the fault functions are stand-ins)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from railmount.cli import build_parser
from railmount.lab import cli, faults

SPEC: Any = object()  # the handlers only pass it through


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    seen: list[tuple[Any, ...]] = []
    monkeypatch.setattr(cli, "_spec", lambda args: SPEC)

    def fake(name: str):
        def record(*args: Any) -> dict[str, Any]:
            seen.append((name, *args))
            return {"event": name}

        return record

    for name in ("set_host_link", "set_switch", "set_vip", "set_link_rate", "array_restart"):
        monkeypatch.setattr(faults, name, fake(name))
    return seen


@pytest.mark.parametrize(
    ("argv", "call"),
    [
        (["link-down", "dgx-1-1", "em1"], ("set_host_link", SPEC, "dgx-1-1", "em1", False)),
        (["link-up", "dgx-1-1", "em1"], ("set_host_link", SPEC, "dgx-1-1", "em1", True)),
        (["switch-down", "tor1"], ("set_switch", SPEC, "tor1", False)),
        (["switch-up", "tor1"], ("set_switch", SPEC, "tor1", True)),
        (["vip-down", "198.18.115.6"], ("set_vip", SPEC, "198.18.115.6", False)),
        (["vip-up", "198.18.115.6"], ("set_vip", SPEC, "198.18.115.6", True)),
        (["link-rate", "dgx-1-1", "em2", "50"], ("set_link_rate", SPEC, "dgx-1-1", "em2", 50)),
        (["link-rate", "dgx-1-1", "em2"], ("set_link_rate", SPEC, "dgx-1-1", "em2", None)),
        (["array-restart"], ("array_restart", SPEC)),
    ],
)
def test_fault_verbs_call_faults(
    argv: list[str], call: tuple[Any, ...], calls: list[tuple[Any, ...]], capsys
) -> None:
    args = build_parser().parse_args(["lab", "fault", *argv])
    assert args.func(args) == 0
    assert calls == [call]
    assert json.loads(capsys.readouterr().out) == {"event": call[0]}


def test_fault_error_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    def refuse(*args: Any) -> dict[str, Any]:
        raise faults.FaultError("no switch 'tor9'")

    monkeypatch.setattr(cli, "_spec", lambda args: SPEC)
    monkeypatch.setattr(faults, "set_switch", refuse)
    args = build_parser().parse_args(["lab", "fault", "switch-down", "tor9"])
    assert args.func(args) == 2
    assert capsys.readouterr().err == "railmount lab fault: no switch 'tor9'\n"
