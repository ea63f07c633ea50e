"""`railmount report RESULTS.json [--out DIR]`: the terminal summary and the report files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from railmount.report.files import write_reports
from railmount.report.terminal import format_summary


def load_results(path: Path) -> dict[str, Any]:
    try:
        results = json.loads(Path(path).read_text())
    except json.JSONDecodeError as err:
        raise SystemExit(f"railmount report: {path}: not JSON: {err}") from err
    if not isinstance(results, dict) or not isinstance(results.get("hosts"), dict):
        raise SystemExit(f"railmount report: {path}: not a railmount results file (no hosts)")
    return results


def cmd_report(args: argparse.Namespace) -> int:
    results = load_results(args.results)
    out = Path(args.out) if args.out else Path(args.results).parent
    paths = write_reports(results, out)
    print(format_summary(results), end="")
    print("reports: " + ", ".join(str(p) for p in paths.values()))
    return 0


def add_report_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = sub.add_parser(
        "report",
        help="summarise a validation results JSON and write Markdown, HTML and SVG charts",
    )
    report.add_argument(
        "results",
        metavar="RESULTS_JSON",
        help="results file written by `railmount validate` / --railmount-json",
    )
    report.add_argument(
        "--out", metavar="DIR", help="directory for the reports (default: beside RESULTS_JSON)"
    )
    report.set_defaults(func=cmd_report)
