"""Network-calculus building blocks: arrival envelopes, rate-latency service curves and bounds.

Units: time in ns, data in bytes, rates in GB/s (= bytes/ns). Pure functions, no simpy.
Sources: J.-Y. Le Boudec and P. Thiran, *Network Calculus*, LNCS 2050, Springer 2001 (cited as
LBT with section numbers); D. Stiliadis and A. Varma, "Latency-rate servers", IEEE/ACM ToN 6(5),
1998; E. Wandeler and L. Thiele, "Optimal TDMA time slot and cycle length allocation for hard
real-time systems", ASP-DAC 2006.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class TokenBucket:
    """Arrival curve α(t) = σ + ρ·t for t > 0 (α(0) = 0): at most σ + ρ·Δ bytes in any window Δ."""

    sigma_bytes: float
    """Burst (bytes)."""
    rho_gbps: float
    """Long-term rate (GB/s = bytes/ns)."""

    def bytes_in(self, window_ns: float) -> float:
        """Largest number of bytes in any window of ``window_ns`` (LBT 1.2.2)."""
        return 0.0 if window_ns <= 0 else self.sigma_bytes + self.rho_gbps * window_ns

    def __add__(self, other: "TokenBucket") -> "TokenBucket":
        """Aggregate of two flows: burst and rate add (LBT 1.2.2)."""
        return TokenBucket(self.sigma_bytes + other.sigma_bytes, self.rho_gbps + other.rho_gbps)


def aggregate(buckets: Iterable[TokenBucket]) -> TokenBucket:
    """Sum of several token-bucket envelopes."""
    total = TokenBucket(0.0, 0.0)
    for b in buckets:
        total = total + b
    return total


@dataclass(frozen=True)
class RateLatency:
    """Service curve β(t) = R·max(0, t − T): after a latency T the server moves R bytes/ns."""

    rate_gbps: float
    """Guaranteed rate R (GB/s = bytes/ns)."""
    latency_ns: float
    """Latency T (ns)."""

    def bytes_by(self, t_ns: float) -> float:
        """Bytes guaranteed served ``t_ns`` after the start of a backlogged period."""
        return self.rate_gbps * max(0.0, t_ns - self.latency_ns)

    def time_for(self, size_bytes: float) -> float:
        """Time within which ``size_bytes`` queued at once are served: T + size/R (ns)."""
        if size_bytes <= 0:
            return 0.0
        if self.rate_gbps <= 0:
            return math.inf
        return self.latency_ns + size_bytes / self.rate_gbps


def concatenate(a: RateLatency, b: RateLatency) -> RateLatency:
    """Two servers in series: β_a ⊗ β_b = rate min(R_a, R_b), latency T_a + T_b (LBT 1.4.6)."""
    return RateLatency(min(a.rate_gbps, b.rate_gbps), a.latency_ns + b.latency_ns)


def delay_bound(alpha: TokenBucket, beta: RateLatency) -> float:
    """Horizontal deviation of σ+ρt and R(t−T)^+: T + σ/R if ρ ≤ R, else ∞ (LBT Thm 1.4.2, 1.4.4)."""
    if alpha.rho_gbps > beta.rate_gbps:
        return math.inf
    return beta.latency_ns + alpha.sigma_bytes / beta.rate_gbps


def backlog_bound(alpha: TokenBucket, beta: RateLatency) -> float:
    """Vertical deviation of σ+ρt and R(t−T)^+: σ + ρ·T if ρ ≤ R, else ∞ (LBT Thm 1.4.1, 1.4.4)."""
    if alpha.rho_gbps > beta.rate_gbps:
        return math.inf
    return alpha.sigma_bytes + alpha.rho_gbps * beta.latency_ns


def leftover_blind(beta: RateLatency, cross: TokenBucket) -> RateLatency:
    """Service left to one flow by a strict rate-latency server shared with cross traffic of
    envelope σ+ρt under blind (arbitrary) multiplexing: [β − α]^+ = R'(t − T')^+ with
    R' = R − ρ and T' = (R·T + σ)/(R − ρ) (LBT Thm 6.2.1). A rate of 0 means no guarantee."""
    rate = beta.rate_gbps - cross.rho_gbps
    if rate <= 0:
        return RateLatency(0.0, math.inf)
    return RateLatency(rate, (beta.rate_gbps * beta.latency_ns + cross.sigma_bytes) / rate)


def leftover_fixed_priority(beta: RateLatency, higher: TokenBucket, max_lower_request_bytes: float) -> RateLatency:
    """Service left to a flow under non-preemptive fixed priority: the higher flows' envelope is
    subtracted as in blind multiplexing, and one lower-priority request already in service
    (at most ``max_lower_request_bytes``) adds its transmission time to the latency
    (LBT Cor. 6.2.1 applied with the non-preemption term of LBT 6.2.2)."""
    left = leftover_blind(beta, higher)
    if left.rate_gbps <= 0:
        return left
    return RateLatency(left.rate_gbps, left.latency_ns + max_lower_request_bytes / beta.rate_gbps)


def tdma_service(link: RateLatency, slot_ns: float, cycle_ns: float) -> RateLatency:
    """Rate-latency lower bound of a TDMA slot of ``slot_ns`` in a cycle of ``cycle_ns`` on a link:
    R = R_link·slot/cycle, T = T_link + (cycle − slot) (Wandeler & Thiele 2006, eq. 3)."""
    if not 0 < slot_ns <= cycle_ns:
        raise ValueError(f"TDMA slot {slot_ns} ns must be in (0, cycle {cycle_ns} ns]")
    return RateLatency(link.rate_gbps * slot_ns / cycle_ns, link.latency_ns + (cycle_ns - slot_ns))


def round_robin_service(link: RateLatency, own_request_bytes: float, other_request_bytes: list[float]) -> RateLatency:
    """Latency-rate guarantee of one master under request-level round-robin: every other master
    sends at most one request (of at most its max size) between two of ours, so
    R = R_link·L_i/(L_i + ΣL_j) and T = T_link + ΣL_j/R_link (Stiliadis & Varma 1998, §IV)."""
    others = float(sum(other_request_bytes))
    rate = link.rate_gbps * own_request_bytes / (own_request_bytes + others)
    return RateLatency(rate, link.latency_ns + others / link.rate_gbps)


def weighted_round_robin_service(
    link: RateLatency, weight: int, own_request_bytes: float, others: list[tuple[int, float]]
) -> RateLatency:
    """Latency-rate guarantee under weighted round-robin, ``weight`` grants per round for us and
    (w_j, L_j) for the others: R = R_link·w·L/(w·L + Σw_j·L_j), T = T_link + Σw_j·L_j/R_link
    (Stiliadis & Varma 1998, §IV)."""
    other_bytes = float(sum(w * size for w, size in others))
    mine = weight * own_request_bytes
    return RateLatency(link.rate_gbps * mine / (mine + other_bytes), link.latency_ns + other_bytes / link.rate_gbps)
