"""Helpers shared by the SoC tests: a tiny scenario builder and uniform layer plans."""

import pytest

from socsim.model.schedule import LayerPlan, TilePlan
from socsim.scenario import Scenario

FIDELITIES = ("fast", "burst")


def make_scenario(channels=1, masters=(), arbitration="fifo", dram=None, bus=None, dma=None, **over):
    """A one-frame scenario on a small chip: 8×8 PEs at 1 GHz, a 16 B × 1 GHz bus, DRAM 10 GB/s + 50 ns."""
    data = {
        "name": "t",
        "deadline_ms": 1.0,
        "frames": 1,
        "soc": {
            "accelerator": {"rows": 8, "cols": 8, "freq_mhz": 1000.0, "sram_kib": 64},
            "dma": {"channels": channels, "burst_bytes": 64, "max_outstanding": 16, **(dma or {})},
            "bus": {"width_bytes": 16, "freq_mhz": 1000.0, "arbitration": arbitration, **(bus or {})},
            "dram": dram or {"peak_gbps": 10.0, "latency_ns": 50.0},
        },
        "masters": list(masters),
        "workload": {"model": "mobilenet_v1"},
        **over,
    }
    return Scenario.from_dict(data)


def uniform_layer(name, tiles, reads, writes, compute_ns, **kw):
    """A layer of ``tiles`` identical tiles."""
    tile = TilePlan(tuple(reads), tuple(writes), compute_ns, **kw)
    return LayerPlan(name, compute_ns * tiles, (tile,) * tiles)


both_fidelities = pytest.mark.parametrize("fidelity", FIDELITIES)
"""Decorator: run a test in both fidelities of the SoC model."""
