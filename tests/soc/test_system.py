"""The SoC slice against the closed forms of the simple DRAM model, in both fidelities, plus the plan rules."""

import numpy as np
import pytest
from soc_helpers import both_fidelities, uniform_layer
from soc_helpers import make_scenario as scenario

from socsim.analysis.bounds import bound_frames
from socsim.model.schedule import (
    LayerMaps,
    LayerPlan,
    TilePlan,
    Tiling,
    plan_layer,
    resident_outputs,
    sram_tiling,
)
from socsim.scenario import AcceleratorSpec
from socsim.soc.system import simulate
from socsim.workload.graph import Layer

# Path: min(16 B × 1 GHz, 10 GB/s) = 10 B/ns, latency 50 ns; DMA window 16·64/(6.4 + 50) = 18.2 B/ns.
L = 2048 / 10 + 50  # one tile's load: two 1 KiB descriptors, then one latency
S = 1024 / 10 + 50  # one tile's store


@both_fidelities
def test_compute_bound_layer_matches_closed_form(fidelity):
    plan = uniform_layer("a", 4, [1024, 1024], [1024], 1000.0)
    sim = simulate(scenario(), [[plan]], fidelity)
    assert sim.frames[0].latency_ns == pytest.approx(L + 4 * 1000.0 + S)


@both_fidelities
def test_layers_run_back_to_back(fidelity):
    a = uniform_layer("a", 3, [1024, 1024], [1024], 1000.0)
    b = uniform_layer("b", 1, [1024, 1024], [1024], 500.0)
    sim = simulate(scenario(), [[a, b]], fidelity)
    assert sim.frames[0].latency_ns == pytest.approx((L + 3 * 1000.0 + S) + (L + 500.0 + S))
    rec = sim.frames[0].layers
    assert rec[1].start_ns == pytest.approx(rec[0].end_ns)


@both_fidelities
def test_dma_bound_layer_timeline_by_hand(fidelity):
    # load0 data [0,204.8] done 254.8; load1 data [204.8,409.6] done 459.6;
    # compute0 [254.8,354.8]; store0 data [409.6,512.0] done 562.0;
    # compute1 [459.6,559.6]; store1 data [559.6,662.0] done 712.0.
    plan = uniform_layer("a", 2, [1024, 1024], [1024], 100.0)
    sim = simulate(scenario(), [[plan]], fidelity)
    rec = sim.frames[0].layers[0]
    assert [t for span in rec.tile_spans for t in span] == pytest.approx([254.8, 354.8, 459.6, 559.6])
    assert sim.frames[0].latency_ns == pytest.approx(712.0)
    assert rec.stall_ns == pytest.approx(254.8 + (459.6 - 354.8) + (712.0 - 559.6))


@both_fidelities
def test_frames_are_released_by_period(fidelity):
    plan = uniform_layer("a", 1, [1024], [1024], 100.0)
    s = scenario(frames=3, period_ms=0.01)
    sim = simulate(s, [[plan]] * 3, fidelity)
    assert [f.release_ns for f in sim.frames] == pytest.approx([0.0, 10000.0, 20000.0])
    assert [f.latency_ns for f in sim.frames] == pytest.approx([102.4 + 50 + 100 + 102.4 + 50] * 3)


@both_fidelities
def test_window_limits_a_lone_channel(fidelity):
    # 4 outstanding bursts: 4·64 B per (6.4 + 50) ns = 4.54 B/ns < 10 B/ns of the path.
    plan = uniform_layer("a", 1, [64 * 64 * 8], [64], 10.0)
    sim = simulate(scenario(dma={"max_outstanding": 4}), [[plan]], fidelity)
    load = 64 * 64 * 8 / (4 * 64 / 56.4)
    assert sim.frames[0].layers[0].tile_spans[0][0] == pytest.approx(load + 56.4, rel=0.01)


