"""The fast fidelity's shortcuts against the plain computations they stand for, on real solver states.

- A solver pass computes its channels' engine rates and server caps once (``channel_limits``) and
  takes the caps as the accelerator's demand: that is ``split_channels`` with unlimited server time.
- ``FluidSystem`` keeps the earliest pending arrival event of the other masters (``_arrival_at``)
  instead of scanning every master at every event: it is the minimum of their next arrivals.
- The request latencies look their (sorted) requests up among the solves with
  ``searchsorted_sorted``: numpy's ``searchsorted``, from the other side.
- ``FluidSystem`` runs its events that come before every other event of the simulation in one
  callback (``_chain``): the same results as every event on a timer of its own.
- ``FluidSystem`` brings steady masters (no backlog, served as fast as they ask) up to date only
  where their totals are read (``_steady``): the results of moving every master at every event,
  to float rounding.
"""

import dataclasses
import math

import numpy as np
import pytest

from socsim.errors import Overloaded
from socsim.soc import fluid, fluid_solve, system
from socsim.soc.fluid_latency import searchsorted_sorted
from socsim.soc.system import simulate

from soc_helpers import make_scenario, uniform_layer
from test_fidelity import CASES, CPU, build, plans

CODED = dict(read_raw_bytes=(65536,) * 4, read_coded=(True,) * 4, write_raw_bytes=(32768,),
             write_coded=(True,))
ENGINE = {"bytes_per_cycle": 8, "freq_mhz": 1000.0, "latency_cycles": 20}


def _coded_case():
    plan = uniform_layer("a", 3, [16384] * 4, [8192], 3000.0, **CODED)
    s = make_scenario(channels=2, dma={"max_outstanding": 64, "codec_engine": ENGINE},
                      **dict(CASES[2][1]))
    return s, [[plan, uniform_layer("b", 2, [4096] * 3, [4096], 1000.0)]]


SCENARIOS = [(case, lambda kw=kw: (build(kw), plans())) for case, kw in CASES] + [("coded-engine", _coded_case)]


@pytest.mark.parametrize("case,make", SCENARIOS, ids=[c for c, _ in SCENARIOS])
def test_solver_limits_are_split_channels_without_a_server_limit(case, make, monkeypatch):
    limits = fluid_solve.channel_limits
    checked = []
    inside = []

    def checking(busy, engine_gbps):
        engine, caps = limits(busy, engine_gbps)
        if inside:  # split_channels itself asks for the limits
            return engine, caps
        inside.append(True)
        reference = fluid_solve.split_channels(busy, math.inf, engine_gbps)
        assert caps == [y for y, _ in reference]
        assert engine == [e for _, e in reference]
        for server_time in (0.0, 0.5, 1.0):
            shared = fluid_solve.share_server(busy, caps, server_time)
            assert shared == [y for y, _ in fluid_solve.split_channels(busy, server_time, engine_gbps)]
        inside.clear()
        checked.append(len(busy))
        return engine, caps

    monkeypatch.setattr(fluid_solve, "channel_limits", checking)
    s, p = make()
    simulate(s, p, "fast")
    assert any(checked)


@pytest.mark.parametrize("case,kw", [CASES[0], CASES[2], CASES[5]], ids=[CASES[0][0], CASES[2][0], CASES[5][0]])
def test_earliest_arrival_is_the_minimum_over_the_masters(case, kw, monkeypatch):
    next_dt = fluid.FluidSystem._next_dt
    seen = []

    def checking(self):
        pending = [nxt[0] for nxt in self._next_arrival if nxt is not None]
        assert self._arrival_at == min(pending, default=math.inf)
        seen.append(len(pending))
        return next_dt(self)

    monkeypatch.setattr(fluid.FluidSystem, "_next_dt", checking)
    simulate(build(kw), plans(), "fast")
    assert any(seen)


