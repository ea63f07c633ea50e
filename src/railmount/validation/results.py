"""Structured results: per host checks, bandwidth and sizing, plus a summary."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from railmount.validation.sizing import sizing


def build_results(session: Any) -> dict[str, Any]:
    hosts: dict[str, dict[str, Any]] = {
        name: {"checks": [], **session.measurements.get(name, {})} for name in session.hostnames
    }
    summary = {"passed": 0, "failed": 0, "skipped": 0}
    for result in session.results:
        outcome = result["outcome"]
        summary[outcome] = summary.get(outcome, 0) + 1
        host = _host_of(result, hosts)
        entry = {
            "test": result["test"],
            "outcome": outcome,
            "message": result["message"],
            "duration_s": result["duration_s"],
            "checks": result["checks"],
        }
        hosts.setdefault(host, {"checks": []})["checks"].append(entry)
    for data in hosts.values():
        bandwidth = data.get("bandwidth")
        rate = bandwidth["all_mounts_bytes_per_s"] if bandwidth else None
        rows = sizing(session.inventory.sizing, rate, data.get("workload_io"))
        if rows:
            data["sizing"] = [asdict(row) for row in rows]
    return {
        "inventory": str(session.inventory_path),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(session.started)),
        "duration_s": round(time.time() - session.started, 1),
        "hosts": hosts,
        **session.extra,
        "summary": summary,
    }


def _host_of(result: dict[str, Any], hosts: dict[str, Any]) -> str:
    for check in result["checks"]:
        return str(check["host"])
    test_id = result["test"]
    param = test_id[test_id.find("[") + 1 : -1] if "[" in test_id else ""
    host = param.split("/", 1)[0]
    return host if host in hosts else "(session)"
