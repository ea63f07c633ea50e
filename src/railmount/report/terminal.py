"""The terminal view: the document's terminal blocks as plain text, 100 columns at most.

Failures come last, just above the verdict, where a person looks after a run.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from railmount.report.blocks import Block, Bullets, Chart, Document, Heading, Para, Table
from railmount.report.document import build
from railmount.report.model import Results

WIDTH = 100


def format_summary(results: Results | Mapping[str, Any]) -> str:
    """Counts per host x suite, the measurements in brief, failures, verdict."""
    return render(build(results))


def render(doc: Document) -> str:
    duration = "?" if doc.duration_s is None else f"{doc.duration_s:.1f}"
    out = [f"railmount validate - {doc.inventory}, started {doc.started}, {duration} s"]
    sections = [s for s in doc.sections if s.key != "failures"]
    sections += [s for s in doc.sections if s.key == "failures"]
    for section in sections:
        indent = 0
        pending: list[Heading] = []  # printed only once something is shown under them
        for block in section.blocks:
            if not block.terminal:
                continue
            if isinstance(block, Heading):
                pending = [h for h in pending if h.level < block.level] + [block]
                indent = 2 * (block.level - 1)
                continue
            for heading in pending:
                lead = " " * (2 * (heading.level - 2))
                out += [""] * (heading.level == 2) + [lead + heading.text]
            pending = []
            if indent == 0 and out[-1]:
                out.append("")
            out += _block(block, " " * indent)
    out += ["", doc.verdict]
    return "\n".join(out) + "\n"


def _block(block: Block, indent: str) -> list[str]:
    if isinstance(block, Para):
        return textwrap.wrap(
            block.text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  "
        )
    if isinstance(block, Bullets):
        return _bullets(block, indent)
    if isinstance(block, Table):
        return text_table(block, indent)
    assert isinstance(block, Chart)  # charts have no terminal form
    return []


def _bullets(block: Bullets, indent: str) -> list[str]:
    """Numbered items; code runs (a test id) on their own line below the item."""
    out = []
    for n, runs in enumerate(block.items, 1):
        lead = f"{indent}{n}. "
        words = "".join(t for style, t in runs if style != "code").strip()
        out += textwrap.wrap(words, WIDTH, initial_indent=lead, subsequent_indent=" " * len(lead))
        out += [" " * len(lead) + t for style, t in runs if style == "code"]
    return out


def text_table(table: Table, indent: str = "") -> list[str]:
    """Aligned columns; a table wider than WIDTH is folded into parts that each repeat the
    key columns, so nothing is cut."""
    columns = [c for c in range(len(table.headers)) if c not in table.detail_columns]
    keys, rest = columns[: table.key_columns], columns[table.key_columns :]
    parts: list[list[int]] = [[]]
    for col in rest:
        if parts[-1] and _width(table, keys + parts[-1] + [col], indent) > WIDTH:
            parts.append([])
        parts[-1].append(col)
    out: list[str] = []
    for i, part in enumerate(parts):
        if i:
            out.append("")
        out += _lines(table, keys + part, indent)
    return out


def _widths(table: Table, cols: list[int]) -> list[int]:
    return [max(len(r[c]) for r in [table.headers, *table.rows]) for c in cols]


def _width(table: Table, cols: list[int], indent: str) -> int:
    return len(indent) + sum(_widths(table, cols)) + 2 * (len(cols) - 1)


def _lines(table: Table, cols: list[int], indent: str) -> list[str]:
    align = table.column_align()
    widths = _widths(table, cols)
    lines = []
    for row in [table.headers, *table.rows]:
        cells = [
            row[c].rjust(w) if align[c] == "r" else row[c].ljust(w)
            for c, w in zip(cols, widths, strict=True)
        ]
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines
