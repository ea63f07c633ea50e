"""`railmount validate`: run the suites under validate/ and write reports.

Stages, each a pytest run whose results are merged into one results.json:
  1. per host (links, routes, mounts, bandwidth, workload, checkpoint): hosts in
     parallel with pytest-xdist (--workers, grouped by host); the phases that load the
     array (bandwidth, workload, checkpoint) take turns through a lock;
  2. semantics: every selected host at once (writers and readers on several hosts);
  3. fleet (2+ hosts, or --fleet): every host at once, steps of 1..N hosts;
  4. faults (--faults, lab only): one host, nothing else running.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from railmount import resources
from railmount.validation.registry import CROSS_HOST_SUITES, HOST_SUITES
from railmount.vault import add_vault_arguments

SUITES = (*HOST_SUITES, *CROSS_HOST_SUITES, "fleet")  # --only; faults run with --faults
DEFAULT_SUITES = (*HOST_SUITES, *CROSS_HOST_SUITES)
MEASURING = ("bandwidth", "workload", "checkpoint")  # what makes a fleet phase worth running
DEFAULT_WORKERS = 8  # hosts validated at once; the array-loading phases still take turns


def selected_suites(args: argparse.Namespace) -> list[str]:
    only = [s.strip() for s in (args.only or ",".join(DEFAULT_SUITES)).split(",") if s.strip()]
    unknown = [s for s in only if s not in SUITES]
    if unknown:
        raise SystemExit(f"railmount validate: unknown suite(s) {unknown}; choose from {SUITES}")
    return only


def base_args(args: argparse.Namespace, json_path: Path, junit: Path | None) -> list[str]:
    argv = [
        f"--ansible-inventory={args.inventory}",
        f"--hosts={args.limit or 'storage_clients'}",
        f"--railmount-json={json_path}",
        "-p",
        "no:cacheprovider",
        f"--rootdir={resources.suites().parent}",
        "-o",
        "addopts=",  # the unit-test defaults in pyproject.toml do not apply here
        "-v" if args.verbose else "-q",
        "-rfE",
    ]
    if junit is not None:
        argv.append(f"--junitxml={junit}")
    return argv


def stages(args: argparse.Namespace, hosts: int) -> list[tuple[str, list[str]]]:
    """(name, pytest argv without the common part) per stage to run."""
    suites = resources.suites()
    only = selected_suites(args)
    out = []
    per_host = [s for s in only if s in HOST_SUITES]
    if per_host:
        workers = min(args.workers or DEFAULT_WORKERS, hosts)
        argv = [str(suites / f"test_{s}.py") for s in per_host]
        if workers > 1:
            argv += ["-n", str(workers), "--dist", "loadgroup"]
        else:
            argv += ["-p", "no:xdist"]
        out.append(("hosts", [*argv, "-m", "not faults"]))
    for suite in CROSS_HOST_SUITES:  # every selected host at once, one stage each
        if suite in only:
            out.append((suite, [str(suites / f"test_{suite}.py"), "-p", "no:xdist"]))
    by_default = hosts >= 2 and any(s in only for s in MEASURING)
    if args.fleet or (args.fleet is None and ("fleet" in only or by_default)):
        out.append(("fleet", [str(suites / "test_fleet.py"), "-p", "no:xdist"]))
    if args.faults:
        out.append(("faults", [str(suites / "test_faults.py"), "-p", "no:xdist", "-m", "faults"]))
    return out


def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One results.json from the stages' results (hosts' checks and measurements joined)."""
    merged: dict[str, Any] = {}
    for part in parts:
        if not merged:
            merged = json.loads(json.dumps(part))
            continue
        for host, data in part.get("hosts", {}).items():
            into = merged.setdefault("hosts", {}).setdefault(host, {"checks": []})
            into["checks"] = [*into.get("checks", []), *data.get("checks", [])]
            for key, value in data.items():
                if key not in ("checks", "sizing") or key not in into:
                    into.setdefault(key, value)
        for key, value in part.items():
            if key not in ("hosts", "summary", "inventory", "started", "duration_s"):
                merged[key] = value
        for outcome, count in part.get("summary", {}).items():
            merged["summary"][outcome] = merged["summary"].get(outcome, 0) + count
        merged["duration_s"] = round(merged.get("duration_s", 0) + part.get("duration_s", 0), 1)
    return merged


