"""Display underflow check: a hand-computed case, soundness against the burst simulation, monotonicity."""

import dataclasses

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import SCENARIOS
from soundness import cases

from socsim.analysis.bounds import interference
from socsim.analysis.display import display_check
from socsim.model.dram import DramModel
from socsim.scenario import Scenario
from socsim.soc.system import simulate

SIMPLE_DRAM = {"peak_gbps": 10.0, "latency_ns": 50.0}


def _simple(arbitration: str) -> Scenario:
    """The accelerator and one 640×480×4 B 60 fps display (ρ = 0.073728 GB/s, r = 1 KiB, 16 KiB FIFO)."""
    return Scenario.from_dict({
        "name": "display", "deadline_ms": 1.0,
        "soc": {"accelerator": {"rows": 8, "cols": 8, "freq_mhz": 1000.0, "sram_kib": 64},
                "dma": {"channels": 2, "burst_bytes": 64, "max_outstanding": 8},
                "bus": {"width_bytes": 16, "freq_mhz": 1000.0, "arbitration": arbitration},
                "dram": SIMPLE_DRAM},
        "masters": [{"kind": "display", "name": "disp", "width": 640, "height": 480, "bytes_per_pixel": 4,
                     "fps": 60.0, "fifo_bytes": 16384, "request_bytes": 1024}],
        "workload": {"model": "mobilenet_v1"},
    })


def test_round_robin_closed_form():
    # DRAM: P = 10 GB/s, t_B = 6.4 ns, every burst a hit: R = 10, T = L + c₁ = 50 + 6.4 = 56.4 ns.
    # Round robin, n = 2: R_i = 5, T_i = 56.4 + (2·2 − 1 + 1)·64/10 = 82.0 ns; D = 82.0 + 1024/5 = 286.8 ns.
    # Deadline: 16384 B / 0.073728 GB/s = 222222.2 ns.
    scenario = _simple("round_robin")
    [row] = display_check(scenario, DramModel.from_spec(scenario.soc))
    assert row == {"name": "disp", "worst_latency_us": pytest.approx(0.2868), "deadline_us": pytest.approx(222.2222222),
                   "underflow_possible": False, "reason": None}


def test_fifo_closed_form():
    # D = L + (R·(T − L) + M + b + Σσ)/(R − Σρ) with M = 2·8·64 = 1024, Σσ = 1024, Σρ = 0.073728:
    # 50 + (64 + 1024 + 64 + 1024)/9.926272 = 269.216... ns.
    scenario = _simple("fifo")
    [row] = display_check(scenario, DramModel.from_spec(scenario.soc))
    assert row["worst_latency_us"] == pytest.approx((50 + 2176 / 9.926272) / 1e3)
    assert row["underflow_possible"] is False


def test_fixed_priority_below_the_accelerator_has_no_bound():
    data = _simple("fixed_priority").model_dump(exclude_unset=True)
    data["soc"]["bus"]["priorities"] = {"npu": 0, "disp": 1}
    scenario = Scenario.from_dict(data)
    [row] = display_check(scenario, DramModel.from_spec(scenario.soc))
    assert row["worst_latency_us"] is None and row["underflow_possible"] is True and row["reason"]