def test_searchsorted_of_sorted_values_is_numpys():
    rng = np.random.default_rng(0)
    for _ in range(500):
        a = np.sort(rng.integers(0, 10, rng.integers(0, 20)).astype(float))
        v = np.sort(rng.integers(-2, 12, rng.integers(0, 50)).astype(float))
        for side in ("left", "right"):
            got = searchsorted_sorted(a, v, side)
            assert got.dtype.kind == "i"
            assert np.array_equal(got, np.searchsorted(a, v, side=side))


@pytest.mark.parametrize("case,make", SCENARIOS, ids=[c for c, _ in SCENARIOS])
def test_chained_events_are_the_events_on_their_own_timers(case, make, monkeypatch):
    s, p = make()
    chained = simulate(s, p, "fast")
    monkeypatch.setattr(fluid, "CHAIN_MAX", 0)
    reference = simulate(s, p, "fast")
    assert chained == reference


def test_chains_end_at_the_starvation_checks(monkeypatch):
    """A frame starved past its deadline is stopped by the check every GUARD_EVENTS events: at the
    same event, with the same verdict, whether the fluid's events are chained or not."""
    monkeypatch.setattr(system, "GUARD_EVENTS", 64)
    monkeypatch.setattr(system, "FOLLOWED_REQUESTS_MAX", 2000)
    s = make_scenario(arbitration="budget", masters=[CPU], deadline_ms=0.001, bus={"budget": {
        "period_ns": 1e9, "bytes": {"npu": 64, "cpu": 1 << 30}}})
    verdicts = []
    for chain_max in (fluid.CHAIN_MAX, 0):
        monkeypatch.setattr(fluid, "CHAIN_MAX", chain_max)
        with pytest.raises(Overloaded) as got:
            simulate(s, plans(), "fast")
        verdicts.append(str(got.value))
    assert verdicts[0] == verdicts[1] and verdicts[0].startswith("starved: frame 0 has run")


def _close(a, b, rel: float = 1e-9) -> list[str]:
    """Where two results (dataclasses, lists, numbers) differ by more than ``rel`` relative."""
    if dataclasses.is_dataclass(a):
        return [d for f in dataclasses.fields(a) for d in _close(getattr(a, f.name), getattr(b, f.name), rel)]
    if isinstance(a, dict):
        return [f"keys {sorted(a)} {sorted(b)}"] if a.keys() != b.keys() else [
            d for k in a for d in _close(a[k], b[k], rel)]
    if isinstance(a, (list, tuple)):
        return [f"{len(a)} != {len(b)}"] if len(a) != len(b) else [d for x, y in zip(a, b) for d in _close(x, y, rel)]
    if isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=rel, abs_tol=1e-9) else [f"{a!r} != {b!r}"]
    return [] if a == b else [f"{a!r} != {b!r}"]


def test_close_sees_a_difference():
    assert _close([1.0, {"a": (2, 3.0)}], [1.0 + 1e-12, {"a": (2, 3.0)}]) == []
    assert _close([1.0], [1.001]) == ["1.0 != 1.001"]
    assert _close({"a": 1}, {"a": 2}) == ["1 != 2"]


@pytest.mark.parametrize("case,make", SCENARIOS, ids=[c for c, _ in SCENARIOS])
def test_steady_masters_moved_late_are_the_masters_moved_at_every_event(case, make, monkeypatch):
    s, p = make()
    steady = []
    set_steady = fluid.FluidSystem._set_steady

    def counting(self):
        set_steady(self)
        steady.append(self._steady)

    monkeypatch.setattr(fluid.FluidSystem, "_set_steady", counting)
    late = simulate(s, p, "fast")

    def never(self):
        self._steady = False

    monkeypatch.setattr(fluid.FluidSystem, "_set_steady", never)
    reference = simulate(s, p, "fast")
    # Rounding may move two events onto one time or apart: the event count is no result.
    assert _close(dataclasses.replace(late, events=0), dataclasses.replace(reference, events=0)) == []
    if case in ("simple-rr", "lpddr4-rr", "lpddr5-rr-4ch"):
        assert any(steady)