@both_fidelities
def test_bytes_conserved_and_counted(fidelity):
    plan = uniform_layer("a", 3, [640, 64], [128], 100.0)
    sim = simulate(scenario(), [[plan]], fidelity)
    npu = sim.masters[0]
    assert npu.bytes_requested == npu.bytes_delivered == 3 * (640 + 64 + 128)
    assert npu.requests == 9


@both_fidelities
def test_token_bucket_burst_is_served_first_under_fifo(fidelity):
    tb = {"kind": "token_bucket", "name": "cpu", "sigma_bytes": 8192, "rate_gbps": 1.0, "request_bytes": 4096}
    plan = uniform_layer("a", 1, [10240], [1024], 100.0)
    alone = simulate(scenario(), [[plan]], fidelity).frames[0].latency_ns
    shared = simulate(scenario(masters=[tb]), [[plan]], fidelity)
    # The CPU's two-request burst at t=0 is queued first: 8192 B at 10 B/ns delay the NPU by 819.2 ns.
    assert shared.frames[0].latency_ns == pytest.approx(alone + 819.2)
    cpu = shared.masters[1]
    assert cpu.bytes_requested <= 8192 + 1.0 * shared.frames_end_ns + 4096


def test_sram_tiling_keeps_the_operand_that_saves_traffic():
    kib = 1024
    # Everything fits half of the SRAM: one tile.
    assert sram_tiling(8 * kib, 8 * kib, 8 * kib, 64 * kib) == Tiling("weights", 1, 1)
    # Inputs fit half (32 KiB), weights do not: inputs kept, weights stream, no refetch.
    tiling = sram_tiling(40 * kib, 16 * kib, 16 * kib, 64 * kib)
    assert tiling == Tiling("inputs", 1, 3)  # ⌈(40 + 16) KiB / ((64 − 16)/2 KiB)⌉ = 3
    assert tiling.traffic_bytes(40 * kib, 16 * kib, 16 * kib) == (56 * kib, 16 * kib)
    # Neither fits: two filter groups of 24 KiB, the inputs are read once per group.
    tiling = sram_tiling(48 * kib, 48 * kib, 32 * kib, 64 * kib)
    assert tiling == Tiling("weights", 2, 4)  # ⌈(48 + 16) KiB / ((64 − 24)/2 KiB)⌉ = 4 per group
    assert tiling.traffic_bytes(48 * kib, 48 * kib, 32 * kib) == (144 * kib, 32 * kib)
    # Two groups either way and inputs above the weights: the inputs stay, the weights are refetched.
    tiling = sram_tiling(60 * kib, 64 * kib, 32 * kib, 64 * kib)
    assert (tiling.kept, tiling.outer) == ("inputs", 2)
    assert tiling.traffic_bytes(60 * kib, 64 * kib, 32 * kib) == (184 * kib, 32 * kib)
    # Neither fits and the output is small: split the reduction and spill the partial sums instead.
    tiling = sram_tiling(48 * kib, 48 * kib, 4 * kib, 64 * kib)
    assert (tiling.kept, tiling.outer) == ("reduction", 2)
    assert tiling.traffic_bytes(48 * kib, 48 * kib, 4 * kib) == (100 * kib, 8 * kib)


def _conv(weight_bytes: int, in_bytes: int, channels: int = 8) -> Layer:
    """A 3×3 conv of ``channels`` filters on 32×32 maps (2 KiB per output channel)."""
    return Layer("c", "conv", (channels, 32, 32), ("input",), macs=channels * 1024 * 72,
                 weight_bytes=weight_bytes, ifmap_bytes=in_bytes, kernel=(3, 3), in_channels_per_group=8)


