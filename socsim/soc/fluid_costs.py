"""The DRAM model's rules (``socsim.model.dram``) as the fast fidelity uses them: server time per byte
of a flow, the server's capacity, and the limits a DMA channel's window and the codec engine set.

Pure functions of the model and plain numbers (times in ns, sizes in bytes, rates in bytes/ns).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from socsim.model.dram import DramModel
from socsim.model.engine import CodecEngine
from socsim.soc.fluid_flows import FluidDescriptor, Stream


def descriptor_cost(model: DramModel, stream: Stream, size: int, refreshes: int) -> tuple[float, int]:
    """(server time ns, row misses) of ``size`` bytes at the head of ``stream``, alone in its bank.

    t_B per burst; the first burst pays tRCD when the bank is closed (never used, or ``refreshes``
    exceeds the refreshes it has seen), else tRP + tRCD when it starts a new row; every further row
    crossed pays tRP + tRCD.
    """
    work = (size // model.burst_bytes) * model.t_burst_ns
    if not model.row_bytes:
        return work, 0
    row = model.row_bytes
    p = stream.position
    misses = (p + size - 1) // row - p // row
    work += misses * model.t_miss_ns
    if stream.refresh_seen < refreshes:
        work += model.t_rcd_ns
        misses += 1
    elif p % row == 0:
        work += model.t_miss_ns
        misses += 1
    return work, misses


def master_base_cost(model: DramModel, request_bytes: int, random: bool) -> tuple[float, float]:
    """(server time per byte, row misses per byte) of another master alone in its bank.

    A sequential master crosses a row every row_bytes; a random one opens a row per request and
    crosses ⌈s/row_bytes⌉ − 1 more.
    """
    if not model.row_bytes:
        return model.t_burst_ns / model.burst_bytes, 0.0
    if random:
        return model.random_kappa(request_bytes), math.ceil(request_bytes / model.row_bytes) / request_bytes
    return model.sequential_kappa(), 1.0 / model.row_bytes


def shared_bank_cost(model: DramModel, kappa: float, miss_per_byte: float, share: float) -> tuple[float, float]:
    """(server time per byte, misses per byte) when a share ``share`` of the bursts find another
    stream's row open in their bank (each then pays tRP + tRCD)."""
    b = model.burst_bytes
    conflict = model.t_burst_ns / b + model.t_miss_ns / b
    return kappa + share * max(0.0, conflict - kappa), miss_per_byte + share * max(0.0, 1.0 / b - miss_per_byte)


def conflict_share(bank_rate: float, own_rate: float | None) -> float:
    """Share of a stream's bursts that follow another stream's burst in its bank: min(1, X/x) with x
    its rate and X the others' there; every burst when the rates are not known yet (``None``)."""
    if own_rate is None or own_rate <= 0:
        return 1.0
    return min(1.0, max(0.0, bank_rate - own_rate) / own_rate)


def read_share(model: DramModel, npu_reads: bool, npu_write_rate: float,
               masters: Sequence[tuple[float, float, int]]) -> float:
    """Share of write batches that pay a turnaround pair: all of them while the accelerator loads,
    else the read episodes (other masters' read requests) per written batch, at most one.

    ``masters``: (rate bytes/ns, write fraction, request bytes) of every other master.
    """
    if not model.t_turn_ns:
        return 0.0
    if npu_reads:
        return 1.0
    written = npu_write_rate
    episodes = 0.0
    for rate, wf, request in masters:
        written += rate * wf
        episodes += rate * (1.0 - wf) / request
    return min(1.0, episodes * model.write_batch_bytes / written) if written > 0 else 0.0


def residual_wait(model: DramModel, masters: Sequence[tuple[float, float]]) -> float:
    """Mean wait of a burst for another master's burst in service, Σ u_j·c_j/2 (ns), with u_j the
    share of server time master j uses and c_j its burst's cost; ``masters``: (rate, kappa)."""
    b = model.burst_bytes
    return sum(rate * kappa * kappa * b / 2 for rate, kappa in masters if rate > 0)


def window_cap(window_bytes: int, rtt_ns: float, keep: float = 1.0) -> float:
    """Little's law: a window of ``window_bytes`` per round trip ``rtt_ns``, times the share
    ``keep`` of time it keeps moving (bytes/ns)."""
    return window_bytes / rtt_ns * keep


