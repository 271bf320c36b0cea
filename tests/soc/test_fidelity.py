"""One model, two fidelities: fast (fluid) matches burst (every bus burst an event) within 2 %.

Also conservation (every byte requested is delivered once, no transaction lost or doubled) and
determinism (same seed, identical results) in both fidelities.
"""

import dataclasses

import pytest

from socsim.pipeline import run_scenario
from socsim.scenario import Scenario
from socsim.soc.system import simulate

from paths import SCENARIOS
from soc_helpers import both_fidelities, make_scenario, uniform_layer

LPDDR4 = {"preset": "lpddr4-3200"}
ISP = {"kind": "isp", "name": "isp", "width": 1024, "height": 64, "fps": 2000, "bytes_per_pixel": 2}
DISPLAY = {"kind": "display", "name": "disp", "width": 1280, "height": 720, "fps": 60, "fifo_bytes": 16384,
           "request_bytes": 2048}
CPU = {"kind": "cpu", "name": "cpu", "rate_gbps": 1.0, "request_bytes": 64, "burst_bytes": 16384,
       "arrivals": "bursty", "read_fraction": 0.6}
CPU_RANDOM = {"kind": "cpu", "name": "rt", "rate_gbps": 0.1, "request_bytes": 64, "burst_bytes": 1024,
              "addresses": "random", "read_fraction": 0.8}
TB = {"kind": "token_bucket", "name": "tb", "sigma_bytes": 65536, "rate_gbps": 1.5, "request_bytes": 4096,
      "read_fraction": 0.5}

# (id, scenario keyword arguments); every case runs the same three-layer plan.
CASES = [
    ("simple-rr", dict(arbitration="round_robin", masters=[TB, CPU, DISPLAY])),
    ("simple-fifo-alone", dict(arbitration="fifo", masters=[])),
    ("lpddr4-rr", dict(arbitration="round_robin", dram=LPDDR4, masters=[ISP, DISPLAY, CPU, CPU_RANDOM])),
    ("lpddr4-priority", dict(arbitration="fixed_priority", dram=LPDDR4, masters=[DISPLAY, CPU, CPU_RANDOM],
                             bus={"priorities": {"disp": 0, "rt": 1, "npu": 2}})),
    ("lpddr4-wrr", dict(arbitration="weighted_round_robin", dram=LPDDR4, masters=[TB, CPU],
                        bus={"weights": {"npu": 4, "tb": 1, "cpu": 2}})),
    ("lpddr4-tdma", dict(arbitration="tdma", dram=LPDDR4, masters=[TB, DISPLAY],
                         bus={"tdma": {"slot_ns": 2000.0, "table": ["npu", "npu", "tb", "npu", "disp"]}})),
    ("lpddr4-budget", dict(arbitration="budget", dram=LPDDR4, masters=[TB, CPU],
                           bus={"budget": {"period_ns": 5000.0, "bytes": {"tb": 4096, "cpu": 8192}}})),
    ("ddr4-rr", dict(arbitration="round_robin", dram={"preset": "ddr4-3200"}, masters=[ISP, CPU])),
    ("lpddr5-rr-4ch", dict(arbitration="round_robin", dram={"preset": "lpddr5-6400"}, channels=4,
                           bus={"width_bytes": 64, "freq_mhz": 2000.0}, masters=[ISP, DISPLAY, CPU, CPU_RANDOM])),
    ("one-bank-interleaved", dict(arbitration="round_robin", masters=[TB],
                                  dram={"peak_gbps": 10.0, "latency_ns": 50.0, "model": "timing", "timing": {
                                      "channels": 1, "banks": 1, "row_bytes": 2048, "t_cl_ns": 10.0,
                                      "t_rcd_ns": 12.0, "t_rp_ns": 12.0, "t_rfc_ns": 0.0, "t_refi_ns": 3900.0,
                                      "t_w2r_ns": 0.0, "t_r2w_ns": 0.0, "write_batch_bytes": 4096}})),
]