def test_plan_layer_keeps_inputs_and_streams_weights():
    acc = AcceleratorSpec(rows=8, cols=4, freq_mhz=1000.0, sram_kib=64)
    # 40 KiB weights, 16 KiB in, 16 KiB out; 4 of 8 filters (20 KiB) per array width: no spill.
    layer = _conv(40960, 16384)
    units = np.full(8, 2048, dtype=np.int64)
    plan = plan_layer(layer, acc, 64, LayerMaps([units], units))
    assert [len(t.read_bytes) for t in plan.tiles] == [1 + 8, 1, 1]  # the inputs load once
    assert [t.read_bytes[0] for t in plan.tiles] == [13696] * 3  # ⌈40960/3⌉ rounded up to 64 B
    assert [len(t.write_bytes) for t in plan.tiles] == [2, 3, 3]
    assert plan.read_bytes == 3 * 13696 + 16384 and plan.write_bytes == 16384
    assert plan.compute_ns == pytest.approx(sum(t.compute_ns for t in plan.tiles))


def test_plan_layer_refetches_inputs_per_filter_group():
    acc = AcceleratorSpec(rows=8, cols=4, freq_mhz=1000.0, sram_kib=64)
    layer = _conv(48 * 1024, 48 * 1024, channels=16)  # neither fits 32 KiB: two filter groups of 24 KiB
    units = np.full(24, 2048, dtype=np.int64)
    outs = np.full(16, 2048, dtype=np.int64)
    plan = plan_layer(layer, acc, 64, LayerMaps([units], outs))
    assert len(plan.tiles) == 8
    # Each 24 KiB filter group loads with its first tile and stays; the 24 input units stream per group.
    assert [len(t.read_bytes) for t in plan.tiles] == [1 + 6, 6, 6, 6] * 2
    assert plan.tiles[0].read_bytes[0] == plan.tiles[4].read_bytes[0] == 24576
    assert plan.read_bytes == 48 * 1024 + 2 * 48 * 1024  # the inputs twice, the weights once
    assert plan.write_bytes == 32768


@both_fidelities
def test_refetched_bytes_are_simulated_and_bounded(fidelity):
    layer = _conv(48 * 1024, 48 * 1024, channels=16)
    units, outs = np.full(24, 2048, dtype=np.int64), np.full(16, 2048, dtype=np.int64)
    acc = AcceleratorSpec(rows=8, cols=4, freq_mhz=1000.0, sram_kib=64)  # the inputs are read twice
    planned = plan_layer(layer, acc, 64, LayerMaps([units], outs))
    # Its tiles at 10 ns of compute each (so that the DMA sets the pace), and the same tiles with the
    # second pass over the inputs left out: what the DMA would move without refetch.
    refetch = LayerPlan("c", 80.0, tuple(TilePlan(t.read_bytes, t.write_bytes, 10.0) for t in planned.tiles))
    once = LayerPlan("c", 80.0, tuple(
        TilePlan(t.read_bytes if i < 4 else t.read_bytes[: int(i == 4)], t.write_bytes, 10.0)
        for i, t in enumerate(planned.tiles)))  # tile 4 keeps only its weight group
    s = scenario()
    sim = {k: simulate(s, [[p]], fidelity).frames[0] for k, p in (("refetch", refetch), ("once", once))}
    bound = {k: bound_frames(s, [[p]]).frames_ns[0] for k, p in (("refetch", refetch), ("once", once))}
    assert sim["refetch"].layers[0].read_bytes == refetch.read_bytes == once.read_bytes + 48 * 1024
    assert sim["refetch"].latency_ns > sim["once"].latency_ns and bound["refetch"] > bound["once"]
    assert sim["refetch"].latency_ns <= bound["refetch"]


