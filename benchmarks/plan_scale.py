"""How the check and plan stage scale with the number of hosts, as ratios within one run.

    .venv/bin/python benchmarks/plan_scale.py --hosts 50,200,1000 --repeat 3

For each size it generates an inventory (benchmarks/gen_inventory.py), then times,
interleaved within each repetition (the order flips every repetition so drift on a shared
machine hits both sides):

- `ansible-inventory --list`  vs  `railmount check`  vs  `railmount plan --format json`;
- a no-op play (benchmarks/noop.yml: one set_fact per storage client)  vs  the plan stage
  of site.yml (`--tags` a tag no task has: only the `always` parts run, i.e. the first
  play and the per-host plan role). Same ansible.cfg, same forks.

Ratios are taken within a repetition (neighbouring runs), then the median over
repetitions. Wall seconds are the goal's measure; CPU seconds (user+sys of the command
and its children) are recorded too, being less sensitive to other load. A run that fails,
or a plan stage that contacts a host, stops the benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_inventory

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's ansible-* and railmount
NO_TASK_TAG = "railmount-bench-no-such-tag"
GOALS = {"check": 1.2, "plan": 1.2, "site": 1.5}  # max ratio to the baseline
BASELINE = {"check": "inventory", "plan": "inventory", "site": "noop"}


@dataclass(frozen=True)
class Command:
    key: str
    label: str
    argv: tuple[str, ...]


def commands(inventory: Path) -> list[list[Command]]:
    """Groups of commands compared with each other, baseline first."""
    inv = str(inventory)
    return [
        [
            Command(
                "inventory",
                "ansible-inventory --list",
                (f"{BIN}/ansible-inventory", "-i", inv, "--list"),
            ),
            Command("check", "railmount check", (f"{BIN}/railmount", "check", "-i", inv)),
            Command(
                "plan",
                "railmount plan --format json",
                (f"{BIN}/railmount", "plan", "-i", inv, "--format", "json"),
            ),
        ],
        [
            Command(
                "noop",
                "no-op play (1 set_fact)",
                (f"{BIN}/ansible-playbook", "-i", inv, str(REPO / "benchmarks" / "noop.yml")),
            ),
            Command(
                "site",
                "site.yml plan stage",
                (
                    f"{BIN}/ansible-playbook",
                    "-i",
                    inv,
                    str(REPO / "playbooks" / "site.yml"),
                    "--tags",
                    NO_TASK_TAG,
                ),
            ),
        ],
    ]


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
    )
    return env


def run(command: Command, hosts: int) -> dict[str, float]:
    """Wall and CPU seconds of one run; exits on failure or if a host was contacted."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        command.argv, cwd=REPO, env=environment(), capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{command.label} failed ({done.returncode}):\n{done.stdout[-3000:]}{done.stderr}")
    if command.key in ("noop", "site"):
        verify_play(command, done.stdout, hosts)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu}


def verify_play(command: Command, output: str, hosts: int) -> None:
    """Every storage client ran its task(s) and none was contacted (unreachable=0)."""
    recap = output.split("PLAY RECAP", 1)[-1]
    rows = re.findall(r"^(dgx-\S+)\s+: ok=(\d+) .*unreachable=(\d+)\s+failed=(\d+)", recap, re.M)
    if len(rows) != hosts or any(int(ok) < 1 or u != "0" or f != "0" for _, ok, u, f in rows):
        sys.exit(f"{command.label}: not every host ran cleanly:\n{recap[:3000]}")
    if "UNREACHABLE" in output:
        sys.exit(f"{command.label}: a host was contacted:\n{output[-3000:]}")


def measure(
    sizes: list[int], repeat: int, work: Path
) -> dict[int, dict[str, list[dict[str, float]]]]:
    inventories = {}
    for hosts in sizes:
        inventories[hosts] = gen_inventory.write(work / f"inventory-{hosts}", hosts)
    samples: dict[int, dict[str, list[dict[str, float]]]] = {n: {} for n in sizes}
    for rep in range(repeat):
        for hosts in sizes:
            for group in commands(inventories[hosts]):
                order = group if rep % 2 == 0 else group[::-1]  # A B C, then C B A
                for command in order:
                    sample = run(command, hosts)
                    samples[hosts].setdefault(command.key, []).append(sample)
                    print(
                        f"  rep {rep + 1}/{repeat} {hosts:>5} hosts  {command.label:<30}"
                        f" {sample['wall']:7.2f} s wall {sample['cpu']:7.2f} s cpu",
                        flush=True,
                    )
    return samples


