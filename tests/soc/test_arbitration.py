"""Arbiter plug-ins: grant order, closed-form shares in both fidelities, budgets, guarantees."""

from collections import deque

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from soc_helpers import both_fidelities, make_scenario, uniform_layer

from socsim.model.arbitration import PathFacts, make_arbiter, water_fill, water_fill_rows
from socsim.registry import ARBITERS
from socsim.model.dram import DramModel, worst_case_service
from socsim.scenario import BusSpec, SocSpec
from socsim.soc.controller import MemoryController
from socsim.soc.system import simulate

NPU_BYTES = 64 * 16384  # one tile loading 1 MiB


def _grant_log(policy, arrivals, bus=None):
    """Serve bursts queued at t=0 in ``arrivals`` order; the grant order as a list of names."""
    names = ["a", "b", "c"]
    arb = ARBITERS.load(policy)(names, bus)
    queues = [deque() for _ in names]
    for seq, name in enumerate(arrivals):
        queues[names.index(name)].append((seq,))
    log = []
    while any(queues):
        i = arb.pick(queues, 0.0)
        queues[i].popleft()
        arb.granted(i, 64, 0.0)
        log.append(names[i])
    return log


@pytest.mark.parametrize(
    "policy,bus,expected",
    [
        ("fifo", None, ["a", "a", "b", "c", "a", "b"]),
        ("round_robin", None, ["a", "b", "c", "a", "b", "a"]),
        ("fixed_priority", None, ["a", "a", "a", "b", "b", "c"]),
        ("fixed_priority", BusSpec(priorities={"c": 0, "b": 1}), ["c", "b", "b", "a", "a", "a"]),
        ("weighted_round_robin", BusSpec(weights={"a": 2}), ["a", "a", "b", "c", "a", "b"]),
    ],
)
def test_grant_order(policy, bus, expected):
    assert _grant_log(policy, ["a", "a", "b", "c", "a", "b"], bus) == expected


def _backlogged_tb(name="cpu", rate=6.0):
    """A master that asks for more than any share it gets here (6 GB/s of a 10 GB/s path)."""
    return {"kind": "token_bucket", "name": name, "sigma_bytes": 65536, "rate_gbps": rate, "request_bytes": 4096}


def _npu_load_ns(fidelity, masters, bus, dram=None):
    s = make_scenario(masters=masters, arbitration=bus.pop("arbitration"), bus=bus, dram=dram,
                      dma={"max_outstanding": 64})
    plan = uniform_layer("a", 1, [16384] * 64, [64], 10.0)
    sim = simulate(s, [[plan]], fidelity)
    return sim.frames[0].layers[0].tile_spans[0][0] - 50.0, sim


@both_fidelities
def test_two_equal_round_robin_masters_each_get_half(fidelity):
    t, _ = _npu_load_ns(fidelity, [_backlogged_tb()], {"arbitration": "round_robin"})
    assert NPU_BYTES / t == pytest.approx(5.0, rel=0.01)


@both_fidelities
def test_fixed_priority_gives_the_high_master_what_it_asks(fidelity):
    tb = {"kind": "token_bucket", "name": "cam", "sigma_bytes": 0, "rate_gbps": 3.0, "request_bytes": 64}
    t, sim = _npu_load_ns(fidelity, [tb], {"arbitration": "fixed_priority", "priorities": {"cam": 0, "npu": 1}})
    assert NPU_BYTES / t == pytest.approx(7.0, rel=0.01)
    cam = sim.masters[1]
    assert cam.latency_ns_max < 64 / 10 * 2 + 50 + 1e-6  # never waits more than one lower burst


@both_fidelities
def test_weighted_round_robin_shares_by_weight(fidelity):
    t, _ = _npu_load_ns(fidelity, [_backlogged_tb()], {"arbitration": "weighted_round_robin", "weights": {"npu": 3}})
    assert NPU_BYTES / t == pytest.approx(7.5, rel=0.01)


@both_fidelities
def test_tdma_shares_equal_the_slot_fractions(fidelity):
    bus = {"arbitration": "tdma", "tdma": {"slot_ns": 640.0, "table": ["npu", "npu", "npu", "cpu"]}}
    t, _ = _npu_load_ns(fidelity, [_backlogged_tb()], bus)
    assert NPU_BYTES / t == pytest.approx(7.5, rel=0.01)


@both_fidelities
def test_tdma_idle_slots_stay_idle(fidelity):
    # Non-work-conserving: the CPU's slots stay idle although it asks for almost nothing.
    tb = {"kind": "token_bucket", "name": "cpu", "sigma_bytes": 0, "rate_gbps": 0.001, "request_bytes": 64}
    bus = {"arbitration": "tdma", "tdma": {"slot_ns": 640.0, "table": ["npu", "cpu"]}}
    t, _ = _npu_load_ns(fidelity, [tb], bus)
    assert NPU_BYTES / t == pytest.approx(5.0, rel=0.01)