def test_plan_layer_spills_partial_sums_past_the_codec():
    acc = AcceleratorSpec(rows=8, cols=8, freq_mhz=1000.0, sram_kib=64)
    # 48 KiB weights and inputs, a 4 KiB output (2 channels of 32×32): two reduction groups.
    layer = Layer("c", "conv", (2, 32, 32), ("input",), macs=2 * 1024 * 216, weight_bytes=48 * 1024,
                  ifmap_bytes=48 * 1024, kernel=(3, 3), in_channels_per_group=24)
    units = np.full(24, 2048, dtype=np.int64)
    coded = np.full(2, 1024, dtype=np.int64)
    raw = np.full(2, 2048, dtype=np.int64)
    plan = plan_layer(layer, acc, 64, LayerMaps([units], coded, [units], raw, [True], True))
    inner = len(plan.tiles) // 2
    psum = -(-4096 // inner // 64) * 64  # the raw output's share of one tile, whole bursts
    first, last = plan.tiles[:inner], plan.tiles[inner:]
    assert all(t.write_bytes == (psum,) and t.write_coded == (False,) for t in first)  # partial sums out
    assert all(t.read_bytes[-1] == psum and not t.read_coded[-1] for t in last)  # and back in
    assert sum(len(t.write_bytes) for t in last) == 2 and all(all(t.write_coded) for t in last)
    assert plan.read_bytes == 48 * 1024 + 48 * 1024 + inner * psum
    assert plan.write_bytes == 2048 + inner * psum


def test_plan_carries_raw_bytes_and_engine_flags():
    acc = AcceleratorSpec(rows=8, cols=8, freq_mhz=1000.0, sram_kib=64)
    layer = Layer("c", "conv", (4, 8, 8), ("x",), macs=4 * 64 * 36, weight_bytes=640, ifmap_bytes=512,
                  kernel=(3, 3), in_channels_per_group=4)
    coded = np.full(4, 64, dtype=np.int64)
    raw = np.full(4, 128, dtype=np.int64)
    plan = plan_layer(layer, acc, 64, LayerMaps([coded], coded, [raw], raw, [True], True))
    tile = plan.tiles[0]
    assert tile.read_bytes == (640, 64, 64, 64, 64) and tile.read_raw == (640, 128, 128, 128, 128)
    assert tile.read_coded == (False, True, True, True, True)  # weights bypass the codec engine
    assert tile.write_raw == (128,) * 4 and all(tile.write_coded)
    assert tile.coded_raw_bytes() == 8 * 128


def test_residency_rule_keeps_single_consumer_maps_that_fit():
    acc = AcceleratorSpec(rows=8, cols=8, freq_mhz=1000.0, sram_kib=64)  # half = 32 KiB
    a = Layer("a", "conv", (8, 32, 32), ("input",))  # 16 KiB, read only by b → kept
    b = Layer("b", "conv", (8, 32, 32), ("a",))  # 16 KiB: kept beside a's 16 KiB (32 KiB) → kept
    c = Layer("c", "conv", (16, 32, 32), ("b",))  # 32 KiB beside b's 16 KiB → spills
    d = Layer("d", "add", (16, 32, 32), ("c", "a"))  # last layer → spills
    consumers = {"a": ["b", "d"], "b": ["c"], "c": ["d"], "d": []}
    assert resident_outputs([a, b, c, d], consumers, acc) == [False, True, False, False]
    consumers["a"] = ["b"]
    assert resident_outputs([a, b, c, d], consumers, acc) == [True, True, False, False]
    off = AcceleratorSpec(rows=8, cols=8, freq_mhz=1000.0, sram_kib=64, sram_residency=False)
    assert resident_outputs([a, b, c, d], consumers, off) == [False] * 4


def test_resident_output_makes_no_stores_and_pins_sram():
    acc = AcceleratorSpec(rows=8, cols=4, freq_mhz=1000.0, sram_kib=64)
    layer = Layer("c", "conv", (8, 32, 32), ("input",), weight_bytes=40960, ifmap_bytes=16384,
                  macs=8 * 1024 * 72, kernel=(3, 3), in_channels_per_group=8)
    units = np.full(8, 2048, dtype=np.int64)
    plan = plan_layer(layer, acc, 64, LayerMaps([units], units, resident_output=True, pinned_bytes=16384))
    # 48 KiB unpinned: inputs (16 KiB) kept, weights stream through (48 − 16)/2 = 16 KiB → 3 tiles, no stores.
    assert len(plan.tiles) == 3 and plan.write_bytes == 0 and plan.resident_output
