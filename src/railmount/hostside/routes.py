"""One spec for "each VIP routes via its planned port, with that port's address as source".

Used by the routes and fault verdicts of `railmount validate`, and shipped as a single file
to the GPU servers (next to the failover agent, for the storage path check): stdlib only,
Python 3.9, no imports from railmount.

Inputs are plain data: the plan's JSON form (`HostPlan.to_dict()`, or the rendered config:
`routes` entries with to, address, vip, dev, src, metric, backup) and what
`ip -j route get VIP` printed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Dict, List, Union  # noqa: UP035

# What `ip -j route get VIP 2>&1` answered: its JSON list, or the text it printed instead
# (e.g. "RTNETLINK answers: Network is unreachable"). typing's names: this line runs at
# import, where 3.8 (Ubuntu 20.04, DGX OS 5) has no list[...] and 3.9 no `|`.
Answer = Union[List[Dict[str, Any]], str]  # noqa: UP006, UP007


@dataclass(frozen=True)
class RouteExpectation:
    vip: str  # VIP name, e.g. nfs0
    vip_address: str
    dev: str  # the port the VIP is pinned to
    src: str  # that port's own address: the TCP connection must leave from it

    @property
    def expected(self) -> str:
        return f"dev {self.dev} src {self.src}"


def expected_routes(plan: dict[str, Any]) -> list[RouteExpectation]:
    """The primary route of every VIP. Backup routes are the failover path: with every port
    up the kernel must pick the primary (lower metric)."""
    return [
        RouteExpectation(r["vip"], r["vip_address"], r["dev"], r["src"])
        for r in plan["routes"]
        if not r["backup"]
    ]


def parse_answer(output: str) -> Answer:
    """`ip -j route get VIP 2>&1` output as an Answer."""
    try:
        data = json.loads(output)
    except ValueError:
        return output.strip() or "no answer"
    return data if isinstance(data, list) else output.strip()


def describe(answer: Answer) -> str:
    """The answer as failure texts show it: `dev X src Y`, or what ip printed instead."""
    if isinstance(answer, str):
        return answer
    if not answer:
        return "no route"
    return f"dev {answer[0].get('dev')} src {answer[0].get('prefsrc')}"


def route_problem(expectation: RouteExpectation, answer: Answer) -> str | None:
    """None when the kernel routes the VIP as planned, else `expected dev X src Y, actual ...`."""
    first = answer[0] if isinstance(answer, list) and answer else {}
    if (first.get("dev"), first.get("prefsrc")) == (expectation.dev, expectation.src):
        return None
    return f"expected {expectation.expected}, actual {describe(answer)}"
