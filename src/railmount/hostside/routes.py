"""PROVISIONAL (replaced by the verdicts branch): VIP -> planned port and source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RouteExpectation:
    vip: str
    address: str
    dev: str
    src: str


def expected_routes(plan: dict[str, Any]) -> list[RouteExpectation]:
    return [
        RouteExpectation(r["vip"], r["address"], r["dev"], r["src"])
        for r in plan["routes"]
        if not r["backup"]
    ]


def route_problem(expectation: RouteExpectation, route_get: list[dict[str, Any]]) -> str | None:
    got = route_get[0] if route_get else {}
    if got.get("dev") == expectation.dev and got.get("prefsrc") == expectation.src:
        return None
    actual = f"dev {got.get('dev')} src {got.get('prefsrc')}" if got else "no route"
    return f"expected dev {expectation.dev} src {expectation.src}, actual {actual}"
