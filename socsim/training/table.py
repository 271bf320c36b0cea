"""What ``socsim train-masks`` shows: per layer, the coefficients its mask keeps."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from socsim.training.masks import MasksResult


def kept_table(result: MasksResult):
    """A rich table: per layer, its output elements, the coefficients kept and its nominal reduction."""
    from rich.table import Table

    sel, elements = result.selection, result.training.elements
    n2 = next(iter(sel.masks.values())).size
    table = Table(title=f"dct-adaptive masks: coefficients kept per {int(n2 ** 0.5)}×{int(n2 ** 0.5)} tile")
    for col in ("layer", "elements", "kept", "reduction"):
        table.add_column(col, justify="left" if col == "layer" else "right")
    for name, kept in sel.kept.items():
        table.add_row(name, f"{elements[name]:,}", f"{kept}/{n2}", f"{1 - kept / n2:.1%}")
    table.add_row("all (weighted by elements)", f"{sum(elements.values()):,}", "", f"{sel.achieved:.2%}", style="bold")
    return table