def summarize(samples: dict[int, dict[str, list[dict[str, float]]]]) -> dict[str, Any]:
    sizes: dict[str, Any] = {}
    for hosts, by_key in samples.items():
        row: dict[str, Any] = {"seconds": {}, "cpu_seconds": {}, "ratio": {}, "cpu_ratio": {}}
        for key, runs in by_key.items():
            row["seconds"][key] = round(statistics.median(r["wall"] for r in runs), 2)
            row["cpu_seconds"][key] = round(statistics.median(r["cpu"] for r in runs), 2)
        for key, base in BASELINE.items():
            pairs = list(zip(by_key[key], by_key[base], strict=True))  # same repetition
            row["ratio"][key] = round(statistics.median(a["wall"] / b["wall"] for a, b in pairs), 2)
            row["cpu_ratio"][key] = round(
                statistics.median(a["cpu"] / b["cpu"] for a, b in pairs), 2
            )
        row["ratios_per_repetition"] = {
            key: [
                round(a["wall"] / b["wall"], 2)
                for a, b in zip(by_key[key], by_key[base], strict=True)
            ]
            for key, base in BASELINE.items()
        }
        sizes[str(hosts)] = row
    return sizes


def machine() -> dict[str, Any]:
    from ansible.release import __version__ as ansible_version

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        found = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.M)
        model = found.group(1) if found else ""
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": model,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "ansible_core": ansible_version,
        "forks": forks(),
        "platform": platform.platform(),
    }


def forks() -> int:
    found = re.search(r"^forks\s*=\s*(\d+)", (REPO / "ansible.cfg").read_text(), re.M)
    return int(found.group(1)) if found else 5


def table(sizes: dict[str, Any]) -> str:
    head = (
        "| hosts | ansible-inventory --list | railmount check | railmount plan --format json "
        "| no-op play | site.yml plan stage |"
    )
    lines = [head, "|---:|---:|---:|---:|---:|---:|"]
    for hosts, row in sizes.items():
        s, r = row["seconds"], row["ratio"]
        lines.append(
            f"| {hosts} | {s['inventory']:.1f} s | {s['check']:.1f} s (**{r['check']:.2f}x**) "
            f"| {s['plan']:.1f} s (**{r['plan']:.2f}x**) | {s['noop']:.1f} s "
            f"| {s['site']:.1f} s (**{r['site']:.2f}x**) |"
        )
    return "\n".join(lines)


def verdicts(sizes: dict[str, Any]) -> dict[str, Any]:
    largest = max(sizes, key=int)
    ratios = sizes[largest]["ratio"]
    return {
        key: {"hosts": int(largest), "ratio": ratios[key], "max": goal, "met": ratios[key] <= goal}
        for key, goal in GOALS.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", default="50,200,1000", help="comma-separated host counts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--out", type=Path, default=REPO / "benchmarks" / "results" / "plan_scale.json"
    )
    parser.add_argument("--work", type=Path, help="keep the generated inventories here")
    args = parser.parse_args()
    sizes = [int(n) for n in args.hosts.split(",")]
    info = machine()
    print(
        f"plan_scale: {sizes} hosts x {args.repeat}, {info['nproc']} CPUs, ansible-core "
        f"{info['ansible_core']}, forks {info['forks']}",
        flush=True,
    )
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    with tempfile.TemporaryDirectory(prefix="railmount-bench-") as tmp:
        work = args.work or Path(tmp)
        samples = measure(sizes, args.repeat, work)
    summary = summarize(samples)
    info["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    result = {
        "started": started,
        "command": " ".join(["python", "benchmarks/plan_scale.py", *sys.argv[1:]]),
        "repeat": args.repeat,
        "machine": info,
        "sizes": summary,
        "goals": verdicts(summary),
        "samples": {str(n): s for n, s in samples.items()},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print()
    print(table(summary))
    for key, goal in result["goals"].items():
        state = "met" if goal["met"] else "MISSED"
        print(
            f"goal {key}: {goal['ratio']:.2f}x <= {goal['max']}x at {goal['hosts']} hosts: {state}"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