def plans():
    a = uniform_layer("a", 4, [16384] * 6, [8192] * 3, 4000.0)
    b = uniform_layer("b", 3, [32768] * 2 + [4096] * 8, [16384], 9000.0)
    c = uniform_layer("c", 2, [65536], [65536], 2000.0)
    return [[a, b, c]]


def build(kw):
    kw = dict(kw)
    channels = kw.pop("channels", 2)
    return make_scenario(channels=channels, dma={"max_outstanding": 16}, **kw)


@pytest.mark.parametrize("case,kw", CASES, ids=[c[0] for c in CASES])
def test_fast_matches_burst_within_two_percent(case, kw):
    s = build(kw)
    fast = simulate(s, plans(), "fast")
    burst = simulate(s, plans(), "burst")
    assert fast.frames[0].latency_ns == pytest.approx(burst.frames[0].latency_ns, rel=0.02)
    for f, b in zip(fast.masters, burst.masters):
        assert f.name == b.name
        # Masters stop at the frame's end, which differs by up to 2 %: a request due in between
        # counts at one fidelity only.
        one_request = b.bytes_delivered / max(b.requests, 1)
        assert f.bytes_delivered == pytest.approx(b.bytes_delivered, rel=0.02, abs=one_request)


def test_interleaved_masters_in_one_bank_miss_on_every_switch():
    s = build(dict(CASES[-1][1]))
    burst = simulate(s, plans(), "burst")
    npu, tb = burst.masters
    assert npu.row_misses > 0.4 * npu.bursts and tb.row_misses > 0.4 * tb.bursts
    # One DMA channel alone in the bank: one stream, a miss per row only (two channels would
    # interleave their own rows in the bank: test_streams_sharing_a_bank_do_not_hit_each_others_rows).
    alone = simulate(build({**CASES[-1][1], "masters": [], "channels": 1}), plans(), "burst")
    assert alone.masters[0].row_misses < 0.05 * alone.masters[0].bursts


@both_fidelities
def test_codec_engine_can_be_the_bottleneck(fidelity):
    # 8 B/cycle at 1 GHz = 8 GB/s of raw bytes; each descriptor is 4× compressed: the DRAM could
    # move 10 GB/s of compressed data (40 GB/s raw), so the engine sets the pace.
    coded = dict(read_raw_bytes=(65536,) * 4, read_coded=(True,) * 4)
    plan = uniform_layer("a", 1, [16384] * 4, [64], 10.0, **coded)
    s = make_scenario(channels=2, dma={"max_outstanding": 64, "codec_engine": {"bytes_per_cycle": 8,
                                                                                "freq_mhz": 1000.0,
                                                                                "latency_cycles": 20}})
    sim = simulate(s, [[plan]], fidelity)
    load = sim.frames[0].layers[0].tile_spans[0][0]
    assert load == pytest.approx(4 * 65536 / 8.0, rel=0.02)
    assert sim.engine_busy_ns == pytest.approx(4 * 65536 / 8.0)


@pytest.mark.parametrize("case,kw", [CASES[2], CASES[4]], ids=[CASES[2][0], CASES[4][0]])
@both_fidelities
def test_conservation_and_no_transaction_lost_or_doubled(case, kw, fidelity):
    s = build(kw)
    sim = simulate(s, plans(), fidelity)
    descriptors = sum(len(t.read_bytes) + len(t.write_bytes) for layer in plans()[0] for t in layer.tiles)
    assert sim.masters[0].requests == descriptors
    for m in sim.masters:
        assert m.bytes_requested == m.bytes_delivered > 0
    if fidelity == "burst":
        for m in sim.masters[1:]:
            # One latency per request: each completed exactly once.
            assert m.requests > 0 and m.bursts * 64 == m.bytes_delivered


@both_fidelities
def test_same_seed_gives_identical_results(fidelity):
    s = build(CASES[2][1])
    a = dataclasses.asdict(simulate(s, plans(), fidelity))
    b = dataclasses.asdict(simulate(s, plans(), fidelity))
    assert a == b
    other = build({**CASES[2][1], "seed": 7})
    assert dataclasses.asdict(simulate(other, plans(), fidelity))["masters"] != a["masters"]


