"""The rate solver of the fast fidelity: from the flows' state to every flow's rate.

1. Cost per byte κ of each flow (``fluid_costs``): a master's from its bank and address pattern
   (its lumps' own row accesses while it has a backlog), a channel's from the descriptor at its
   server cursor; plus, for a stream that shares its bank with other active streams on other rows,
   a conflict on the share min(1, X/x) of its bursts that follow another stream's (x its rate, X
   the others' in that bank, from the previous pass; every burst in the first, and passes repeat
   until the rates settle: ``_shared_fixed_point``), and for written bytes the turnaround share.
   On the command-level DRAM every flow's κ is instead that of the mix of active streams in the
   proportions of their rates (``_mix_kappa``, ``socsim.model.dram_steady.mix_ns_per_byte``), and a
   channel moves no faster than its stream alone in its bank, nor, once the rates are known, than
   its share of what the channels' streams get beside the other masters at their rates
   (``ChannelFlow.stream_cap``, ``_channel_cap``).
2. Capacity: server time per ns — 1, or 0 during a refresh stop when blackouts are resolved;
   1 − (tRFC + Σ_s p_s·δ_s)/tREFI when they are averaged (every stream a refresh interval reaches
   reopens its row: ``fluid_costs.reopen_ns``; when tREFI − tRFC is too short to reach them all,
   the streams not reached lose the interval's rest instead: ``fluid_costs.interval_lost_ns``).
3. Demands: a master with a backlog asks for ∞, one without for its arrival rate; the accelerator
   for what its channels' server stages can take: ∞ while one has bursts queued beyond its
   window's steady flow (``filling``), else Σ_c min(window cap, what its engine stage passes). The
   window cap is window/rtt (Little's law) with rtt = κ_c·b + L [+ engine latency and one burst of
   engine time] + the residual service Σ_j u_j·c_j/2 of other masters' bursts [× the share of time
   a closed loop keeps moving through averaged refresh blackouts].
4. Rates: the arbiter's fluid rule (``Arbiter.fluid_rates``), except FIFO (``fifo_rates``). Within
   the accelerator (``split_channels``) the server serves queued lumps in issue order and shares
   the rest at equal byte rates under the caps; the codec engine serves bursts waiting at it in
   arrival order, then equal shares.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from socsim.model.arbitration import Arbiter
from socsim.model.dram import DramModel
from socsim.model.dram_steady import Mix, MixStream
from socsim.model.engine import CodecEngine
from socsim.soc.fluid_costs import (
    averaged_capacity,
    conflict_share,
    interval_lost_ns,
    read_share,
    reopen_chance,
    reopen_ns,
    residual_wait,
    shared_bank_cost,
    window_cap,
    window_keep,
)
from socsim.soc.fluid_fifo import backlog_age, fifo_queue_ns, fifo_rates, npu_issue_rate
from socsim.soc.fluid_flows import (
    CODED_LOAD,
    CODED_STORE,
    UNCODED,
    ChannelFlow,
    MasterFlow,
)

INF = math.inf
EPS_BYTES = 1e-3


@dataclass
class Solution:
    """Per master (accelerator first): demand, cost per byte and rate; the capacity they shared."""

    demand: list[float]
    kappa: list[float]
    capacity: float
    rates: list[float]
    shared_banks: bool = False
    """Some bank had more than one active stream (the conflict shares depend on the rates)."""


@dataclass(frozen=True)
class SolverSetup:
    """What the solver needs of the chip (fixed for a simulation)."""

    model: DramModel
    arbiter: Arbiter
    engine: CodecEngine | None
    window_bytes: int
    """max_outstanding·b of every channel (bytes)."""
    averaged_refresh: bool
    """Refresh blackouts as a capacity share (else the system stops the server during them)."""
    may_share: bool
    """Some streams share a bank (more streams than banks)."""
    mix_kappa: Callable[[Mix], float] | None = None
    """Command-level DRAM: server time per byte of a mix of streams (``socsim.model.dram_steady.
    mix_ns_per_byte``), which then replaces every flow's row, sharing and turnaround costs; None
    for the reduced models."""
    saturating_gbps: Callable[[tuple[MixStream, ...], tuple[tuple[MixStream, float], ...]], float] | None = None
    """Command-level DRAM: bytes per ns saturating streams get beside streams offered at given rates
    (``socsim.model.dram_steady.saturating_gbps``); None for the reduced models."""


def solve(setup: SolverSetup, busy: list[ChannelFlow], masters: list[MasterFlow], available: bool) -> Solution:
    """Costs, demands and rates of every flow (steps 1–4 of the module docstring); sets the channels'
    and masters' rates. Two passes when the first one's rates change what it assumed."""
    first = _pass(setup, busy, masters, available, None)
    if first.shared_banks and setup.may_share:
        return _shared_fixed_point(setup, busy, masters, available, first)
    if first.shared_banks or _second_pass_needed(setup, busy, first):
        return _pass(setup, busy, masters, available, first.rates)
    return first


SHARED_PASSES_MAX = 32
"""Most passes of the fixed point when streams share a bank (count)."""
SHARED_RATES_REL = 1e-4
"""The fixed point stops when no rate moves by more than this share of itself from one pass to the next."""


def _shared_fixed_point(setup: SolverSetup, busy: list[ChannelFlow], masters: list[MasterFlow], available: bool,
                        first: Solution) -> Solution:
    """Passes until the rates settle, when streams share a bank (not for one channel's compressed
    and uncompressed stores in one bank: two passes as before there): a stream's conflict share is the
    others' rate in its bank over its own (``fluid_costs.conflict_share``), and the rates depend on
    the shares. One pass from the first one's rates, where every shared burst was a conflict,
    overcharges a fast stream beside a slow one several times over (the accelerator beside a camera
    ISP: 4× the burst fidelity's frame time on FCN-8s at 256×512; within 0.5 % once settled)."""
    sol = _pass(setup, busy, masters, available, first.rates)
    for _ in range(SHARED_PASSES_MAX - 2):
        prev = sol.rates
        sol = _pass(setup, busy, masters, available, prev)
        if all(abs(x - y) <= SHARED_RATES_REL * max(abs(x), abs(y)) for x, y in zip(prev, sol.rates)):
            break
    return sol


def _pass(setup: SolverSetup, busy: list[ChannelFlow], masters: list[MasterFlow], available: bool,
          rates: list[float] | None) -> Solution:
    model = setup.model
    mix = _mix_kappa(setup, busy, masters, rates)
    cap = _channel_cap(setup, busy, masters, rates) if mix is not None else None
    bank_rate = _bank_rates(setup, busy, masters, rates)
    p_read = _read_share(model, busy, masters, rates)
    reopen = _master_costs(setup, masters, bank_rate, p_read, rates, mix)
    wait = 0.0 if rates is None else residual_wait(model, [(m.rate, m.kappa) for m in masters])
    if setup.arbiter.name == "fifo":
        wait += fifo_queue_ns(masters)
    reopen = _channel_costs(setup, busy, bank_rate, p_read, rates, wait, mix, cap) + reopen
    if setup.averaged_refresh:
        capacity = averaged_capacity(model, interval_lost_ns(model, reopen)) if available else 0.0
    else:
        capacity = 1.0 if available else 0.0
    # The channels' engine rates and server caps hold for the whole pass (the arbiter changes neither).
    limits = channel_limits(busy, _engine_gbps(setup))
    npu_demand, npu_kappa = _npu_demand(setup, busy, rates, limits[1])
    demand = [npu_demand] + [m.demand for m in masters]
    kappa = [npu_kappa] + [m.kappa for m in masters]
    if setup.arbiter.name == "fifo":
        out = fifo_rates(demand, kappa, capacity, [npu_age(busy)] + [m.head_age for m in masters],
                         [npu_issue_rate(busy)] + [m.arrival for m in masters],
                         [sum(ch.fill for ch in busy) * npu_kappa] + [m.backlog * m.kappa for m in masters],
                         [None] + [backlog_age(m) for m in masters])
    else:
        out = setup.arbiter.fluid_rates(demand, kappa, capacity)
    kappa[0] = _apply_npu_share(busy, out[0] * kappa[0], npu_kappa, limits)
    if busy and kappa[0] > 0:
        out[0] = sum(ch.srv_rate for ch in busy)
    for m, x in zip(masters, out[1:]):
        m.rate = x
    free = capacity - sum(m.rate * m.kappa for m in masters)
    for ch in busy:
        ch.burst_gap = ch.kappa * model.burst_bytes / free if free > 0 else INF
    return Solution(demand, kappa, capacity, out, any(users > 1 for users, _ in bank_rate.values()))


MIX_WEIGHT_STEPS = 16
"""A mix's proportions are rounded to sixteenths (every stream at least one): few mixes to run."""


def _mix_kappa(setup: SolverSetup, busy: list[ChannelFlow], masters: list[MasterFlow],
               rates: list[float] | None) -> float | None:
    """Command-level DRAM: the server time per byte of the active streams served together
    (``SolverSetup.mix_kappa``); None for the reduced models or when nothing is active.

    With the previous pass's rates: every stream served at a positive rate, in the proportions of
    the rates. Without (a first pass, or none positive and finite): the busy channels' streams in
    their direction and the masters with a backlog (when there are none, the masters that trickle
    in), in equal proportions; a master that trickles in beside queued work then pays the mix's cost
    without entering it."""
    if setup.mix_kappa is None:
        return None
    weighted = []
    if rates is not None:
        weighted = [(_channel_stream(ch), ch.srv_rate) for ch in busy if ch.srv_rate > 0]
        weighted += [(_mix_stream(m), x) for m, x in zip(masters, rates[1:]) if x > 0]
    total = sum(x for _, x in weighted)
    if not total > 0 or math.isinf(total):  # no rates yet, or none to go by
        weighted = [(_channel_stream(ch), 1.0) for ch in busy] + [(_mix_stream(m), 1.0) for m in masters if m.backlog > 0]
        if not weighted:
            weighted = [(_mix_stream(m), 1.0) for m in masters if m.active]
        total = float(len(weighted))
    if not weighted:
        return None
    mix = sorted((s, max(1, round(MIX_WEIGHT_STEPS * x / total))) for s, x in weighted)
    common = math.gcd(*(w for _, w in mix))  # one key per proportion: 16:16 is 1:1
    return setup.mix_kappa(tuple((s, w // common) for s, w in mix))


RATE_STEP_SHARE = 1024
"""Offered rates are rounded up to steps of peak / 1024 for ``_channel_cap`` (few mixes to run)."""


def _channel_cap(setup: SolverSetup, busy: list[ChannelFlow], masters: list[MasterFlow],
                 rates: list[float] | None) -> float | None:
    """Command-level DRAM, with the previous pass's rates: what each busy channel's stream can move
    while the other masters are served at their rates (bytes/ns: the channels' streams saturating
    together, ``SolverSetup.saturating_gbps``, shared equally); None without rates (then each is
    capped alone in its bank)."""
    if rates is None or setup.saturating_gbps is None or not busy:
        return None
    step = setup.model.dram_gbps / RATE_STEP_SHARE
    offered = tuple(sorted((_mix_stream(m), math.ceil(x / step) * step)
                           for m, x in zip(masters, rates[1:]) if 0 < x < INF))
    return setup.saturating_gbps(tuple(sorted(_channel_stream(ch) for ch in busy)), offered) / len(busy)


def _channel_stream(ch: ChannelFlow) -> MixStream:
    return ch.stream(ch.desc.write).bank, 1.0 if ch.desc.write else 0.0, 0


def _mix_stream(m: MasterFlow) -> MixStream:
    return m.bank, m.write_fraction, m.request_bytes if m.random else 0


def _second_pass_needed(setup: SolverSetup, busy: list[ChannelFlow], sol: Solution) -> bool:
    """Whether the rates change what the first pass assumed (activity, bank sharing, waits, turnaround)."""
    for d, r in zip(sol.demand, sol.rates):
        if (d > 0) != (r > 0):
            return True
    if busy and any(r > 0 for r in sol.rates[1:]):
        return True
    if not setup.model.t_turn_ns:
        return False
    # The turnaround share depends on the rates unless an accelerator load runs meanwhile.
    return not any(not ch.desc.write for ch in busy) and any(r > 0 for r in sol.rates)


def npu_age(busy: list[ChannelFlow]) -> tuple[float, int] | None:
    """When the accelerator's oldest queued burst was issued (channels with a lump), None if none."""
    ages = [(ch.fill_since, ch.fill_order) for ch in busy if ch.filling and ch.lump and ch.cls != CODED_STORE]
    return min(ages) if ages else None


def _bank_rates(setup: SolverSetup, busy: list[ChannelFlow], masters: list[MasterFlow],
                rates: list[float] | None) -> dict[int, tuple[int, float]]:
    """Per bank: (active streams, their total rate) where streams share banks; also a channel's
    sequence and lane in one bank on different rows (a compressed store and an uncompressed one:
    the engine delays the first's bursts, so the two interleave their rows)."""
    out: dict[int, tuple[int, float]] = {}

    def add(bank: int, rate: float) -> None:
        users, total = out.get(bank, (0, 0.0))
        out[bank] = (users + 1, total + rate)

    if not setup.may_share:
        rows: dict[int, set[int]] = {}
        for ch in busy:
            rows.setdefault(ch.stream(ch.desc.write).bank, set()).add(ch.row)
        for ch in busy:
            bank = ch.stream(ch.desc.write).bank
            if len(rows[bank]) > 1:
                add(bank, ch.srv_rate if rates is not None else 0.0)
        return out

    for ch in busy:
        add(ch.stream(ch.desc.write).bank, ch.srv_rate if rates is not None else 0.0)
    for i, m in enumerate(masters, start=1):
        if (rates[i] > 0) if rates is not None else m.active:
            add(m.bank, rates[i] if rates is not None else 0.0)
    return out


def _read_share(model: DramModel, busy: list[ChannelFlow], masters: list[MasterFlow],
                rates: list[float] | None) -> float:
    if not model.t_turn_ns:
        return 0.0
    npu_reads = any(not ch.desc.write for ch in busy)
    if rates is None:
        return 1.0 if npu_reads or any(m.active and m.write_fraction < 1.0 for m in masters) else 0.0
    npu_writes = rates[0] if busy and not npu_reads else 0.0
    return read_share(model, npu_reads and rates[0] > 0, npu_writes,
                      [(r, m.write_fraction, m.request_bytes) for r, m in zip(rates[1:], masters)])


def _master_costs(setup: SolverSetup, masters: list[MasterFlow], bank_rate: dict[int, tuple[int, float]],
                  p_read: float, rates: list[float] | None, mix: float | None) -> list[tuple[float, float]]:
    """Set every master's demand, κ and per-byte counts (κ = ``mix`` when given); return (row
    reopening per refresh ns, server time of a request ns) of the active ones
    (``fluid_costs.interval_lost_ns``)."""
    model = setup.model
    turn = model.turn_kappa() * p_read
    tpb = p_read / model.write_batch_bytes if model.t_turn_ns else 0.0
    reopen = []
    for i, m in enumerate(masters, start=1):
        if mix is not None:
            m.kappa, m.miss_per_byte, m.turn_per_byte = mix, 0.0, 0.0
            m.demand = INF if m.backlog > 0 else m.arrival
            continue
        active = (rates[i] > 0) if rates is not None else m.active
        shared = active and bank_rate.get(m.bank, (0, 0.0))[0] > 1
        kappa, mpb = m.own_kappa, m.base_miss_per_byte
        if shared:
            share = conflict_share(bank_rate[m.bank][1], rates[i] if rates is not None else None)
            kappa, mpb = shared_bank_cost(model, kappa, mpb, share)
        m.kappa = kappa + m.write_fraction * turn
        m.miss_per_byte = mpb
        m.turn_per_byte = m.write_fraction * tpb
        m.demand = INF if m.backlog > 0 else m.arrival
        if active and model.row_bytes and setup.averaged_refresh:
            x = rates[i] if rates is not None else m.arrival
            p = reopen_chance(model, x, m.request_bytes, m.backlog > 0)
            reopen.append((p * reopen_ns(model, m.request_bytes, shared or m.random, m.backlog > 0),
                           m.request_bytes * m.kappa))
    return reopen


def _channel_costs(setup: SolverSetup, busy: list[ChannelFlow], bank_rate: dict[int, tuple[int, float]],
                   p_read: float, rates: list[float] | None, wait: float, mix: float | None,
                   cap: float | None = None) -> list[tuple[float, float]]:
    """Set every busy channel's κ (``mix`` when given), caps (its stream's ``cap`` when given, else
    alone in its bank) and per-byte counts; return (row reopening per refresh ns, server time of its
    window's bursts ns) of each (``fluid_costs.interval_lost_ns``)."""
    model = setup.model
    b = model.burst_bytes
    engine = setup.engine
    reopen = []
    for ch in busy:
        desc = ch.desc
        bank = ch.stream(desc.write).bank
        kappa, mpb = ch.own_kappa, 0.0
        if mix is not None:
            # Other streams fill the gaps this one leaves in its bank (tCCD_L, row openings): they
            # lower the mix's cost per byte, never this stream's own limit.
            kappa = mix
            alone = 1.0 / setup.mix_kappa(((_channel_stream(ch), 1),))
            ch.stream_cap = alone if cap is None else min(alone, cap)
        elif bank_rate.get(bank, (0, 0.0))[0] > 1:
            share = conflict_share(bank_rate[bank][1], ch.srv_rate if rates is not None else None)
            alone = 1.0 / model.row_bytes
            kappa, mpb = shared_bank_cost(model, kappa, alone, share)
            mpb -= alone
            reopen.append((-model.t_rp_ns, ch.window * kappa))
        else:
            reopen.append((model.t_rcd_ns, ch.window * kappa))
        ch.miss_per_byte = mpb
        ch.turn_per_byte = p_read / model.write_batch_bytes if desc.write and model.t_turn_ns else 0.0
        ch.kappa = kappa + (model.turn_kappa() * p_read if desc.write and mix is None else 0.0)
        rtt = ch.kappa * b + model.latency_ns + wait
        if desc.coded:
            rtt += engine.latency_ns + b * desc.rho / engine.gbps
        keep = window_keep(model, rtt) if setup.averaged_refresh else 1.0
        ch.rtt = rtt
        ch.cap = window_cap(ch.window, rtt, keep)
    return reopen


def _npu_demand(setup: SolverSetup, busy: list[ChannelFlow], rates: list[float] | None,
                caps: list[float]) -> tuple[float, float]:
    """(demand bytes/ns, κ) of the accelerator: what its channels' server stages can take, at their
    mean cost; ``caps``: their server caps (``channel_limits``), which is what
    ``split_channels(busy, INF, ...)`` gives them."""
    if not busy:
        return 0.0, setup.model.sequential_kappa()
    most = caps
    demand = sum(most)
    if rates is not None and rates[0] > 0:
        moved = [ch.srv_rate for ch in busy]
    elif math.isinf(demand):
        moved = [1.0 if math.isinf(x) else 0.0 for x in most]
    else:
        moved = most
    total = sum(moved)
    kappa = sum(x * ch.kappa for x, ch in zip(moved, busy)) / total if total > 0 else busy[0].kappa
    return demand, kappa


def _apply_npu_share(busy: list[ChannelFlow], server_time: float, kappa: float,
                     limits: tuple[list[float], list[float]]) -> float:
    """Split the accelerator's server time over its channels (sets their rates; ``limits`` from
    ``channel_limits``); return its mean κ."""
    if not busy:
        return kappa
    moved = 0.0
    engine, caps = limits
    for ch, y, e in zip(busy, share_server(busy, caps, server_time), engine):
        _pace(ch, e, y)
        ch.share = y * ch.kappa
        moved += y
    return server_time / moved if moved > 0 else kappa


def _engine_gbps(setup: SolverSetup) -> float:
    return setup.engine.gbps if setup.engine is not None else INF


def split_channels(busy: list[ChannelFlow], server_time: float, engine_gbps: float) -> list[tuple[float, float]]:
    """(server, engine) byte rates of the busy channels sharing ``server_time`` ns of server per ns
    and the engine's ``engine_gbps`` (``_pace`` turns them into each channel's rates).

    Each resource first serves bursts queued at it in a lump (``filling``: a channel that started
    with its window free), oldest first — the engine compressed stores in the order they reach
    it, the server loads and uncompressed transfers in the order they were issued — then shares
    what is left at equal byte rates under each channel's caps (water filling). A compressed
    load's server reads ahead of the engine and a store's writes behind it, within the window.
    """
    engine, caps = channel_limits(busy, engine_gbps)
    return list(zip(share_server(busy, caps, server_time), engine))


def channel_limits(busy: list[ChannelFlow], engine_gbps: float) -> tuple[list[float], list[float]]:
    """(engine byte rates, server caps) of the busy channels (``split_channels``)."""
    engine = _engine_rates(busy, engine_gbps)
    return engine, [_server_cap(ch, e) for ch, e in zip(busy, engine)]


def share_server(busy: list[ChannelFlow], caps: list[float], server_time: float) -> list[float]:
    """Server byte rates of the busy channels sharing ``server_time`` under ``caps`` (``split_channels``)."""
    out = [0.0] * len(busy)
    left = server_time
    filling = sorted((k for k, ch in enumerate(busy) if ch.filling and ch.lump and ch.cls != CODED_STORE),
                     key=lambda k: (busy[k].fill_since, busy[k].fill_order))
    for k in filling:
        x = min(caps[k], left / busy[k].kappa if left < INF else INF)
        out[k] = x
        if x < INF:
            left -= x * busy[k].kappa
    rest = [k for k in range(len(busy)) if k not in filling]
    for k, x in zip(rest, _water_fill_time([busy[k].kappa for k in rest], [caps[k] for k in rest], max(left, 0.0))):
        out[k] = x
    return out


def _engine_rates(busy: list[ChannelFlow], engine_gbps: float) -> list[float]:
    """Bytes per ns the engine gives each channel (inf for uncompressed ones): channels with bursts
    waiting at the engine first, in the order they reached it, then equal shares under
    what each can use (a load no faster than its server when nothing is read ahead; a store no
    faster than its server when its window is full of bytes waiting to be written)."""
    out = [INF] * len(busy)
    for k, ch in enumerate(busy):
        if ch.cls == CODED_STORE and ch.prog >= ch.end - EPS_BYTES:
            out[k] = 0.0
    coded = [k for k, ch in enumerate(busy) if ch.cls != UNCODED and out[k] > 0]
    if not coded:
        return out
    left = engine_gbps
    lumps = sorted((k for k in coded if _waits_at_engine(busy[k])), key=lambda k: _engine_desc(busy[k]).order)
    for k in lumps:
        out[k] = max(left, 0.0) / busy[k].desc.rho
        left = 0.0
    rest = [k for k in coded if k not in lumps]
    caps = []
    for k in rest:
        ch = busy[k]
        starved = ch.ahead <= EPS_BYTES if ch.cls == CODED_LOAD else -ch.ahead >= ch.window - EPS_BYTES
        caps.append(ch.cap if starved else INF)
    rho = [busy[k].desc.rho for k in rest]
    for k, x in zip(rest, _water_fill_time(rho, caps, max(left, 0.0))):
        out[k] = x
    return out


def _waits_at_engine(ch: ChannelFlow) -> bool:
    """Whether bursts of ``ch`` wait at the engine in a lump: a store's issued at once, a load's read ahead."""
    if ch.cls == CODED_STORE:
        return ch.filling
    return ch.ahead > EPS_BYTES


def _engine_desc(ch: ChannelFlow):
    """The descriptor at ``ch``'s engine cursor (its bursts there reached the engine in its order)."""
    return next((e[1] for e in ch.seq if e[0] > ch.prog + EPS_BYTES), ch.desc)


def _server_cap(ch: ChannelFlow, engine: float) -> float:
    """Most the server may move for ``ch`` (bytes/ns): its window's cap, lifted while it has a lump
    queued; a compressed load's server stops at the end of its sequence or a full read-ahead (then
    it follows the engine); a store's server follows the engine unless bytes wait to be written."""
    if ch.paused:
        return 0.0
    cap = min(INF if ch.filling and ch.cls != CODED_STORE else ch.cap, ch.stream_cap)
    if ch.cls == CODED_LOAD:
        if ch.srv >= ch.end - EPS_BYTES:
            return 0.0
        return cap if ch.ahead < ch.window - EPS_BYTES else min(cap, engine)
    if ch.cls == CODED_STORE:
        return cap if -ch.ahead > EPS_BYTES else min(cap, engine)
    return cap


def _pace(ch: ChannelFlow, engine: float, server: float) -> None:
    """Set ``ch``'s server and pacing rates (bytes/ns) from its engine share and server rate."""
    ch.srv_rate = server
    ch.engine_rate = engine
    ch.engine_bound = ch.cls != UNCODED and engine < ch.cap
    if ch.cls == UNCODED:
        ch.rate = server
    elif ch.cls == CODED_LOAD:
        ch.rate = engine if ch.ahead > EPS_BYTES else min(engine, server)
    elif ch.prog >= ch.end - EPS_BYTES:
        ch.rate = 0.0
    else:
        ch.rate = engine if -ch.ahead < ch.window - EPS_BYTES else min(engine, server)


def _water_fill_time(kappa: list[float], caps: list[float], server_time: float) -> list[float]:
    """Equal byte rates θ capped per flow, min(cap_k, θ), using at most ``server_time`` (Σ κ_k·x_k)."""
    out = [0.0] * len(caps)
    if not caps:
        return out
    if math.isinf(server_time):
        return list(caps)
    order = sorted(range(len(caps)), key=lambda k: caps[k])
    left = server_time
    slope = sum(kappa)
    for j, k in enumerate(order):
        level = left / slope if slope > 0 else INF
        if caps[k] <= level:
            out[k] = caps[k]
            left -= caps[k] * kappa[k]
            slope -= kappa[k]
            continue
        for m in order[j:]:
            out[m] = level
        break
    return out
