"""The command-level controller's fast paths against the references written clock by clock
(``reference_dram``, ``reference_command_controller``): on random traces, the same commands at the
same clocks; on random SoC scenarios, the same frames, latencies and per-master figures."""

import random
import sys
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, assume, given, settings
from paths import ROOT
from reference_command_controller import ReferenceCommandMemoryController
from reference_dram import ReferenceDramController

from socsim.analysis.bounds import bound_frames
from socsim.errors import Overloaded
from socsim.model.dram_controller import DramController, address_map
from socsim.registry import DRAM_PRESETS
from socsim.scenario import DramControllerSpec
from socsim.soc.system import simulate

sys.path.insert(0, str(ROOT / "tests" / "analysis"))
from soundness import cases  # noqa: E402

PRESETS = ["ddr4-3200", "lpddr4-3200", "lpddr5-6400", "hbm2-pc"]


def _trace(seed: int, amap, device, n: int) -> list[tuple[int, bool]]:
    """Random (byte address, is_write) bursts: a few hot rows of a few banks, so that hits, conflicts,
    write drains and reads of buffered writes all happen."""
    rng = random.Random(seed)
    rows = [rng.randrange(device.rows) for _ in range(3)]
    out = []
    for _ in range(n):
        addr = rng.randrange(1 << 24) // device.burst_bytes * device.burst_bytes
        if rng.random() < 0.6:  # a hot row: same row bits, random column
            a = amap.decode(addr)
            addr = amap.encode(type(a)(0, a.bankgroup % 2, a.bank % 2, rng.choice(rows), a.column))
        out.append((addr, rng.random() < 0.35))
    return out


def _drive(ctrl, trace: list[tuple[int, bool]], cycles: int, skip: bool) -> list:
    """Offer the trace as ``run_trace`` does (idle clocks skipped to ``next_possible`` with ``skip``,
    else to ``next_event``) and record the outcome of every clock that changed something."""
    log = []
    clk, k = 0, 0
    while clk < cycles:
        changed = ctrl.tick(clk)
        if k < len(trace) and ctrl.will_accept(trace[k][1]):
            ctrl.add(trace[k][0], trace[k][1], clk, k)
            k += 1
            changed = True
        if changed:
            log.append((clk, len(ctrl.read_q), len(ctrl.write_buf), ctrl._draining))
        clk = clk + 1 if changed else ctrl.next_possible(clk) if skip else ctrl.next_event(clk)
    st = ctrl.stats
    return [log, ctrl.done, ctrl.cas, st.reads, st.writes, st.row_hits, st.activates, st.refreshes, st.read_latency]


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("seed", range(4))
def test_fast_controller_matches_the_clock_by_clock_reference(preset, seed):
    device = DRAM_PRESETS.load(preset).device
    rng = random.Random(seed)
    spec = DramControllerSpec(row_hit_cap=rng.choice([1, 4, 16]), trans_queue_size=rng.choice([8, 32]),
                              cmd_queue_size=rng.choice([2, 8]), write_low_watermark=rng.choice([0, 4]))
    amap = address_map(device)
    trace = _trace(seed, amap, device, 3000)
    cycles = 3 * device.tREFI
    slow = _drive(ReferenceDramController(device, spec, amap), trace, cycles, False)
    assert slow[3] > 100 and slow[4] > 100 and slow[5] > 50  # reads, writes and row hits were served
    assert _drive(DramController(device, spec, amap), trace, cycles, False) == slow
    assert _drive(DramController(device, spec, amap), trace, cycles, True) == slow


def _outcome(scenario, plans):
    """What a burst-fidelity run reports, but the count of simpy events (or its overload verdict)."""
    try:
        sim = simulate(scenario, plans, "burst")
    except Overloaded as exc:
        return str(exc)
    frames = [(f.release_ns, f.start_ns, f.end_ns, [repr(r) for r in f.layers]) for f in sim.frames]
    return frames, [repr(m) for m in sim.masters], sim.end_ns, sim.refresh_ns, sim.dram_busy_ns


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases(command=True))
def test_fast_soc_path_matches_the_reference(case):
    scenario, plans = case
    assume(not bound_frames(scenario, plans).reason)  # as the soundness check: no overloaded DRAM
    with patch("socsim.soc.system.CommandMemoryController", ReferenceCommandMemoryController):
        slow = _outcome(scenario, plans)
    assert _outcome(scenario, plans) == slow
