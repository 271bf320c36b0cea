"""Address regions (``socsim.regions``): the default layout is the bank-partitioned map as it was,
bad regions are one-line errors, and a region moves a stream's bursts in both fidelities, the
command-level controller and the bound."""

import pytest
from soc_helpers import make_scenario, uniform_layer

from socsim.analysis.bounds import bound_frames, npu_shares_banks, streams_share_banks
from socsim.errors import ScenarioError
from socsim.model.address_map import AddressMap
from socsim.model.dram import DramModel
from socsim.regions import Place, default_layout, scenario_layout
from socsim.soc.system import simulate

TIMING = {"preset": "lpddr4-3200"}
CPU = {"kind": "cpu", "name": "cpu", "rate_gbps": 1.0, "request_bytes": 64, "burst_bytes": 4096,
       "arrivals": "bursty", "addresses": "sequential", "read_fraction": 0.5, "seed": 1}


def _old_layout(n: int, channels: int, masters: int):
    """The bank-partitioned map as ``socsim.model.dram`` wrote it before regions: (banks per channel,
    banks per master, the bank row of row r of stream s)."""
    split = 2 * channels + masters <= n
    streams = (2 if split else 1) * channels + masters
    if split:
        chans = [(2 * c, 2 * c + 1) for c in range(channels)]
        mbanks = [(2 * channels + k) % n for k in range(masters)]
    else:
        chans = [(c % n, c % n) for c in range(channels)]
        mbanks = [(channels + k) % n for k in range(masters)]
    return chans, mbanks, lambda r, s: r * streams + s, split


@pytest.mark.parametrize("n", [1, 2, 3, 8, 16])
@pytest.mark.parametrize("channels", [1, 2, 4])
@pytest.mark.parametrize("masters", [0, 1, 3, 6])
def test_default_layout_is_the_old_bank_partitioned_map(n, channels, masters):
    chans, mbanks, row, split = _old_layout(n, channels, masters)
    layout = default_layout(n, channels, masters)
    assert layout.split == split
    assert [(lo.bank, st.bank) for lo, st in layout.channels] == chans
    assert [p.bank for p in layout.masters] == mbanks
    for s, place in enumerate(layout.streams()):
        assert [place.row(r) for r in (0, 1, 7, 1000)] == [row(r, s) for r in (0, 1, 7, 1000)]
    assert layout.any_shared == (layout.stream_count > n)


def _region(bank, first_row=0, rows=None):
    return {"bank": bank, "first_row": first_row, **({"rows": rows} if rows else {})}


def _dma(*pairs):
    return {"regions": [{"loads": lo, "stores": st} for lo, st in pairs]}


@pytest.mark.parametrize("dma, masters, message", [
    (_dma((_region(0), _region(9))), [], "soc.dma.regions[0].stores.bank=9: the DRAM has 8 banks (0 to 7)"),
    (_dma((_region(0, 0, 10), _region(0, 5, 10))), [],
     "soc.dma.regions[0].stores: rows 5 to 14 of bank 0 overlap soc.dma.regions[0].loads (rows 0 to 9)"),
    (_dma((_region(0), _region(1))), [{**CPU, "region": _region(1, 100)}],
     "masters[0].region: rows 100 to the last of bank 1 overlap soc.dma.regions[0].stores (rows 0 to the last)"),
    (None, [{**CPU, "region": _region(0, 100)}],
     "masters[0].region.bank=0: the accelerator's channel 0 loads lies in that bank by default"),
    (_dma((_region(0), _region(1)), (_region(2), _region(3))), [], "soc.dma.regions: 2 entries for soc.dma.channels=1"),
    (_dma((_region(0, 0, 1), _region(1))), [], "soc.dma.regions[0].loads.rows=1: Input should be greater than or equal to 2"),
])
def test_bad_regions_are_one_line_errors(dma, masters, message):
    with pytest.raises(ScenarioError) as err:
        make_scenario(dram=TIMING, dma=dma, masters=masters)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_command_device_bounds_the_rows():
    dram = {"preset": "ddr4-3200", "model": "command"}
    rows = make_scenario(dram=dram).soc.dram.address_space[1]
    with pytest.raises(ScenarioError, match=rf"rows=8: rows {rows - 4} to {rows + 3} pass the bank's last row {rows - 1}"):
        make_scenario(dram=dram, dma=_dma((_region(0, rows - 4, 8), _region(1))))
    ok = make_scenario(dram=dram, dma=_dma((_region(0, rows - 4, 4), _region(1, 0))))
    layout = scenario_layout(ok.soc, ok.masters)
    assert layout.channels[0][0] == Place(0, rows - 4, 1, 4) and layout.channels[0][1] == Place(1, 0, 1, rows)
    assert [layout.channels[0][0].row(r) for r in range(6)] == [rows - 4, rows - 3, rows - 2, rows - 1, rows - 4, rows - 3]


def _plans():
    return [[uniform_layer("a", 4, [8192], [4096], 200.0)]]


