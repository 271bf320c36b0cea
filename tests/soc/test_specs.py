"""The SoC and master specs: strict, one-line errors naming the field, defaults resolved."""

import pytest

from socsim.errors import ScenarioError
from socsim.scenario import DramSpec
from socsim.soc.system import simulate

from soc_helpers import make_scenario, uniform_layer

BAD = [
    ("tdma without table", dict(arbitration="tdma"), "soc.bus"),
    ("budget without budgets", dict(arbitration="budget"), "soc.bus"),
    ("unknown master in priorities", dict(arbitration="fixed_priority", bus={"priorities": {"gpu": 0}}),
     "soc.bus.priorities.gpu"),
    ("unknown master in slot table", dict(arbitration="tdma", bus={"tdma": {"slot_ns": 100.0, "table": ["npu", "x"]}}),
     "soc.bus.tdma.table[1]"),
    ("zero weight", dict(arbitration="weighted_round_robin", bus={"weights": {"npu": 0}}), "soc.bus.weights.npu"),
    ("isp line time too long", dict(masters=[{"kind": "isp", "name": "i", "width": 64, "height": 100, "fps": 100,
                                              "line_time_ns": 200000.0}]), "masters[0].isp"),
    ("display request beyond fifo", dict(masters=[{"kind": "display", "name": "d", "width": 64, "height": 64,
                                                   "fps": 60, "fifo_bytes": 1024, "request_bytes": 4096}]),
     "masters[0].display"),
    ("cpu bucket below request", dict(masters=[{"kind": "cpu", "name": "c", "rate_gbps": 1.0, "request_bytes": 128,
                                                "burst_bytes": 64}]), "masters[0].cpu"),
    ("cpu unknown arrivals", dict(masters=[{"kind": "cpu", "name": "c", "rate_gbps": 1.0, "arrivals": "poisson"}]),
     "masters[0].arrivals"),
    ("timing model without timing", dict(dram={"peak_gbps": 10.0, "latency_ns": 50.0, "model": "timing"}),
     "soc.dram"),
    ("engine without throughput", dict(dma={"codec_engine": {"bytes_per_cycle": 0}}),
     "soc.dma.codec_engine.bytes_per_cycle"),
]


@pytest.mark.parametrize("desc,kw,field", BAD, ids=[b[0] for b in BAD])
def test_bad_soc_specs_are_one_line_errors(desc, kw, field):
    with pytest.raises(ScenarioError) as info:
        make_scenario(**kw)
    msg = str(info.value)
    assert "\n" not in msg and field in msg, msg


def test_simulation_time_checks():
    plan = uniform_layer("a", 1, [1024], [64], 10.0)
    tb = {"kind": "token_bucket", "name": "cpu", "sigma_bytes": 0, "rate_gbps": 1.0}
    s = make_scenario(masters=[tb], arbitration="tdma", bus={"tdma": {"slot_ns": 100.0, "table": ["npu"]}})
    with pytest.raises(ScenarioError, match="no slot for cpu"):
        simulate(s, [[plan]])
    s = make_scenario(masters=[tb], arbitration="tdma", bus={"tdma": {"slot_ns": 1.0, "table": ["npu", "cpu"]}})
    with pytest.raises(ScenarioError, match="slot_ns"):
        simulate(s, [[plan]])
    s = make_scenario(masters=[tb], arbitration="budget", bus={"budget": {"period_ns": 100.0, "bytes": {"cpu": 32}}})
    with pytest.raises(ScenarioError, match="budget.bytes.cpu"):
        simulate(s, [[plan]])
    with pytest.raises(ScenarioError, match="fidelity"):
        simulate(make_scenario(), [[plan]], "exact")


def test_dram_model_defaults():
    assert DramSpec(preset="ddr4-3200").resolved_model == "timing"
    assert DramSpec(preset="ddr4-3200", model="simple").resolved_timing is None
    assert DramSpec(peak_gbps=1.0, latency_ns=1.0).resolved_model == "simple"
