"""Markdown and HTML from the document, through the jinja2 templates in templates/.

The templates are package data (PackageLoader), so an installed railmount finds them
wherever it runs. HTML is autoescaped; the only markup let through is the SVG of the
charts, which charts.py builds with ElementTree (escaped there).
"""

from __future__ import annotations

import re
from functools import cache

import jinja2
from markupsafe import Markup, escape

from railmount.report.blocks import Document, Run
from railmount.report.model import OUTCOMES


def _kind(block: object) -> str:
    return type(block).__name__


def _anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-").lower()


def md_cell(text: str, bold: bool = False) -> str:
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return f"**{text}**" if bold and text else text


def md_runs(runs: list[Run]) -> str:
    marks = {"b": "**", "code": "`"}
    return "".join(f"{marks.get(s, '')}{t}{marks.get(s, '')}" for s, t in runs)


def breakable(text: str) -> Markup:
    """Escaped, with a line-break opportunity after each comma: long mount options wrap
    there instead of widening the table past the page."""
    return Markup(",<wbr>").join(escape(part) for part in text.split(","))


@cache
def _env(kind: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("railmount.report", "templates"),
        autoescape=kind == "html",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        kind=_kind, anchor=_anchor, breakable=breakable, md_cell=md_cell, md_runs=md_runs
    )
    env.globals["outcomes"] = OUTCOMES
    return env


def _duration(doc: Document) -> str:
    return "?" if doc.duration_s is None else f"{doc.duration_s:.1f} s"


def to_markdown(doc: Document) -> str:
    text = _env("md").get_template("report.md.j2").render(doc=doc, duration=_duration(doc))
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def to_html(doc: Document) -> str:
    return _env("html").get_template("report.html.j2").render(doc=doc, duration=_duration(doc))
