"""The SoC slice against the closed form of its documented model, plus arbitration timelines."""

import pytest
import simpy

from socsim.scenario import AcceleratorSpec, Scenario
from socsim.soc.accelerator import LayerPlan, TilePlan, compute_cycles, plan_layer, tile_count
from socsim.soc.arbitration import ARBITERS
from socsim.soc.system import simulate
from socsim.workload.graph import Layer

import numpy as np


def scenario(channels=1, masters=(), arbitration="fifo", **over):
    data = {
        "name": "t",
        "deadline_ms": 1.0,
        "frames": 1,
        "soc": {
            "accelerator": {"rows": 8, "cols": 8, "freq_mhz": 1000.0, "sram_kib": 64},
            "dma": {"channels": channels, "burst_bytes": 64, "max_outstanding": 16},
            "bus": {"width_bytes": 16, "freq_mhz": 1000.0, "arbitration": arbitration},
            "dram": {"peak_gbps": 10.0, "latency_ns": 50.0},
        },
        "masters": list(masters),
        "workload": {"model": "mobilenet_v1"},
        **over,
    }
    return Scenario.from_dict(data)


def uniform_layer(name, tiles, reads, writes, compute_ns):
    tile = TilePlan(tuple(reads), tuple(writes), compute_ns)
    return LayerPlan(name, compute_ns * tiles, (tile,) * tiles)


# Path: min(16 B × 1 GHz, 10 GB/s) = 10 B/ns, latency 50 ns; DMA window 16·64/50 = 20.5 B/ns.
L = 2048 / 10 + 50  # one tile's load: two 1 KiB descriptors, then one latency
S = 1024 / 10 + 50  # one tile's store


def test_compute_bound_layer_matches_closed_form():
    plan = uniform_layer("a", 4, [1024, 1024], [1024], 1000.0)
    sim = simulate(scenario(), [[plan]])
    assert sim.frames[0].latency_ns == pytest.approx(L + 4 * 1000.0 + S)


def test_layers_run_back_to_back():
    a = uniform_layer("a", 3, [1024, 1024], [1024], 1000.0)
    b = uniform_layer("b", 1, [1024, 1024], [1024], 500.0)
    sim = simulate(scenario(), [[a, b]])
    assert sim.frames[0].latency_ns == pytest.approx((L + 3 * 1000.0 + S) + (L + 500.0 + S))
    rec = sim.frames[0].layers
    assert rec[1].start_ns == pytest.approx(rec[0].end_ns)


def test_dma_bound_layer_timeline_by_hand():
    # load0 data [0,204.8] done 254.8; load1 data [204.8,409.6] done 459.6;
    # compute0 [254.8,354.8]; store0 data [409.6,512.0] done 562.0;
    # compute1 [459.6,559.6]; store1 data [559.6,662.0] done 712.0.
    plan = uniform_layer("a", 2, [1024, 1024], [1024], 100.0)
    sim = simulate(scenario(), [[plan]])
    rec = sim.frames[0].layers[0]
    assert [t for span in rec.tile_spans for t in span] == pytest.approx([254.8, 354.8, 459.6, 559.6])
    assert sim.frames[0].latency_ns == pytest.approx(712.0)
    assert rec.stall_ns == pytest.approx(254.8 + (459.6 - 354.8) + (712.0 - 559.6))


def test_frames_are_released_by_period():
    plan = uniform_layer("a", 1, [1024], [1024], 100.0)
    s = scenario(frames=3, period_ms=0.01)
    sim = simulate(s, [[plan]] * 3)
    assert [f.release_ns for f in sim.frames] == pytest.approx([0.0, 10000.0, 20000.0])
    assert [f.latency_ns for f in sim.frames] == pytest.approx([102.4 + 50 + 100 + 102.4 + 50] * 3)


def test_bytes_conserved_and_counted():
    plan = uniform_layer("a", 3, [640, 64], [128], 100.0)
    sim = simulate(scenario(), [[plan]])
    npu = sim.masters[0]
    assert npu.bytes_requested == npu.bytes_delivered == 3 * (640 + 64 + 128)