def test_small_scenario_fast_matches_burst():
    path = SCENARIOS / "mobilenet_v1_small.yaml"
    s = Scenario.from_yaml(path, {"workload": {"model": "mobilenet_v1", "height": 64, "width": 64,
                                               "images": ["skimage"]}, "period_ms": 2.0})
    fast = run_scenario(s, fidelity="fast").result
    burst = run_scenario(s, fidelity="burst").result
    assert fast.sim.fidelity == "fast" and burst.sim.fidelity == "burst"
    for f, b in zip(fast.frames, burst.frames):
        assert f.latency_ms == pytest.approx(b.latency_ms, rel=0.02)
    for f, b in zip(fast.masters, burst.masters):
        assert f.bytes_delivered == pytest.approx(b.bytes_delivered, rel=0.02)
        assert f.bytes_requested == f.bytes_delivered and b.bytes_requested == b.bytes_delivered
    # The SoC part of the result contract (socsim.result).
    npu, cpu = fast.masters
    assert npu.kind == "npu" and npu.envelope is None and cpu.kind == "cpu"
    assert cpu.envelope.rate_gbps == 2.0 and cpu.envelope.sigma_bytes == 65536
    assert 0 < npu.dram_efficiency <= 1 and 0 <= npu.row_hit_rate <= 1 and 0 < npu.peak_fraction < 1
    dram = fast.dram
    assert dram.model == "timing" and 0 < dram.efficiency <= 1 and 0 < dram.refresh_fraction < 0.1
    assert dram.worst_case_service.rate_gbps < dram.worst_case_service_partitioned.rate_gbps
    assert dram.worst_case_service_partitioned.streams == 5  # loads and stores of 2 channels + the CPU
    assert fast.bus.arbitration == "round_robin"
    assert all(layer.bottleneck in ("compute", "dram", "codec_engine") for layer in fast.layers)
    assert not any(layer.resident for layer in fast.layers)  # the small scenario keeps nothing on chip


