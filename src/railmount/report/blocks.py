"""The report as a document of blocks: what the terminal, Markdown and HTML renderers draw.

A block with `terminal=False` is detail that only the files show (check tables, charts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

Run = tuple[str, str]  # (style, text); style "" (plain), "b" (bold) or "code"


@dataclass
class Heading:
    level: int  # 2: a part (summary, fleet, a host); 3: a section; 4: a sub-section
    text: str
    terminal: bool = True


@dataclass
class Para:
    runs: list[Run]
    tone: str = ""  # "bad" draws it as a failure, "good" as a pass
    terminal: bool = True

    @property
    def text(self) -> str:
        return "".join(text for _, text in self.runs)


@dataclass
class Bullets:
    items: list[list[Run]]
    terminal: bool = True


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    align: str = ""  # "l"/"r" per column; missing columns are "l"
    failed: set[int] = field(default_factory=set)  # row indices drawn as failures
    terminal: bool = True
    key_columns: int = 1  # repeated on every part when the terminal folds a wide table
    detail_columns: frozenset[int] = frozenset()  # columns the terminal leaves out

    def column_align(self) -> list[str]:
        return [self.align[i : i + 1] or "l" for i in range(len(self.headers))]


@dataclass
class Chart:
    name: str  # file stem: the Markdown links to NAME.svg beside it
    svg: str
    alt: str
    terminal: bool = False


Block = Heading | Para | Bullets | Table | Chart


@dataclass
class Section:
    key: str  # "summary", "failures", "bandwidth", "fleet", "host:NAME"
    blocks: list[Block]


@dataclass
class Document:
    title: str
    inventory: str
    started: str
    duration_s: float | None
    totals: dict[str, int]
    verdict: str  # the closing line: "railmount validate: N passed, N failed, N skipped"
    sections: list[Section]

    def charts(self) -> list[Chart]:
        return [b for s in self.sections for b in s.blocks if isinstance(b, Chart)]


def para(text: str, tone: str = "", terminal: bool = True) -> Para:
    return Para([("", text)], tone, terminal)