def test_token_bucket_envelope_and_fifo_sharing():
    tb = {"kind": "token_bucket", "name": "cpu", "sigma_bytes": 8192, "rate_gbps": 1.0, "request_bytes": 4096}
    plan = uniform_layer("a", 1, [10240], [1024], 100.0)
    alone = simulate(scenario(), [[plan]]).frames[0].latency_ns
    shared = simulate(scenario(masters=[tb]), [[plan]])
    # The CPU's two-request burst at t=0 is queued first: 8192 B at 10 B/ns delay the NPU by 819.2 ns.
    assert shared.frames[0].latency_ns == pytest.approx(alone + 819.2)
    cpu = shared.masters[1]
    assert cpu.bytes_requested <= 8192 + 1.0 * shared.end_ns + 4096


def test_compute_cycles_rule():
    acc = AcceleratorSpec(rows=8, cols=8, freq_mhz=1000.0, sram_kib=64)
    conv = Layer("c", "conv", (16, 4, 4), ("input",), macs=16 * 16 * 3 * 9, kernel=(3, 3), in_channels_per_group=3)
    # K = 27 → ⌈27/8⌉ = 4 row passes, 16 outputs → 2 column passes, 16 pixels.
    assert compute_cycles(conv, acc) == 16 * 4 * 2
    dw = Layer("d", "conv", (32, 4, 4), ("input",), macs=32 * 16 * 9, kernel=(3, 3), in_channels_per_group=1)
    assert compute_cycles(dw, acc) == 16 * 2 * 4
    fc = Layer("f", "fc", (10, 1, 1), ("input",), macs=100 * 10, in_channels_per_group=100)
    assert compute_cycles(fc, acc) == 13 * 2
    pool = Layer("p", "pool", (8, 2, 2), ("input",), ops=128)
    assert compute_cycles(pool, acc) == 16


def test_plan_layer_tiling_rule():
    acc = AcceleratorSpec(rows=8, cols=8, freq_mhz=1000.0, sram_kib=64)
    # 32 KiB per half: working set 40 KiB weights + 16 KiB in + 16 KiB out = 72 KiB → 3 tiles.
    layer = Layer("c", "conv", (8, 32, 32), ("input",), macs=8 * 1024 * 72, weight_bytes=40960,
                  ifmap_bytes=16384, kernel=(3, 3), in_channels_per_group=8)
    assert tile_count(layer, acc) == 3
    ins = np.full(8, 2048, dtype=np.int64)
    outs = np.full(8, 2048, dtype=np.int64)
    plan = plan_layer(layer, acc, 64, [ins], outs)
    assert [len(t.read_bytes) for t in plan.tiles] == [1 + 2, 1 + 3, 1 + 3]
    assert [t.read_bytes[0] for t in plan.tiles] == [13696] * 3  # ⌈40960/3⌉ rounded up to 64 B
    assert sum(len(t.write_bytes) for t in plan.tiles) == 8
    assert plan.compute_ns == pytest.approx(sum(t.compute_ns for t in plan.tiles))


@pytest.mark.parametrize(
    "policy,expected",
    [
        ("fifo", ["a", "a", "b", "c", "a", "b"]),
        ("round_robin", ["a", "b", "c", "a", "b", "a"]),
        ("fixed_priority", ["a", "a", "a", "b", "b", "c"]),
    ],
)
def test_arbiter_grant_order(policy, expected):
    env = simpy.Environment()
    arb = ARBITERS[policy](env, ["a", "b", "c"])
    log = []

    def client(name, delay):
        yield env.timeout(delay)
        yield arb.request(name)
        log.append(name)
        yield env.timeout(10)
        arb.release()

    # a holds first; then requests arrive: a, b, c, a, b in that order while the path is busy.
    for name, delay in [("a", 0), ("a", 1), ("b", 2), ("c", 3), ("a", 4), ("b", 5)]:
        env.process(client(name, delay))
    env.run()
    assert log == expected