def merge_junit(files: list[Path], out: Path) -> None:
    root = ET.Element("testsuites")
    for path in files:
        if path.exists():
            tree = ET.parse(path).getroot()
            suites = [tree] if tree.tag == "testsuite" else list(tree)
            root.extend(suites)
    out.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(root).write(out, encoding="utf-8", xml_declaration=True)


def selected_hosts(args: argparse.Namespace) -> tuple[Any, list[str]]:
    from railmount.inventory import AnsibleInventory

    source = AnsibleInventory(args.inventory)
    pattern = args.limit or "storage_clients"
    clients = set(source.groups().get("storage_clients", []))
    return source, [
        h.name for h in source.manager.list_hosts(pattern.split(",")) if h.name in clients
    ]


def reach_problems(source: Any, hosts: list[str]) -> list[str]:
    """`HOST: VARIABLE: problem — fix: ...` for every host whose connection railmount
    cannot make as Ansible would (resolved only, nothing contacted)."""
    from railmount.validation.ssh_reach import ReachError, resolve

    problems = []
    for host in hosts:
        conn = source.connection_vars(host)
        if str(conn.get("ansible_connection") or "ssh") == "local":
            continue
        try:
            resolve(host, conn)
        except ReachError as err:
            problems.append(str(err))
    return problems


def cmd_validate(args: argparse.Namespace) -> int:
    from ansible.parsing.dataloader import DataLoader

    from railmount.vault import VaultOptions, load_secrets, shared_with_children

    # The suites (in-process, or in xdist workers) load the inventory themselves: they find
    # the vault secrets through ANSIBLE_VAULT_IDENTITY_LIST (0600 files, removed after).
    secrets = load_secrets(DataLoader(), VaultOptions.from_args(args))
    with shared_with_children(secrets):
        return run_stages(args)


def run_stages(args: argparse.Namespace) -> int:
    import pytest

    from railmount.report import format_summary, write_reports

    json_path = Path(args.json) if args.json else Path(tempfile.mkdtemp()) / "results.json"
    work = Path(tempfile.mkdtemp(prefix="railmount-validate-"))
    parts, junits, codes = [], [], []
    os.environ["RAILMOUNT_INVENTORY"] = args.inventory
    source, hosts = selected_hosts(args)
    unreachable = reach_problems(source, hosts)
    if unreachable:
        print("\n".join(unreachable), file=sys.stderr)
        return 2
    for name, argv in stages(args, len(hosts)):
        part_json, part_junit = work / f"{name}.json", work / f"{name}.xml"
        code = pytest.main([*argv, *base_args(args, part_json, part_junit if args.junit else None)])
        codes.append(int(code))
        if part_json.exists():
            parts.append(json.loads(part_json.read_text()))
            junits.append(part_junit)
        if name == "hosts" and int(code) not in (0, 1, 5):
            break  # usage or internal error: later stages would fail the same way
    if not parts:
        print("railmount validate: the suites produced no results", file=sys.stderr)
        return max(codes, default=1) or 1
    results = merge(parts)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    if args.junit:
        merge_junit(junits, Path(args.junit))
    print(format_summary(results))
    if args.report:
        written = write_reports(results, Path(args.report))
        print(f"railmount validate: report in {written.get('html', args.report)}")
    failed = results["summary"].get("failed", 0) + results["summary"].get("error", 0)
    return 1 if failed or any(code not in (0, 5) for code in codes) else 0


def add_validate_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("validate", help="run the validation suites against the hosts")
    parser.add_argument("-i", "--inventory", required=True)
    add_vault_arguments(parser)
    parser.add_argument("--limit", help="Ansible host pattern (default: storage_clients)")
    parser.add_argument("--only", help=f"comma-separated suites out of {','.join(SUITES)}")
    parser.add_argument(
        "--workers",
        type=int,
        help=f"hosts validated at once (default: up to {DEFAULT_WORKERS}); 1 = one by one",
    )
    fleet = parser.add_mutually_exclusive_group()
    fleet.add_argument(
        "--fleet",
        action="store_true",
        default=None,
        help="run the fleet phase (default: when 2+ hosts and a measuring suite run)",
    )
    fleet.add_argument("--no-fleet", dest="fleet", action="store_false")
    parser.add_argument("--faults", action="store_true", help="also run the fault suite (lab)")
    parser.add_argument("--json", help="write structured results here")
    parser.add_argument("--junit", help="write JUnit XML here")
    parser.add_argument("--report", help="write Markdown and HTML reports (SVG charts) here")
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.set_defaults(func=cmd_validate)
