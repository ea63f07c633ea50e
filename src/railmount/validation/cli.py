"""`railmount validate`: run the suites under validate/ and write reports."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

SUITES = ("links", "routes", "mounts", "bandwidth")
VALIDATE_DIR = Path(__file__).resolve().parents[3] / "validate"


def pytest_args(args: argparse.Namespace, json_path: Path) -> list[str]:
    only = [s.strip() for s in (args.only or ",".join(SUITES)).split(",") if s.strip()]
    unknown = [s for s in only if s not in SUITES]
    if unknown:
        raise SystemExit(f"railmount validate: unknown suite(s) {unknown}; choose from {SUITES}")
    files = [str(VALIDATE_DIR / f"test_{suite}.py") for suite in only]
    if args.faults:
        files.append(str(VALIDATE_DIR / "test_faults.py"))
    argv = [
        *files,
        f"--ansible-inventory={args.inventory}",
        f"--hosts=ansible://{args.limit or 'storage_clients'}",
        f"--railmount-json={json_path}",
        "-m",
        "faults or not faults" if args.faults else "not faults",
        "-p",
        "no:cacheprovider",
        f"--rootdir={VALIDATE_DIR.parent}",
        "-o",
        "addopts=",  # the unit-test defaults in pyproject.toml do not apply here
        "-v" if args.verbose else "-q",
        "-rfE",
    ]
    if args.junit:
        argv.append(f"--junitxml={args.junit}")
    return argv


def cmd_validate(args: argparse.Namespace) -> int:
    import pytest

    from railmount.report import format_summary, write_reports

    json_path = Path(args.json) if args.json else Path(tempfile.mkdtemp()) / "results.json"
    code = pytest.main(pytest_args(args, json_path))
    if not json_path.exists():
        print("railmount validate: the suites produced no results", file=sys.stderr)
        return int(code) or 1
    results = json.loads(json_path.read_text())
    print(format_summary(results))
    if args.report:
        written = write_reports(results, Path(args.report))
        print(f"railmount validate: report in {written.get('html', args.report)}")
    failed = results["summary"].get("failed", 0) + results["summary"].get("error", 0)
    return 1 if failed or int(code) not in (0, 5) else 0


def add_validate_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("validate", help="run the validation suites against the hosts")
    parser.add_argument("-i", "--inventory", default="inventory/lab")
    parser.add_argument("--limit", help="Ansible host pattern (default: storage_clients)")
    parser.add_argument("--only", help=f"comma-separated suites out of {','.join(SUITES)}")
    parser.add_argument("--faults", action="store_true", help="also run the fault suite (lab)")
    parser.add_argument("--json", help="write structured results here")
    parser.add_argument("--junit", help="write JUnit XML here")
    parser.add_argument(
        "--report", help="write Markdown and HTML reports (with SVG charts) into this dir"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.set_defaults(func=cmd_validate)
