"""Printing a command's output: its tables in the chosen format, its prose lines and its one summary
line, so that the output survives pipes, files and scripts.

Invariants: when standard output is not a terminal, a table is printed whole (no cell cut with '…',
no number wrapped) and no line is wrapped; ``quiet`` prints exactly one line, the summary; the csv
and json formats print only data on standard output (prose is left out, the summary goes to
standard error); when standard output carries a JSON document (``--json -``) everything else goes
to standard error.
"""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console

from socsim.report import grid as G

WHOLE_WIDTH = 100_000
"""Console width when the output is not a terminal: wide enough that nothing is cut or wrapped (characters)."""


def console(stream: TextIO) -> Console:
    """A rich console on ``stream``: the terminal's width on a terminal, no width limit elsewhere."""
    probe = Console(file=stream)
    return probe if probe.is_terminal else Console(file=stream, width=WHOLE_WIDTH, soft_wrap=True)


class Screen:
    """Where and how one command prints: ``fmt`` is one of ``grid.FORMATS``; ``stdout_taken`` when
    standard output carries a JSON document."""

    def __init__(self, fmt: str = "table", quiet: bool = False, stdout_taken: bool = False):
        self.fmt = fmt
        self.quiet = quiet
        self.main = console(sys.stderr if stdout_taken else sys.stdout)
        self.err = console(sys.stderr)
        self.data_only = fmt in ("csv", "json")

    def tables(self, grids: list[G.Grid]) -> None:
        """Print the tables in the chosen format (nothing when quiet)."""
        if self.quiet or not grids:
            return
        if self.fmt == "csv":
            self._write(G.grids_csv(grids))
        elif self.fmt == "json":
            self._write(G.grids_json(grids))
        elif self.fmt == "markdown":
            self._write("\n".join(G.markdown(g) for g in grids))
        else:
            whole = not self.main.is_terminal
            for g in grids:
                if whole:
                    self.line(g.title)
                self.main.print(G.rich_table(g, whole))

    def line(self, text: str) -> None:
        """A line of prose (left out when quiet and in the data-only formats)."""
        if not self.quiet and not self.data_only:
            self.main.print(text, markup=False, highlight=False, soft_wrap=True)

    def summary(self, text: str) -> None:
        """The command's one summary line (on standard error in the data-only formats)."""
        target = self.err if self.data_only and not self.quiet else self.main
        target.print(text, markup=False, highlight=False, soft_wrap=True)

    def _write(self, text: str) -> None:
        stream = self.main.file
        stream.write(text)
        stream.flush()
