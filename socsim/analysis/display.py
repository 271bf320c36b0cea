"""Display underflow: can a display's read come back after its FIFO runs dry? A sound worst-case check.

A display (``socsim.soc.traffic.DisplaySource``) issues a read of r bytes every r/ρ ns; the data of
the read issued at τ must be back by τ + fifo/ρ (the deadline). Its arrival curve is the token
bucket α(t) = r + ρ·t, so its own earlier reads still queued are counted. An underflow is
impossible when a bound D on every read's latency (issue to last byte at the display) satisfies
D ≤ fifo/ρ. The bound is derived for the burst-level reference model (``socsim.soc.controller``);
pure functions, no simulation. Times in ns, sizes in bytes, rates in GB/s = bytes/ns.

**DRAM service.** The path to DRAM offers a strict rate-latency curve β(t) = R·(t − T)⁺ (bytes
delivered to the masters, T includes the pipeline latency L; ``socsim.model.dram``). Every curve
below is sound; the bound is the smallest delay any of them gives:

- *general*: ``worst_case_service(model)``, every burst a row conflict — any access pattern;
- *partitioned*: when no two streams (two per DMA channel, one per other master) share a bank
  (``socsim.regions``; in the default layout: when they do not outnumber the banks), each stream owns its bank and keeps at least ``run`` bytes in a row before it may
  conflict, with run = row_bytes for sequential streams and, for a random-address master with
  requests of s bytes, its shortest piece of a row (s if s ≤ row, else s mod row or row) —
  ``worst_case_service(model, run, S)`` with the shortest run of all streams (dram.py docstring, "Worst case"). Each stream
  reaches its bank in address order: a channel's loads and stores are separate streams, and the
  codec engine, FIFO, delays either all of a channel's stores or none (``socsim.pipeline`` codes every
  activation store alike);
- *partitioned, random masters as interference*: the same map with run = row_bytes for all
  streams, and the extra server time of the random-address masters' bursts charged separately:
  each of their bursts costs at most tRP + tRCD more than the sequential accounting, and a master
  j whose latency is at most D_j (found with the general curve) has its bursts served in any
  window of length u arrive within u + D_j, so at most (σ_j + ρ_j·(u + D_j))/b of them. With
  e₀ + e₁·u that extra time, keep the refresh share and T_s, R_s the sequential curve:
  R = R_s·(keep − e₁)/keep, T = L + ((T_s − L)·keep + e₀)/(keep − e₁).

**Arbitration with a per-master guarantee** (round robin, weighted round robin, fixed priority,
TDMA, budget): the arbiter's latency-rate curve β_i = R_i·(t − T_i)⁺ (``Arbiter.guarantee``, T_i
includes L) and the token bucket (r, ρ) give the delay bound of Le Boudec & Thiran, *Network
Calculus*, Thm. 1.4.2 (horizontal deviation of a token bucket and a rate-latency curve):

    D = T_i + r / R_i        when ρ ≤ R_i (else no bound).

**FIFO arbitration** has no per-master guarantee; its order bounds the wait instead. A burst
arriving at τ is granted after every burst queued before it: the accelerator has at most
M = channels·max_outstanding·b bytes queued (its DMA window), and every other master j (the
display included) only bytes that arrived within the longest wait W, at most σ_j + ρ_j·W. With
one extra burst for the service in progress, W ≤ (T − L) + (M + b + Σσ_j + Σρ_j·W)/R, and by the
argument of the first burst that would wait longer (Cruz, IEEE Trans. Inf. Theory 37(1), 1991):

    D = L + (R·(T − L) + M + b + Σ_j σ_j) / (R − Σ_j ρ_j)        when Σ_j ρ_j < R.

Envelopes use σ_j' = max(σ_j, request_j): a token bucket with σ below one request still releases a
whole request at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from socsim.model.arbitration import FifoArbiter, PathFacts, make_arbiter
from socsim.model.dram import DramModel, worst_case_service
from socsim.model.masters import Source, make_sources
from socsim.regions import scenario_layout
from socsim.scenario import Scenario
from socsim.units import NS_PER_US

NPU = "npu"


def _envelopes(sources: Sequence[Source]) -> list[tuple[float, float] | None]:
    """Per master index (accelerator first, None): (σ' bytes, ρ GB/s), σ' at least one request."""
    out: list[tuple[float, float] | None] = [None]
    for s in sources:
        sigma, rho = s.envelope()
        out.append((max(float(sigma), float(s.request_bytes)), float(rho)))
    return out


def _delay_ns(scenario: Scenario, model: DramModel, i: int, curve: tuple[float, float],
              envelopes: Sequence[tuple[float, float] | None]) -> float | None:
    """Bound on the latency of master i's requests (issue to last byte back) with DRAM curve ``curve``, or None."""
    rate, t = curve
    if rate <= 0 or not math.isfinite(t):
        return None
    b = model.burst_bytes
    names = [NPU] + [m.name for m in scenario.masters]
    arbiter = make_arbiter(scenario.soc.bus, names, b)
    if isinstance(arbiter, FifoArbiter):
        window = scenario.soc.dma.channels * scenario.soc.dma.max_outstanding * b
        sigma = sum(e[0] for e in envelopes if e is not None)
        rho = sum(e[1] for e in envelopes if e is not None)
        if rho >= rate:
            return None
        lat = model.latency_ns
        return lat + (rate * (t - lat) + window + b + sigma) / (rate - rho)
    g = arbiter.guarantee(i, PathFacts.of(model, curve), list(envelopes))
    env = envelopes[i]
    if g is None or env is None:
        return None
    r_i, t_i = g
    sigma, rho = env
    if r_i <= 0 or rho > r_i or not math.isfinite(t_i):
        return None
    return t_i + sigma / r_i


def _shortest_run(model: DramModel, sources: Sequence[Source]) -> int:
    """Fewest bytes any stream keeps in one row before it may conflict (bank-partitioned map)."""
    run = model.row_bytes
    for s in sources:
        if s.random_addresses:
            req = s.request_bytes
            run = min(run, req if req <= model.row_bytes else (req % model.row_bytes or model.row_bytes))
    return max(model.burst_bytes, run)


def dram_curves(scenario: Scenario, model: DramModel, in_order: bool = True) -> dict[str, tuple[float, float]]:
    """Name → (R GB/s, T ns) of every DRAM worst-case curve that holds for this scenario (module
    docstring); ``in_order`` False: the accelerator's streams may reach their banks out of address
    order (``socsim.analysis.bounds.mixed_stores``), so only the general curve holds."""
    curves = {"general": worst_case_service(model)}
    if not in_order:
        return curves
    sources = make_sources(scenario.masters, model.burst_bytes, scenario.seed)
    layout = scenario_layout(scenario.soc, scenario.masters)
    streams = layout.stream_count
    if not model.row_bytes or layout.any_shared:
        return curves
    curves["partitioned"] = worst_case_service(model, _shortest_run(model, sources), streams)
    randoms = [i for i, s in enumerate(sources, start=1) if s.random_addresses]
    if not randoms:
        return curves
    envelopes = _envelopes(sources)
    b = model.burst_bytes
    extra_ns = model.t_miss_ns * (1.0 - b / model.row_bytes)  # over the sequential charge, per burst
    e0 = e1 = 0.0
    for i in randoms:
        d = _delay_ns(scenario, model, i, curves["general"], envelopes)
        if d is None:
            return curves
        sigma, rho = envelopes[i]
        e0 += extra_ns * (sigma + rho * d) / b
        e1 += extra_ns * rho / b
    keep = model.refresh_keep(streams)
    rate_s, t_s = worst_case_service(model, model.row_bytes, streams)
    if keep - e1 <= 0 or rate_s <= 0:
        return curves
    lat = model.latency_ns
    curves["partitioned_random_interference"] = (
        rate_s * (keep - e1) / keep, lat + ((t_s - lat) * keep + e0) / (keep - e1))
    return curves


def master_latency_bounds_ns(scenario: Scenario, model: DramModel, in_order: bool = True) -> list[float | None]:
    """Per other master (scenario order): the smallest bound on a request's latency (issue to last
    byte back) over the DRAM curves that hold, or None where no curve gives one."""
    sources = make_sources(scenario.masters, model.burst_bytes, scenario.seed)
    envelopes = _envelopes(sources)
    curves = dram_curves(scenario, model, in_order)
    out: list[float | None] = []
    for i in range(1, len(sources) + 1):
        delays = [d for d in (_delay_ns(scenario, model, i, c, envelopes) for c in curves.values()) if d is not None]
        out.append(min(delays) if delays else None)
    return out


def display_check(scenario: Scenario, model: DramModel, in_order: bool = True) -> list[dict]:
    """One entry per display master: its worst read latency bound and deadline (µs), and whether
    an underflow is possible (True also when no bound exists, with the reason)."""
    sources = make_sources(scenario.masters, model.burst_bytes, scenario.seed)
    envelopes = _envelopes(sources)
    curves = dram_curves(scenario, model, in_order)
    out = []
    for i, src in enumerate(sources, start=1):
        if src.kind != "display":
            continue
        delays = [d for d in (_delay_ns(scenario, model, i, c, envelopes) for c in curves.values()) if d is not None]
        deadline = src.deadline_ns
        if not delays:
            reason = _no_bound_reason(scenario, model, i, src)
            out.append({"name": src.name, "worst_latency_us": None, "deadline_us": deadline / NS_PER_US,
                        "underflow_possible": True, "reason": reason})
            continue
        worst = min(delays)
        possible = worst > deadline
        out.append({
            "name": src.name, "worst_latency_us": worst / NS_PER_US, "deadline_us": deadline / NS_PER_US,
            "underflow_possible": possible,
            "reason": "the latency bound exceeds the FIFO's time depth" if possible else None,
        })
    return out


def _no_bound_reason(scenario: Scenario, model: DramModel, i: int, src: Source) -> str:
    """Why no curve gives master i a latency bound (one line)."""
    policy = scenario.soc.bus.arbitration
    if policy == "fifo":
        return "FIFO: the other masters' declared rates reach the DRAM's worst-case rate"
    if policy == "fixed_priority":
        return ("fixed priority: a higher-priority master has no envelope (the accelerator) "
                "or the higher masters' rates reach the DRAM's worst-case rate")
    return (f"{policy}: the guaranteed rate is below the display's {src.envelope()[1]:.3f} GB/s "
            "(or the policy gives no guarantee)")
