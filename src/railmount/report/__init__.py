"""Reports from a validation results JSON: terminal summary, Markdown, HTML, SVG charts.

results JSON -> model.Results (typed, tolerant of missing sections) -> document.build
(blocks) -> terminal.render / pages.to_markdown / pages.to_html; charts.py draws the SVG.
"""

from railmount.report.cli import add_report_parser, load_results
from railmount.report.files import write_reports
from railmount.report.model import Results, failure_text, failures, suite_of
from railmount.report.terminal import format_summary

__all__ = [
    "Results",
    "add_report_parser",
    "failure_text",
    "failures",
    "format_summary",
    "load_results",
    "suite_of",
    "write_reports",
]