def test_explicit_regions_of_the_default_banks_reproduce_the_default_run():
    # Each stream alone in its default bank: only which bank and whether its rows change matter,
    # so both fidelities give exactly the default run.
    default = make_scenario(channels=1, dram=TIMING, masters=[CPU])
    explicit = make_scenario(channels=1, dram=TIMING, masters=[{**CPU, "region": _region(2, 7)}],
                             dma=_dma((_region(0, 3), _region(1, 0, 50))))
    for fidelity in ("fast", "burst"):
        a, b = simulate(default, _plans(), fidelity), simulate(explicit, _plans(), fidelity)
        assert [f.latency_ns for f in a.frames] == [f.latency_ns for f in b.frames]
        assert [m.row_misses for m in a.masters] == [m.row_misses for m in b.masters]


def test_a_shared_bank_costs_row_conflicts_in_both_fidelities_and_the_bound():
    # 0.2 GB/s: in a shared bank every CPU burst is bounded at a row conflict of its own and one it
    # causes, so at 1 GB/s the CPU alone could take the whole DRAM and no bound would exist.
    cpu = {**CPU, "rate_gbps": 0.2}
    apart = make_scenario(channels=1, dram=TIMING, masters=[{**cpu, "region": _region(2)}],
                          dma=_dma((_region(0), _region(1))))
    shared = make_scenario(channels=1, dram=TIMING, masters=[{**cpu, "region": _region(0, 1000)}],
                           dma=_dma((_region(0, 0, 1000), _region(1))))
    plans = [[uniform_layer("a", 16, [16384], [4096], 500.0)]]
    assert not streams_share_banks(DramModel.from_spec(apart.soc), apart)
    # The CPU shares the accelerator's loads bank: the CPU's bursts are charged the conflicts.
    assert streams_share_banks(DramModel.from_spec(shared.soc), shared)
    assert not npu_shares_banks(DramModel.from_spec(shared.soc), shared)
    for fidelity in ("fast", "burst"):
        a, s = simulate(apart, plans, fidelity), simulate(shared, plans, fidelity)
        assert sum(m.row_misses for m in s.masters) > 1.5 * sum(m.row_misses for m in a.masters)
        assert s.frames[0].latency_ns > a.frames[0].latency_ns
    bound_apart, bound_shared = bound_frames(apart, plans), bound_frames(shared, plans)
    assert bound_shared.frames_ns[0] > bound_apart.frames_ns[0]
    assert simulate(shared, plans, "burst").frames[0].latency_ns <= bound_shared.frames_ns[0]


def test_command_controller_puts_a_stream_in_its_regions_bank():
    dram = {"preset": "ddr4-3200", "model": "command"}
    sc = make_scenario(dram=dram, dma=_dma((_region(5, 40, 8), _region(1))))
    d = sc.soc.dram.resolved_device
    from socsim.soc.command_controller import CommandMemoryController  # noqa: PLC0415

    seen = []
    orig = CommandMemoryController._addresses

    def spy(self, bank, row):
        out = orig(self, bank, row)
        seen.extend(out)
        return out

    CommandMemoryController._addresses = spy
    try:
        simulate(sc, [[uniform_layer("a", 1, [32768], [64], 10.0)]], "burst")
    finally:
        CommandMemoryController._addresses = orig
    amap = AddressMap.of(d.address_mapping, d.burst_bytes, {"ch": 1, "ra": d.ranks, "bg": d.bankgroups,
                                                             "ba": d.banks_per_group, "ro": d.rows, "co": d.columns // d.BL})
    places = {(a.bankgroup, a.bank, a.row) for a in map(amap.decode, seen)}
    # Bank 5 of 16 (4 bank groups): bank group 5 mod 4 = 1, bank 5 // 4 = 1; the loads' rows 40..43
    # (32 KiB of 8 KiB rows), the store's 64 B in bank 1 (bank group 1, bank 0), row 0.
    assert places == {(1, 1, 40), (1, 1, 41), (1, 1, 42), (1, 1, 43), (1, 0, 0)}


def test_the_accelerators_own_streams_in_one_bank_cost_a_conflict_per_burst():
    # Loads and stores in one bank (disjoint rows): each may close the other's row at every burst.
    together = make_scenario(channels=1, dram=TIMING, dma=_dma((_region(0, 0, 1000), _region(0, 1000))))
    apart = make_scenario(channels=1, dram=TIMING, dma=_dma((_region(0), _region(1))))
    assert npu_shares_banks(DramModel.from_spec(together.soc), together)
    plans = [[uniform_layer("a", 16, [16384], [4096], 500.0)]]
    bound_together, bound_apart = bound_frames(together, plans), bound_frames(apart, plans)
    assert bound_together.frames_ns[0] > bound_apart.frames_ns[0]
    sim = simulate(together, plans, "burst")
    assert sim.masters[0].row_misses > simulate(apart, plans, "burst").masters[0].row_misses
    assert sim.frames[0].latency_ns <= bound_together.frames_ns[0]
