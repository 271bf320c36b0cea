"""Worst-case service of the command-level DRAM controller (``socsim.model.dram_controller``), from its timing.

All times are DRAM clocks (nCK) of one channel; t_B = BL/2, RL = AL + CL, WL = AL + CWL. The
structure follows Kim et al., "Bounding memory interference delay in COTS-based multi-core
systems", RTAS 2014 (a request's delay = its own PRE/ACT/CAS sequence + the requests ahead of it in
its bank, FR-FCFS reordering included + one command of every other bank per step), and Yun et al.,
"Parallelism-aware memory interference delay analysis for COTS multicore systems", ECRTS 2015 /
"Memory bandwidth management for efficient performance isolation in multi-core platforms", RTAS
2015 (the guaranteed bandwidth of a DRAM is the one of the worst access pattern: every access a row
conflict in one bank, writes included).

**Bank cycle** (``bank_cycle``). A request that finds another row open in its bank needs PRE, ACT
and its RD/WR. In one bank these are spaced by the device's own constraints (JESD79-4B §4 /
JESD209-4B §4 timing tables): ACT→RD/WR tRCD − AL, RD→PRE AL + tRTP, WR→PRE WL + t_B + tWR,
ACT→PRE tRAS, PRE→ACT tRP. So back-to-back conflicts of one bank take

    c_R = max(tRAS, tRCD + tRTP) + tRP                 (reads; ≥ tRC = tRAS + tRP)
    c_W = max(tRAS, tRCD + CWL + t_B + tWR) + tRP      (writes)

per request. Any other way to spend the data bus costs less per RD/WR: a row hit costs at most
max(t_B, tCCD_L); accesses to other banks overlap with this cycle and are spaced by at most
max(tRRD_L, ⌈tFAW/4⌉) per ACT, by the write→read turnaround WL + t_B + tWTR_L or the read→write
turnaround RL + t_B − WL + tRTRS per RD/WR (each smaller than c_R on every JEDEC part; the
maximum is taken anyway). ``burst_interval`` c is the largest of these: c = c_R for read-only
traffic, max(c_R, c_W, turnarounds) otherwise.

**Per window** (``service_curve``). While the controller is backlogged (a transaction it may move
into a command queue, a command queued, or a write drain under way) some bank's oldest command
makes progress: FR-FCFS only holds a PRE back for a younger row hit (itself a RD/WR), and the cap
``row_hit_cap`` ends that; a WR only waits for an older RD; a write drain serves writes. So one RD
or WR issues at least every c clocks, except around refresh. Refresh of a rank (every
tREFI/ranks clocks, staggered; the whole channel is charged) costs at most r = tRFC + tRP + c: the
PRE of a bank that may have to wait for its request's tRAS/tWR (≤ c), tRP, then tRFC, after which
the request that lost its row starts again. In a backlogged window of Δ clocks at most
⌊Δ·ranks/tREFI⌋ + 1 refreshes start and one request may be under way at its start, so at least

    β(Δ) = (keep / c)·(Δ − T)⁺ RD/WR,  keep = 1 − r·ranks/tREFI,  T = (r + 2c)/keep

issue (the extra c: rounding down to whole requests). ``worst_case_efficiency`` is t_B·keep/c,
the share of peak guaranteed over long windows.

**Per burst, by traffic class** (``hit_cycles``, ``miss_cycles``, ``turnaround_cycles``,
``overtake_cycles``; ``socsim.model.dram.command_bound_model`` feeds them to the frame bound). The
bound above charges every RD/WR a whole bank cycle. With the address map known, a request's
service is its own data slot plus what its row and direction add. Take the RD/WR commands of a
backlogged window in issue order; the gap before each is at most:

- **row hit** (its row is open and accessed; same direction as the previous RD/WR): the CAS
  spacing h = max(t_B, tCCD_L), plus tRTRS on a multi-rank channel (JESD79-4B Table 169; DRAMsim3
  ``Timing``). Bursts of a bus burst of b bytes take p = ⌈b / (BL·bus_width/8)⌉ device bursts, each a
  whole minimum access.
- **row conflict** (another row open in its bank): PRE after the previous RD/WR of that bank (its
  RD→PRE or WR→PRE and tRAS since the ACT), tRP, ACT, tRCD, so at most one bank cycle
  max(c_R, c_W) after that RD/WR; h of it is its data slot, so m = max(c_R, c_W) − h more, and m ≥
  tRRD_L, ⌈tFAW/4⌉ covers the ACT spacing of other banks (Kim et al. 2014, Lemma 1: PRE + ACT + CAS
  of the request itself; Ecco & Ernst, "Improved DRAM timing bounds for real-time DRAM
  controllers with read/write bundling", RTSS 2015, for the per-bank spacings).
- **direction switch**: WR→RD costs WL + t_B + tWTR_L and RD→WR costs RL + t_B − WL + tRTRS
  instead of h; one write→read plus one read→write switch adds at most t_turn = (WL + t_B + tWTR_L −
  h)⁺ + (RL + t_B + tRTRS − WL − h)⁺.

**How many switches** (``drain_writes``). Writes enter the bank queues only during a write drain,
which starts with at least D = min(write_low_watermark + 1, trans_queue_size) writes in the buffer
and moves them all, one per clock, into their bank queues (the read-write bundling of Ecco & Ernst
2015, as DRAMsim3's controller does it). A RD can issue only WL + t_B + tWTR_S (the shorter,
other-group spacing) after the last WR, and a row-hit WR is ready h after the previous one and
issues within banks − 1 more clocks (round robin); when h + banks − 1 < WL + t_B + tWTR_S, every
ready WR issues before the RD may, and the RD waits again behind it. So a WR→RD switch happens only
when no WR is ready: the bank queues ran out of writes (once per drain: during the drain the
queues are refilled faster than they issue), or every queued WR waits for its row (a row opening,
or a refresh). The switch pairs of a window with W writes are therefore at most W/D + (row
openings) + (refreshes) + 1: t_turn/D is charged per written device burst, t_turn on top of m per
row opening, and one t_turn per refresh and per busy period. (A drain also ends early when a read
older than a buffered write waits for its address; socsim's masters never read an address they
have a write to in flight, so that case does not arise.) When the spacing condition fails, D = 1:
one pair per write.

So a sequential stream, whose bytes fill a row of its bank before it moves to the next (any
bit-order map: the fields below ``ro`` cycle through every bank before the row changes), pays
p·h per bus burst, m + t_turn once per row_bytes and t_turn/D per written device burst; a random-address master pays
m + t_turn per request; streams that share a bank may close each other's rows, so each of their
bursts pays m + t_turn (FR-FCFS's cap bounds how many hits pass a waiting PRE, ``row_hit_cap``). The frame bound
(``socsim.analysis.bounds``) adds these costs over the bursts of the accelerator and of the other
masters (their envelopes) — a window bound for streams, not a per-request one: the per-row miss is
amortised over the row's bursts, as the accelerator's DMA moves whole rows. Refresh stays as above
(tRFC + tRP + one bank cycle per tREFI/ranks, one reopening per stream).

**Overtaking.** FR-FCFS serves a request's younger neighbours first when they are ready earlier: in
its own bank at most ``row_hit_cap`` hits before its PRE; in the other banks at most one command
of each other bank queue per step of its own (PRE, ACT, RD/WR; round robin from the queue after the
last that issued). A master's own younger bursts that pass it are charged to it later by the frame
bound, so its completion is delayed by at most their count (``overtakers``: row_hit_cap + 3·(its
streams − 1)) times the most one of them can push its next command (``overtake_cycles``: the
largest CAS-to-CAS or ACT-to-ACT spacing). Other masters' bursts that pass it are the interference
the frame bound already charges.

**Per request** (``request_latency``). A read accepted into the read queue waits behind at most
trans_queue_size − 1 older reads of the queue and cmd_queue_size − 1 older commands of its bank
queue, at most row_hit_cap younger row hits that FR-FCFS lets pass before its PRE, and one write
drain of at most trans_queue_size writes. Each of those requests, and the read itself, takes at
most one bank cycle c plus, per PRE, ACT and RD/WR step, one command of every other bank
(round robin over the bank queues from the one after the last that issued), each of which may
push the step by at most the largest inter-bank spacing d (Kim et al. 2014, Lemmas 1–3). Refresh
adds r per tREFI/ranks started in that time; the data follow RL + t_B after the RD.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from socsim.scenario import DramControllerSpec, DramDeviceSpec


def bank_cycle(d: DramDeviceSpec, write: bool) -> int:
    """c_R (``write`` False) or c_W: one row-conflict request after another in one bank (clocks)."""
    if write:
        open_clocks = d.tRCD + d.CWL + d.burst_cycles + d.tWR
    else:
        open_clocks = d.tRCD + d.tRTP
    return max(d.tRAS, open_clocks) + d.tRP


def inter_bank_spacing(d: DramDeviceSpec, writes: bool) -> int:
    """d: the largest spacing one command of another bank imposes on the next RD/WR or ACT (clocks)."""
    t_b = d.burst_cycles
    rl, wl = d.AL + d.CL, d.AL + d.CWL
    spacings = [max(t_b, d.tCCD_L, d.tCCD_S), d.tRRD_L, d.tRRD_S, math.ceil(d.tFAW / 4), t_b + d.tRTRS]
    if writes:
        spacings += [wl + t_b + max(d.tWTR_L, d.tWTR_S), rl + t_b - wl + d.tRTRS]
    return max(spacings)


def burst_interval(d: DramDeviceSpec, writes: bool) -> int:
    """c: the longest time between two RD/WR of a backlogged controller outside refresh (clocks);
    ``writes``: the traffic may contain writes (module docstring)."""
    c = max(bank_cycle(d, False), inter_bank_spacing(d, writes))
    return max(c, bank_cycle(d, True)) if writes else c


def refresh_cost(d: DramDeviceSpec, writes: bool) -> int:
    """r = tRFC + tRP + c: RD/WR time one refresh can take from a backlogged controller (clocks)."""
    return d.tRFC + d.tRP + burst_interval(d, writes)


def refresh_keep(d: DramDeviceSpec, writes: bool) -> float:
    """keep = 1 − r·ranks/tREFI: the share of a long backlogged window refresh leaves (0..1)."""
    return max(0.0, 1.0 - refresh_cost(d, writes) * d.ranks / d.tREFI)


@dataclass(frozen=True)
class ServiceCurve:
    """β(Δ) = rate·(Δ − latency)⁺ device bursts in any backlogged window of Δ clocks."""

    rate: float
    """Device bursts (RD/WR) per clock."""
    latency: float
    """Clocks before the rate is guaranteed."""

    def bursts(self, window: float) -> float:
        """Guaranteed device bursts in a backlogged window of ``window`` clocks (count)."""
        return self.rate * max(0.0, window - self.latency)


def service_curve(d: DramDeviceSpec, writes: bool = True) -> ServiceCurve:
    """The per-window guarantee of the module docstring (rate keep/c, latency (r + 2c)/keep)."""
    c = burst_interval(d, writes)
    keep = refresh_keep(d, writes)
    if keep <= 0:
        return ServiceCurve(0.0, math.inf)
    return ServiceCurve(keep / c, (refresh_cost(d, writes) + 2 * c) / keep)


def worst_case_efficiency(d: DramDeviceSpec, writes: bool) -> float:
    """Share of peak guaranteed to saturating traffic over long windows: t_B·keep/c (0..1)."""
    return d.burst_cycles * service_curve(d, writes).rate


def reorder_bursts(d: DramDeviceSpec, ctrl: DramControllerSpec) -> int:
    """Younger device bursts that may be served before a given one: row_hit_cap row hits in its
    bank and, per step (PRE, ACT, RD/WR), one command of every other bank (count)."""
    return ctrl.row_hit_cap + 3 * (d.ranks * d.banks - 1)


def request_latency(d: DramDeviceSpec, ctrl: DramControllerSpec) -> float:
    """Worst-case read latency from acceptance into the read queue to its data (per request, module
    docstring), any traffic (clocks)."""
    c = burst_interval(d, True)
    step = c + 3 * (d.ranks * d.banks - 1) * inter_bank_spacing(d, True)
    ahead = (ctrl.trans_queue_size - 1) + (ctrl.cmd_queue_size - 1) + ctrl.row_hit_cap + ctrl.trans_queue_size
    busy = (ahead + 1) * step
    interval = d.tREFI // d.ranks
    r = refresh_cost(d, True)
    if r >= interval:
        return math.inf
    # At most ⌊B/interval⌋ + 1 refreshes start in a busy time B = busy + n·r: the least such n.
    refreshes = 1
    while busy + refreshes * r >= refreshes * interval:
        refreshes += 1
    return busy + refreshes * r + d.AL + d.CL + d.burst_cycles


def hit_cycles(d: DramDeviceSpec) -> int:
    """h: RD/WR to RD/WR of the same direction in any two banks (row hits): max(t_B, tCCD_L), plus
    tRTRS across ranks (clocks)."""
    rank_switch = d.burst_cycles + d.tRTRS if d.ranks > 1 else 0
    return max(d.burst_cycles, d.tCCD_L, d.tCCD_S, rank_switch)


def miss_cycles(d: DramDeviceSpec) -> int:
    """m: what a row conflict adds to its request's data slot h, max(c_R, c_W) − h, at least the
    ACT spacing max(tRRD_L, ⌈tFAW/4⌉) (module docstring) (clocks)."""
    conflict = max(bank_cycle(d, False), bank_cycle(d, True)) - hit_cycles(d)
    return max(conflict, d.tRRD_L, d.tRRD_S, math.ceil(d.tFAW / 4), d.tPPD)


def switch_cycles(d: DramDeviceSpec) -> tuple[int, int]:
    """(WR→RD, RD→WR): the RD/WR spacing of a direction switch, WL + t_B + tWTR_L and
    RL + t_B − WL + tRTRS (clocks)."""
    rl, wl, t_b = d.AL + d.CL, d.AL + d.CWL, d.burst_cycles
    return wl + t_b + max(d.tWTR_L, d.tWTR_S), rl + t_b - wl + d.tRTRS


def turnaround_cycles(d: DramDeviceSpec) -> int:
    """t_turn: one write→read plus one read→write switch over two hits, (WL + t_B + tWTR_L − h)⁺ +
    (RL + t_B + tRTRS − WL − h)⁺ (clocks)."""
    h = hit_cycles(d)
    w2r, r2w = switch_cycles(d)
    return max(0, w2r - h) + max(0, r2w - h)


def overtake_cycles(d: DramDeviceSpec) -> int:
    """The most one overtaking command may push a waiting request's next command: the largest
    RD/WR spacing (a switch included) or ACT spacing (clocks)."""
    return max(hit_cycles(d), *switch_cycles(d), d.tRRD_L, d.tRRD_S, math.ceil(d.tFAW / 4))


def overtakers(ctrl: DramControllerSpec, streams: int) -> int:
    """Younger bursts of a master with ``streams`` streams (banks) that may pass one of its bursts:
    row_hit_cap in its bank, and per PRE, ACT and RD/WR step one of each of its other banks (count)."""
    return ctrl.row_hit_cap + 3 * max(0, streams - 1)


def drain_writes(d: DramDeviceSpec, ctrl: DramControllerSpec) -> int:
    """D: written device bursts per WR→RD switch not caused by a row opening or a refresh, the
    fewest writes a drain moves, min(write_low_watermark + 1, trans_queue_size); 1 when a RD may
    pass a ready WR (h + banks − 1 ≥ WL + t_B + tWTR_S) (module docstring) (count)."""
    w2r_short = d.AL + d.CWL + d.burst_cycles + min(d.tWTR_S, d.tWTR_L)
    if hit_cycles(d) + d.ranks * d.banks - 1 >= w2r_short:
        return 1
    return max(1, min(ctrl.write_low_watermark + 1, ctrl.trans_queue_size))
