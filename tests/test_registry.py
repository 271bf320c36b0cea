"""The registries of arbiters, master kinds and DRAM presets: one list of built-in names, and
outside plug-ins through entry points (simulated here by a fake entry point)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest
from soc.soc_helpers import make_scenario, uniform_layer

from socsim import registry
from socsim.dram_presets import DramPreset
from socsim.errors import ScenarioError
from socsim.model.arbitration import Arbiter, RoundRobinArbiter, make_arbiter
from socsim.model.masters import Source, TokenBucketSource, make_sources
from socsim.scenario import BUILTIN_MASTERS, Spec, master_kind
from socsim.soc.system import simulate


class FakeEntryPoint:
    """Stands for an installed package's entry point: a name and the object it loads."""

    def __init__(self, name, obj):
        self.name, self.value, self._obj = name, f"outside:{name}", obj

    def load(self):
        return self._obj


@pytest.fixture
def plugins(monkeypatch):
    """Install fake entry points per group; the registries' caches are reset around the test."""
    installed: dict[str, dict] = {}
    monkeypatch.setattr(registry, "_plugins", lambda group: installed.get(group, {}))
    for reg in (registry.ARBITERS, registry.MASTERS, registry.DRAM_PRESETS):
        monkeypatch.setattr(reg, "_loaded", {})

    def add(group, name, obj):
        installed.setdefault(group, {})[name] = FakeEntryPoint(name, obj)
    return add


def test_builtin_names_match_their_implementations():
    for name in registry.ARBITERS.names():
        cls = registry.ARBITERS.load(name)
        assert issubclass(cls, Arbiter) and cls.name == name
    assert registry.MASTERS.names() == [master_kind(c) for c in BUILTIN_MASTERS]
    assert all(issubclass(registry.MASTERS.load(k), Source) for k in registry.MASTERS.names())
    assert all(isinstance(registry.DRAM_PRESETS.load(p), DramPreset) for p in registry.DRAM_PRESETS.names())


def test_unknown_names_are_one_line_naming_the_field():
    with pytest.raises(ScenarioError, match=r"soc.bus.arbitration='lottery': .*unknown arbiter"):
        make_scenario(arbitration="lottery")
    with pytest.raises(ScenarioError, match=r"soc.dram.preset='ddr9': .*unknown DRAM preset"):
        make_scenario(dram={"preset": "ddr9"})
    with pytest.raises(ScenarioError, match=r"masters\[0\].*unknown master kind 'gpu'"):
        make_scenario(masters=[{"kind": "gpu", "name": "g"}])


class LotteryArbiter(RoundRobinArbiter):
    """An outside policy (round robin under another name)."""

    name = "lottery"


class PoissonSpec(Spec):
    """The outside kind's scenario entry."""

    kind: Literal["poisson"]
    name: str
    rate_gbps: float
    request_bytes: int = 256
    sigma_bytes: int = 0
    read_fraction: float = 1.0


class PoissonSource(TokenBucketSource):
    """An outside master kind: a token bucket with no burst, from its own spec."""

    Spec = PoissonSpec


def test_outside_plugins_run_end_to_end(plugins):
    plugins("socsim.arbiters", "lottery", LotteryArbiter)
    plugins("socsim.masters", "poisson", PoissonSource)
    preset = registry.DRAM_PRESETS.load("ddr4-3200")
    plugins("socsim.dram_presets", "my-ddr4", preset)
    s = make_scenario(arbitration="lottery", dram={"preset": "my-ddr4"},
                      masters=[{"kind": "poisson", "name": "p", "rate_gbps": 1.0}])
    assert isinstance(make_arbiter(s.soc.bus, ["npu", "p"], 64), LotteryArbiter)
    (src,) = make_sources(s.masters, 64, s.seed)
    assert isinstance(src, PoissonSource) and src.kind == "poisson"
    assert s.soc.dram.bandwidth_gbps == preset.peak_gbps
    plan = [uniform_layer("l", 2, [4096], [4096], 1000.0)]
    for fidelity in ("fast", "burst"):
        sim = simulate(s, [plan], fidelity)
        assert sim.masters[1].bytes_delivered == sim.masters[1].bytes_requested > 0
    with pytest.raises(ScenarioError, match="rate_gbps"):
        make_scenario(masters=[{"kind": "poisson", "name": "p"}])
    assert np.isfinite(sim.frames[0].latency_ns)
