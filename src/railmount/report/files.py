"""Write the report files: results.json, report.md, report.html and one SVG per chart."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from railmount.report.document import build
from railmount.report.model import Results
from railmount.report.pages import to_html, to_markdown


def write_reports(results: Mapping[str, Any], out_dir: Path) -> dict[str, Path]:
    """{"json", "markdown", "html", "svg:NAME"...} -> the files written in out_dir.

    The HTML carries its charts inline; the Markdown links to NAME.svg beside it."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    doc = build(Results.parse(results))
    paths = {
        "json": out_dir / "results.json",
        "markdown": out_dir / "report.md",
        "html": out_dir / "report.html",
    }
    paths["json"].write_text(json.dumps(results, indent=2) + "\n")
    paths["markdown"].write_text(to_markdown(doc))
    paths["html"].write_text(to_html(doc))
    for chart in doc.charts():
        path = paths[f"svg:{chart.name}"] = out_dir / f"{chart.name}.svg"
        path.write_text(chart.svg)
    return paths
