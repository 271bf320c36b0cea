"""Tables as data (``Grid``: a title, columns and rows of raw values) and their four printed forms:
a rich table, Markdown, CSV and JSON.

The rich and Markdown forms format every value with its column's format; CSV and JSON keep the raw
values (numbers unrounded, verdicts as booleans, a missing value empty or null), so a script reads
the same numbers the result holds, in the column's unit.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from rich.table import Table

FORMATS = ("table", "markdown", "csv", "json")
"""The printed forms of a table (``--format``)."""


def _default_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3f}"
    return str(value)


@dataclass(frozen=True)
class Column:
    """One column: its header, how a value is shown, its alignment and an optional style per value."""

    name: str
    """Header, with its unit (e.g. 'latency ms')."""
    text: Callable[[Any], str] = _default_text
    """Value → shown text (rich and Markdown forms)."""
    align: Literal["left", "right"] = "right"
    """Alignment of the column in the rich and Markdown forms."""
    style: Callable[[Any], str | None] = field(default=lambda value: None)
    """Value → rich style (e.g. 'red' for a missed deadline), None for none."""
    clip: int | None = None
    """Longest shown text in a terminal narrower than the table; cut with '…' there only (characters)."""


def fmt(spec: str) -> Callable[[Any], str]:
    """A Column.text that formats numbers with ``spec`` (e.g. ',.3f', '.0%') and shows None as '-'."""
    return lambda value: "-" if value is None else format(value, spec)


def verdict(ok_text: str, bad_text: str) -> tuple[Callable[[Any], str], Callable[[Any], str | None]]:
    """Text and style of a boolean verdict column: ``ok_text`` in green, ``bad_text`` in red, None '-'."""
    def text(value: Any) -> str:
        return "-" if value is None else (ok_text if value else bad_text)

    def style(value: Any) -> str | None:
        return None if value is None else ("green" if value else "red")

    return text, style


@dataclass(frozen=True)
class Grid:
    """A table as data: ``key`` names it in JSON and CSV output, rows hold raw values in column order."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]

    def shown(self) -> list[list[str]]:
        """Every row as shown text."""
        return [[c.text(v) for c, v in zip(self.columns, row)] for row in self.rows]


def rich_table(grid: Grid, whole: bool) -> Table:
    """The grid as a rich table; ``whole`` (output that is not a terminal) never cuts or wraps a cell
    and leaves the title to a line of its own."""
    table = Table(title=None if whole else grid.title)
    for c in grid.columns:
        table.add_column(c.name, justify=c.align, no_wrap=True, overflow="fold" if whole else "ellipsis",
                         max_width=None if whole else c.clip)
    for row in grid.rows:
        table.add_row(*[_styled(c, v) for c, v in zip(grid.columns, row)])
    return table


def _styled(column: Column, value: Any):
    from rich.text import Text

    return Text(column.text(value), style=column.style(value) or "")


def markdown(grid: Grid) -> str:
    """The grid as a Markdown table under a bold title line."""
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [f"**{grid.title}**", "", "| " + " | ".join(cell(c.name) for c in grid.columns) + " |",
             "|" + "|".join("---:" if c.align == "right" else ":---" for c in grid.columns) + "|"]
    lines += ["| " + " | ".join(cell(t) for t in row) + " |" for row in grid.shown()]
    return "\n".join(lines) + "\n"


def _raw(value: Any) -> Any:
    """A raw value for CSV: booleans as true/false, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_text(grid: Grid) -> str:
    """The grid as CSV: a header row of column names, then the raw values."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.name for c in grid.columns])
    w.writerows([[_raw(v) for v in row] for row in grid.rows])
    return buf.getvalue()


def records(grid: Grid) -> list[dict[str, Any]]:
    """The grid's rows as mappings of column name → raw value."""
    return [{c.name: v for c, v in zip(grid.columns, row)} for row in grid.rows]


def grids_csv(grids: list[Grid]) -> str:
    """One grid as plain CSV; several as CSV blocks, each after a '# key: title' line, separated by a
    blank line."""
    if len(grids) == 1:
        return csv_text(grids[0])
    return "\n".join(f"# {g.key}: {g.title}\n" + csv_text(g) for g in grids)


def grids_json(grids: list[Grid]) -> str:
    """Several grids as one JSON object: key → list of row mappings (raw values)."""
    return json.dumps({g.key: records(g) for g in grids}, indent=2, allow_nan=False) + "\n"