@st.composite
def display_cases(draw):
    """(scenario, plans) of ``soundness.cases`` with one more display 'disp', sometimes under TDMA or
    budget arbitration, on a chip the masters do not overload."""
    scenario, plans = draw(cases())
    data = scenario.model_dump(exclude_unset=True)
    width, height = draw(st.sampled_from([(640, 480), (1920, 1080)]))
    request = draw(st.sampled_from([256, 1024, 4096]))
    fifo = request * draw(st.sampled_from([1, 2, 16]))
    disp = {"kind": "display", "name": "disp", "width": width, "height": height, "bytes_per_pixel": 4,
            "fps": draw(st.sampled_from([30.0, 60.0, 120.0])), "fifo_bytes": fifo, "request_bytes": request}
    if data["soc"]["dma"].get("codec_engine"):
        # As socsim.pipeline does under a real codec: every store through the engine, so each store
        # stream keeps its address order (loads may stay mixed: the engine follows the DRAM for them).
        data["codec"] = {"name": "rle"}
        plans = [[dataclasses.replace(layer, tiles=tuple(
            dataclasses.replace(t, write_coded=tuple(True for _ in t.write_bytes)) for t in layer.tiles))
            for layer in frame] for frame in plans]
    masters = data["masters"]
    masters.insert(draw(st.integers(0, len(masters))), disp)
    names = ["npu"] + [m["name"] for m in masters]
    bus = data["soc"]["bus"]
    if bus["arbitration"] == "fixed_priority":
        order = draw(st.permutations(names))
        bus["priorities"] = {n: i for i, n in enumerate(order)}
    policy = draw(st.sampled_from(["keep", "keep", "keep", "tdma", "budget"]))
    if policy == "tdma":
        bus.pop("priorities", None)
        bus.pop("weights", None)
        bus["arbitration"] = "tdma"
        table = list(draw(st.permutations(names))) + ["npu"] * draw(st.integers(0, 1))
        bus["tdma"] = {"slot_ns": draw(st.sampled_from([1000.0, 3000.0])), "table": table}
    elif policy == "budget":
        bus.pop("priorities", None)
        bus.pop("weights", None)
        bus["arbitration"] = "budget"
        regulated = draw(st.sets(st.sampled_from(names), max_size=2))
        bus["budget"] = {"period_ns": 1000.0, "bytes": {n: 4096 for n in regulated}}
    scenario = Scenario.from_dict(data)
    # Only stable chips: masters that overload the DRAM make the simulation's backlog (and run time) grow.
    hypothesis.assume(interference(scenario, DramModel.from_spec(scenario.soc)).per_ns < 0.9)
    return scenario, plans


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(display_cases())
def test_bound_never_below_a_simulated_read(case):
    scenario, plans = case
    rows = display_check(scenario, DramModel.from_spec(scenario.soc))
    sim = simulate(scenario, plans, "burst")
    stats = {m.name: m for m in sim.masters}
    assert {r["name"] for r in rows} == {m.name for m in sim.masters if m.kind == "display"}
    for row in rows:
        st_ = stats[row["name"]]
        if st_.latency_ns_max is None:
            continue
        if not row["underflow_possible"]:
            assert st_.underflows == 0
            assert st_.worst_lateness_ns <= 0
        if row["worst_latency_us"] is not None:
            worst_ns = st_.worst_lateness_ns + row["deadline_us"] * 1e3
            assert worst_ns == pytest.approx(st_.latency_ns_max)
            assert worst_ns <= row["worst_latency_us"] * 1e3 * (1 + 1e-9) + 1e-6


def _with(scenario: Scenario, change) -> Scenario:
    """The scenario after ``change`` edits its data in place."""
    data = scenario.model_dump(exclude_unset=True)
    change(data)
    return Scenario.from_dict(data)


def _disp(rows):
    return next(r for r in rows if r["name"] == "disp")


def _shrink_fifo(data):
    d = next(m for m in data["masters"] if m["name"] == "disp")
    d["fifo_bytes"] = d["request_bytes"]


def _add_interferer(data):
    data["masters"].append({"kind": "token_bucket", "name": "extra", "sigma_bytes": 4096, "rate_gbps": 0.5,
                            "request_bytes": 512, "read_fraction": 0.5})
    bus = data["soc"]["bus"]
    if bus["arbitration"] == "tdma":
        bus["tdma"]["table"].append("extra")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(display_cases())
def test_less_fifo_or_more_interference_never_removes_an_underflow(case):
    scenario, _ = case
    before = _disp(display_check(scenario, DramModel.from_spec(scenario.soc)))
    model = DramModel.from_spec(scenario.soc)
    channels, n = scenario.soc.dma.channels, len(scenario.masters)
    for change in (_shrink_fifo, _add_interferer):
        changed = _with(scenario, change)
        if model.splits_directions(channels, n) != model.splits_directions(channels, len(changed.masters)):
            continue  # one more master changes the address map (loads and stores share a stream)
        after = _disp(display_check(changed, DramModel.from_spec(changed.soc)))
        if before["underflow_possible"]:
            assert after["underflow_possible"]
        if after["worst_latency_us"] is not None:
            assert before["worst_latency_us"] is not None
            assert after["worst_latency_us"] >= before["worst_latency_us"] * (1 - 1e-12)


def test_fcn8s_automotive_display():
    scenario = Scenario.from_yaml(SCENARIOS / "fcn8s_automotive.yaml")
    [row] = display_check(scenario, DramModel.from_spec(scenario.soc))
    assert row["deadline_us"] == pytest.approx(65536 / 0.497664 / 1e3)
    assert row["underflow_possible"] is False
    assert row["worst_latency_us"] < row["deadline_us"]
