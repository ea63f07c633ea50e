"""The host's own plan, as the deploy wrote it (layout.PLAN_FILE): the one input of every
host-side tool."""

from __future__ import annotations

import json
import os
from typing import Any

from . import layout

PLAN_FILE = os.environ.get("RAILMOUNT_PLAN", layout.PLAN_FILE)


def load(path: str | None = None) -> dict[str, Any]:
    with open(path or PLAN_FILE) as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def primary_routes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in plan["routes"] if not r["backup"]]


def backup_routes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in plan["routes"] if r["backup"]]