def test_budget_regulated_master_never_exceeds_its_budget_per_period():
    env = simpy.Environment()
    soc = SocSpec.model_validate({"bus": {"width_bytes": 16, "freq_mhz": 1000.0, "arbitration": "budget",
                                          "budget": {"period_ns": 1000.0, "bytes": {"cpu": 1024}}},
                                  "dram": {"peak_gbps": 10.0, "latency_ns": 50.0}})
    m = DramModel.from_spec(soc)
    arb = make_arbiter(soc.bus, ["npu", "cpu"], m.burst_bytes)
    ctl = MemoryController(env, m, arb)

    class Sink:
        got = [0, 0]

        def burst_done(self, token, cost):
            self.got[token] += 1

    sink = Sink()
    for _ in range(2000):
        ctl.enqueue(0, 0, 0, False, sink, 0)
        ctl.enqueue(1, 1, 0, False, sink, 1)
    env.run()
    per_period = arb.period_bytes[1]
    assert max(per_period.values()) <= 1024
    assert sorted(per_period.values())[len(per_period) // 2] == 1024  # it does get its budget
    assert sink.got == [2000, 2000]


@both_fidelities
def test_budget_caps_the_fluid_rate(fidelity):
    bus = {"arbitration": "budget", "budget": {"period_ns": 1000.0, "bytes": {"cpu": 2048}}}
    t, sim = _npu_load_ns(fidelity, [_backlogged_tb()], bus)
    # The CPU moves at most 2048 B per µs = 2 B/ns, the NPU gets the remaining 8 B/ns.
    assert NPU_BYTES / t == pytest.approx(8.0, rel=0.01)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, float("inf"), 0.5, 1.0, 3.0, 7.5]), st.sampled_from([1.0, 2.0, 5.0]),
                          st.floats(0.1, 3.0)), min_size=1, max_size=6),
       st.one_of(st.just(0.0), st.floats(1e-3, 20.0)))
def test_water_fill_is_max_min_fair_and_fills_capacity(flows, capacity):
    d, w, k = (list(x) for x in zip(*flows))
    x = water_fill(d, w, k, capacity)
    used = sum(a * b for a, b in zip(x, k))
    assert used <= capacity * (1 + 1e-9) + 1e-12
    assert all(0 <= xi <= di + 1e-12 for xi, di in zip(x, d))
    if used < capacity * (1 - 1e-9):
        assert x == pytest.approx(d)  # capacity left only when every demand is met
    level = [xi / wi for xi, di, wi in zip(x, d, w) if xi < di - 1e-9]
    assert max(level, default=0) - min(level, default=0) <= 1e-9 * (1 + max(level, default=0))
    rows = water_fill_rows(np.array([d]), np.array([w]), np.array([k]), np.array([capacity]))[0]
    assert rows == pytest.approx(x, abs=1e-9)


def test_guarantees_are_latency_rate_curves():
    m = DramModel.from_spec(SocSpec(dram={"preset": "lpddr4-3200"}))
    curve = worst_case_service(m, m.row_bytes, 3)
    names = ["npu", "isp", "cpu"]
    rr = ARBITERS.load("round_robin")(names)
    r, t = rr.guarantee(0, PathFacts.of(m, curve))
    assert r == pytest.approx(curve[0] / 3) and t > curve[1]
    fp = ARBITERS.load("fixed_priority")(names, BusSpec(priorities={"isp": 0}))
    r0, t0 = fp.guarantee(1, PathFacts.of(m, curve))
    assert r0 == pytest.approx(curve[0])
    r1, _ = fp.guarantee(0, PathFacts.of(m, curve), [None, (4096, 0.2), None])
    assert r1 == pytest.approx(curve[0] - 0.2)
    assert fp.guarantee(2, PathFacts.of(m, curve), [None, (4096, 0.2), None]) is None
    tdma = ARBITERS.load("tdma")(names, BusSpec(arbitration="tdma", tdma={"slot_ns": 1000.0, "table": ["npu", "npu", "isp", "cpu"]}))
    r, t = tdma.guarantee(0, PathFacts.of(m, curve))
    assert 0 < r < 0.5 * m.rate_gbps and t == pytest.approx(5 * 1000.0 + m.latency_ns)
    budget = ARBITERS.load("budget")(names, BusSpec(arbitration="budget", budget={"period_ns": 1000.0, "bytes": {"cpu": 512}}))
    assert budget.envelope(2) == (1024.0, 0.512) and budget.envelope(0) is None
