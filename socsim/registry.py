"""Registries of the chip's plug-ins: arbiters, other masters' kinds and DRAM presets.

Each registry is built like the codecs' (``socsim.codecs.registry``): one list of built-in names,
each with the ``module:attribute`` that implements it, plus plug-ins from an entry-point group
(``socsim.arbiters``, ``socsim.masters``, ``socsim.dram_presets``; the entry point's name is the
plug-in's name). Names are known without importing anything, so the scenario validates them
without reaching into the model; an implementation is imported once, on first use, and cached.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from socsim.errors import ScenarioError


@cache
def _plugins(group: str) -> dict[str, Any]:
    """Entry points of ``group`` by name (loaded once per process)."""
    return {ep.name: ep for ep in entry_points(group=group)}


@dataclass
class Registry:
    """Names of one kind of plug-in and where each is implemented."""

    what: str
    """What the plug-ins are, for messages (e.g. 'arbiter')."""
    group: str
    """Entry-point group of outside plug-ins."""
    builtins: dict[str, str]
    """Built-in name → 'module:attribute'."""
    _loaded: dict[str, Any] = field(default_factory=dict, repr=False)

    def names(self) -> list[str]:
        """Built-in names, then plug-ins that do not shadow them."""
        return list(self.builtins) + [n for n in _plugins(self.group) if n not in self.builtins]

    def check(self, name: str, field_path: str) -> str:
        """``name`` if registered, else ScenarioError naming ``field_path`` and the known names."""
        if name not in self.builtins and name not in _plugins(self.group):
            raise ScenarioError(f"{field_path}={name!r}: unknown {self.what} (known: {', '.join(self.names())})")
        return name

    def load(self, name: str) -> Any:
        """The implementation registered as ``name`` (imported on first use)."""
        if name not in self._loaded:
            if name in self.builtins:
                module, _, attr = self.builtins[name].partition(":")
                self._loaded[name] = getattr(importlib.import_module(module), attr)
            elif name in _plugins(self.group):
                ep = _plugins(self.group)[name]
                try:
                    self._loaded[name] = ep.load()
                except (ImportError, AttributeError) as exc:
                    raise ScenarioError(f"{self.what} plug-in {name!r} ({ep.value}) failed to load: {exc}") from None
            else:
                self.check(name, self.what)
        return self._loaded[name]


ARBITERS = Registry("arbiter", "socsim.arbiters", {
    "fifo": "socsim.model.arbitration:FifoArbiter",
    "round_robin": "socsim.model.arbitration:RoundRobinArbiter",
    "weighted_round_robin": "socsim.model.arbitration:WeightedRoundRobinArbiter",
    "fixed_priority": "socsim.model.arbitration:FixedPriorityArbiter",
    "tdma": "socsim.model.arbitration:TdmaArbiter",
    "budget": "socsim.model.arbitration:BudgetArbiter",
})
"""Arbitration policies of the shared path (``socsim.model.arbitration``)."""

MASTERS = Registry("master kind", "socsim.masters", {
    "token_bucket": "socsim.model.masters:TokenBucketSource",
    "isp": "socsim.model.masters:IspSource",
    "display": "socsim.model.masters:DisplaySource",
    "cpu": "socsim.model.masters:CpuSource",
})
"""Kinds of other bus masters: each a ``socsim.model.masters.Source`` whose ``Spec`` is its
scenario entry (a pydantic model with ``kind: Literal[<name>]``)."""

DRAM_PRESETS = Registry("DRAM preset", "socsim.dram_presets", {
    "lpddr4-3200": "socsim.dram_presets:LPDDR4_3200",
    "lpddr4x-4266": "socsim.dram_presets:LPDDR4X_4266",
    "lpddr5-6400": "socsim.dram_presets:LPDDR5_6400",
    "ddr4-3200": "socsim.dram_presets:DDR4_3200",
    "ddr4-3200-x8": "socsim.dram_presets:DDR4_3200",
    "ddr4-3200-x16": "socsim.dram_presets:DDR4_3200_X16",
    "hbm2-pc": "socsim.dram_presets:HBM2_PC",
    "hbm2-stack": "socsim.dram_presets:HBM2_STACK",
})
"""Named DRAMs (``socsim.dram_presets``): each a ``DramPreset``."""
