"""What bounding visibility across the per-VIP mounts costs, side by side in one lab run.

    .venv/bin/python benchmarks/semantics_options.py -i inventory/lab --json FILE \
        [--sets "default:;positive:lookupcache=positive,actimeo=1;..."]

For each option set (extra mount options on top of the plan's) every mount of every lab
host is remounted with them, then:
- the workload reads of one host (railmount validate --only workload): 150 KB and 1 MB
  files/s and p99 latency, with the NFS operations the host sent per file read (LOOKUP,
  GETATTR, ACCESS from /proc/self/mountstats over the run);
- the semantics suite over every host: the largest delay per kind and how many pairs
  passed.
The sets run one after the other in one invocation; the ratios to the first set are what
to read (the lab's CPUs are shared). Afterwards every mount is remounted with the plan's
options. Needs the lab up and deployed.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from railmount.inventory import AnsibleInventory, load
from railmount.planner import HostPlan, plan_inventory
from railmount.validation.transport import host_for

DEFAULT_SETS = (
    "default:;"
    "positive, actimeo=1:lookupcache=positive,actimeo=1;"
    "none, actimeo=1:lookupcache=none,actimeo=1"
)
OPS = ("LOOKUP", "GETATTR", "ACCESS", "READ")


def remount_script(plan: HostPlan, extra: str) -> str:
    lines = []
    for m in plan.mounts:
        options = ",".join(o for o in (m.options, extra) if o)
        lines.append(
            f"umount {shlex.quote(m.path)} && mount -t {m.fstype} -o {shlex.quote(options)} "
            f"{shlex.quote(m.source)} {shlex.quote(m.path)}"
        )
    return "set -e\n" + "\n".join(lines) + "\necho remounted"


def op_counts(text: str) -> dict[str, int]:
    """Per-op request counts summed over every NFS mount in /proc/self/mountstats."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        word = line.strip().split(":")[0]
        if word in OPS:
            counts[word] = counts.get(word, 0) + int(line.split(":")[1].split()[0])
    return counts


def validate(inventory: str, only: str, limit: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results.json"
        args = ["railmount", "validate", "-i", inventory, "--only", only, "--no-fleet"]
        args += ["--json", str(out)] + (["--limit", limit] if limit else [])
        subprocess.run(args, capture_output=True, check=False)
        return json.loads(out.read_text())


def one_set(
    name: str, extra: str, inventory: str, plans: dict[str, HostPlan], hosts, runtime_s: int
) -> dict:
    for host, remote in hosts.items():
        res = remote.run(remount_script(plans[host], extra))
        if "remounted" not in res.stdout:
            raise SystemExit(f"{host}: remount with {extra!r} failed: {res.stderr}")
    first = next(iter(hosts))
    before = op_counts(hosts[first].run("cat /proc/self/mountstats").stdout)
    work = validate(inventory, "workload", first)
    after = op_counts(hosts[first].run("cat /proc/self/mountstats").stdout)
    io = work["hosts"][first].get("workload_io", {})
    files = round(sum(v["files_per_s"] for v in io.values()) * runtime_s)
    sem = validate(inventory, "semantics", None)
    kinds: dict[str, dict[str, Any]] = {}
    for pair in sem.get("semantics", {}).get("pairs", []):
        k = kinds.setdefault(pair["kind"], {"pairs": 0, "seen": 0, "max_delay_s": None})
        k["pairs"] += 1
        if pair["delay_s"] is not None:
            k["seen"] += 1
            k["max_delay_s"] = max(k["max_delay_s"] or 0.0, pair["delay_s"])
    summary = sem.get("summary", {})
    return {
        "name": name,
        "options": extra,
        "workload": io,
        "ops": {op: after.get(op, 0) - before.get(op, 0) for op in OPS},
        "files_read": files,
        "semantics": kinds,
        "semantics_summary": summary,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-i", "--inventory", default="inventory/lab")
    parser.add_argument("--sets", default=DEFAULT_SETS, help="NAME:OPTIONS;NAME:OPTIONS")
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    sets = [s.split(":", 1) for s in args.sets.split(";") if s]
    inv = load(args.inventory)
    plans = plan_inventory(inv)
    source = AnsibleInventory(args.inventory)
    hosts = {h: host_for(h, source.connection_vars(h)) for h in plans}
    runs = []
    try:
        for name, extra in sets:
            t0 = time.monotonic()
            runtime = inv.validate.workload.runtime_s
            runs.append(one_set(name, extra, args.inventory, plans, hosts, runtime))
            runs[-1]["seconds"] = round(time.monotonic() - t0, 1)
            print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
    finally:
        for host, remote in hosts.items():
            remote.run(remount_script(plans[host], ""))
    Path(args.json).write_text(json.dumps({"sets": runs}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