def window_rounds_ns(window_bytes: int, moved_bytes: float, burst_bytes: int, rtt_ns: float,
                     gap_ns: float) -> float | None:
    """When the last of ``moved_bytes`` leaves the server in a window-limited run, from its start
    and without its row costs (ns); None when the window does not limit it.

    From a free window the channel's bursts go in rounds: the window's W bursts back to back
    (``gap_ns`` apart, hits), the next round one round trip ``rtt_ns`` after the previous one
    began. Burst n = j·W + m (1 ≤ m ≤ W) ends at j·rtt + m·gap; a fluid at W bursts per rtt would
    end it (W − m)·(rtt/W − gap) earlier, and it spreads a row miss over the run where a miss
    delays every later round whole.
    """
    w = window_bytes // burst_bytes
    n = round(moved_bytes / burst_bytes)
    if w * gap_ns >= rtt_ns:
        return None
    j, m = divmod(n - 1, w)
    return j * rtt_ns + (m + 1) * gap_ns


def window_keep(model: DramModel, rtt_ns: float) -> float:
    """Averaged refresh: share of time a window-limited channel keeps moving despite blackouts.

    Its bursts that reach the DRAM during a blackout wait for its end and the lost round trips
    are never made up (closed loop): per tREFI it loses tRFC − rtt/2 when tRFC ≥ rtt, else
    tRFC²/(2·rtt) (the chance rtt/… of meeting the blackout times the mean wait).
    """
    if not model.refresh:
        return 1.0
    r = model.t_rfc_ns
    lost = r - rtt_ns / 2 if r >= rtt_ns else r * r / (2 * rtt_ns)
    return max(0.0, 1.0 - lost / model.t_refi_ns)


def reopen_chance(model: DramModel, rate: float, request_bytes: int, backlogged: bool) -> float:
    """Chance that a master issues a request in a refresh interval (then it reopens its row)."""
    return 1.0 if backlogged else min(1.0, rate / request_bytes * model.t_refi_ns)


def reopen_ns(model: DramModel, request_bytes: int, random: bool, backlogged: bool) -> float:
    """What a master's first burst after a refresh costs beyond its usual cost (ns).

    tRCD to open its row again; a random master, which opens a row per request anyway, saves
    tRP. A sequential master that waits between requests starts the next one after the refresh:
    when its requests tile its rows (request size dividing the row), that start is a new row on
    a share request/row of reopenings, whose usual tRP + tRCD the tRCD then replaces.
    """
    if random:
        return -model.t_rp_ns
    if backlogged or model.row_bytes % request_bytes:
        return model.t_rcd_ns
    return model.t_rcd_ns - min(1.0, request_bytes / model.row_bytes) * model.t_miss_ns


def interval_lost_ns(model: DramModel, streams: Sequence[tuple[float, float]]) -> float:
    """Server time a refresh interval loses beyond tRFC when blackouts are averaged (ns).

    ``streams``: (reopening ns, server time of the bursts it has queued ns) of every active stream,
    in the order the server reaches them after a blackout. A stream reached pays its reopening and
    serves its queued bursts; one whose reopening and first burst no longer fit in what the
    interval has left, tREFI − tRFC, waits for the next interval (the burst rule of
    ``socsim.model.dram``), and that rest of the interval is lost.
    """
    left = model.t_refi_ns - model.t_rfc_ns
    lost = 0.0
    for reopen, queued in streams:
        if reopen + model.t_burst_ns > left:
            return lost + max(0.0, left)
        lost += reopen
        left -= reopen + queued
        if left <= 0:
            break
    return lost


def averaged_capacity(model: DramModel, lost_ns: float) -> float:
    """Server time per ns left after refresh when blackouts are averaged: 1 − (tRFC + lost)/tREFI,
    with ``lost_ns`` from ``interval_lost_ns``."""
    if not model.refresh:
        return 1.0
    return max(0.0, 1.0 - (model.t_rfc_ns + (lost_ns if model.row_bytes else 0.0)) / model.t_refi_ns)


def blackout_window(model: DramModel, k: int, lead_ns: float) -> tuple[float, float]:
    """(start, end) of the server's k-th refresh stop (ns): the blackout [k·tREFI, k·tREFI + tRFC),
    from ``lead_ns`` earlier, when a burst that would straddle its start waits for its end."""
    start = k * model.t_refi_ns
    return start - lead_ns, start + model.t_rfc_ns


def completion_offset(model: DramModel, desc: FluidDescriptor, engine: CodecEngine | None, waited: bool,
                      burst_ns: float) -> float:
    """Time from a descriptor's later stage passing its end to its completion (ns).

    Uncompressed: L. A compressed load ends in the engine: its latency, and when the engine
    waited for the server, also L and the last burst's engine time. A compressed store ends at
    the server: L, and when the server waited for the engine, also the engine's latency and the
    last burst's server time ``burst_ns``.
    """
    if not desc.coded or engine is None or desc.rho <= 0:
        return model.latency_ns
    if not desc.write:
        bursts = max(1, desc.size // model.burst_bytes)
        return engine.latency_ns + (model.latency_ns + desc.raw / bursts / engine.gbps if waited else 0.0)
    return model.latency_ns + (engine.latency_ns + burst_ns if waited else 0.0)