def test_cli_fidelity_option(tmp_path):
    from typer.testing import CliRunner

    from socsim.cli import app

    scen = tmp_path / "s.yaml"
    text = (SCENARIOS / "mobilenet_v1_small.yaml").read_text()
    scen.write_text(text.replace("  model: mobilenet_v1\n", "  model: mobilenet_v1\n  height: 32\n  width: 32\n")
                    .replace("deadline_ms: 33.3", "deadline_ms: 33.3\nperiod_ms: 1.0"))
    res = CliRunner().invoke(app, ["run", str(scen), "--frames", "1", "--fidelity", "burst", "-q",
                                   "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert '"fidelity": "burst"' in (tmp_path / "out" / "result.json").read_text()
    bad = CliRunner().invoke(app, ["run", str(scen), "--fidelity", "exact"])
    assert bad.exit_code == 2


def test_streams_sharing_a_bank_do_not_hit_each_others_rows():
    """Regression: the burst fidelity compared row numbers only, so two DMA channels reading row k of
    their own streams in one bank "hit" each other's rows (65 misses, fewer than the 129 rows they
    cross in two banks). Now each stream owns its rows (DramModel.stream_row): a miss at every switch
    between the channels' windows of 16 bursts, on top of the rows crossed."""
    timing = dict(CASES[-1][1]["dram"]["timing"])
    plan = uniform_layer("a", 1, [65536] * 4, [64], 10.0)

    def misses(banks):
        dram = {**CASES[-1][1]["dram"], "timing": {**timing, "banks": banks}}
        sim = simulate(make_scenario(channels=2, dram=dram, dma={"max_outstanding": 16}), [[plan]], "burst")
        return sim.masters[0].row_misses, sim.masters[0].bursts

    own, _ = misses(2)
    shared, bursts = misses(1)
    assert own == 4 * 65536 // 2048 + 1  # every row crossed once, and the 64 B store
    assert shared >= max(own, bursts // 16)


# Per-descriptor pipeline effects of small transfers that the fast fidelity follows (each case one
# frame of a few hundred ns to a few µs, where one row activation or one round trip is a few per cent).
PIPELINE_CASES = [
    # One burst each way: first use of a closed bank (tRCD) plus one latency, not a window's rate.
    ("single-burst", dict(channels=1, dram=LPDDR4, dma={"max_outstanding": 2}),
     [uniform_layer("a", 1, [64], [64], 50.0)]),
    # 17 bursts through a window of 8: rounds of 8 bursts one round trip apart.
    ("window-rounds", dict(channels=4, dram={"preset": "lpddr5-6400"}, bus={"width_bytes": 32},
                           dma={"max_outstanding": 8}),
     [uniform_layer("a", 1, [1088], [64], 500.0)]),
    # A slow codec engine compresses one store while the next, uncompressed, store of the same
    # channel bypasses it within the window room the first leaves.
    ("engine-and-bypass", dict(channels=1, dram={"preset": "lpddr5-6400"}, arbitration="round_robin",
                               dma={"max_outstanding": 32, "codec_engine": {"bytes_per_cycle": 4, "freq_mhz": 500,
                                                                            "latency_cycles": 16}}),
     [uniform_layer("a", 1, [2496], [1728], 500.0, read_raw_bytes=(4992,), read_coded=(True,),
                    write_raw_bytes=(3456,), write_coded=(True,)),
      uniform_layer("b", 1, [64], [3520, 192], 0.0)]),
    # A fast engine behind a window of 8: the compressed bursts come back one engine time apart, in
    # rounds one round trip apart; the store's three descriptors go on in one run.
    ("compressed-rounds", dict(channels=1, dram={"preset": "lpddr5-6400"},
                               dma={"max_outstanding": 8, "codec_engine": {"bytes_per_cycle": 32, "freq_mhz": 500,
                                                                           "latency_cycles": 16}}),
     [uniform_layer("a", 1, [6720], [1408, 1408, 3008], 0.0, read_raw_bytes=(13440,), read_coded=(True,),
                    write_raw_bytes=(2816, 2816, 6016), write_coded=(True,) * 3)]),
]


@pytest.mark.parametrize("case,kw,layers", PIPELINE_CASES, ids=[c[0] for c in PIPELINE_CASES])
def test_fast_follows_the_descriptor_pipeline(case, kw, layers):
    kw = dict(kw)
    s = make_scenario(channels=kw.pop("channels"), dma=kw.pop("dma"), **kw)
    fast = simulate(s, [layers], "fast").frames[0].latency_ns
    burst = simulate(s, [layers], "burst").frames[0].latency_ns
    assert fast == pytest.approx(burst, rel=0.02)


REFRESH_ALMOST_ALL = {"preset": "lpddr4-3200", "timing": {
    "channels": 4, "banks": 8, "row_bytes": 8192, "t_cl_ns": 17.5, "t_rcd_ns": 18, "t_rp_ns": 18, "t_rfc_ns": 3850,
    "t_refi_ns": 3904, "t_w2r_ns": 27.5, "t_r2w_ns": 5, "write_batch_bytes": 8192}}


@pytest.mark.parametrize("period_ms", [1.0, 40.0], ids=["blackouts resolved", "blackouts averaged"])
@pytest.mark.parametrize("channels", [1, 2])
def test_refresh_leaving_a_few_bursts_per_interval_still_serves(period_ms, channels):
    """tRFC 3850 of tREFI 3904 ns leaves 54 ns, a tRCD and a few bursts, per interval: the fast fidelity
    serves them (it once charged every stream's reopening, more than the 54 ns, and stalled);
    resolved blackouts with one stream agree with the burst fidelity."""
    s = make_scenario(channels=channels, dram=REFRESH_ALMOST_ALL, period_ms=period_ms, deadline_ms=period_ms)
    plan = [[uniform_layer("a", 2, [16384] * 2, [16384], 1000.0)]]
    fast = simulate(s, plan, "fast").frames[0].latency_ns
    burst = simulate(s, plan, "burst").frames[0].latency_ns
    assert 0 < fast < 3 * burst
    if period_ms == 1.0 and channels == 1:
        assert fast == pytest.approx(burst, rel=0.03)
