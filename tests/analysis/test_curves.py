"""Golden closed forms of the network-calculus building blocks, worked out by hand."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from socsim.analysis.curves import (
    RateLatency,
    TokenBucket,
    aggregate,
    backlog_bound,
    concatenate,
    delay_bound,
    leftover_blind,
    leftover_fixed_priority,
    round_robin_service,
    tdma_service,
    weighted_round_robin_service,
)


def test_token_bucket_through_rate_latency_golden():
    # σ=2, ρ=2 through R=5, T=3: delay T + σ/R = 3 + 0.4 = 3.4; backlog σ + ρT = 2 + 6 = 8.
    alpha, beta = TokenBucket(2, 2), RateLatency(5, 3)
    assert delay_bound(alpha, beta) == pytest.approx(3.4)
    assert backlog_bound(alpha, beta) == pytest.approx(8)


def test_unstable_flow_has_no_bound():
    assert delay_bound(TokenBucket(1, 6), RateLatency(5, 3)) == math.inf
    assert backlog_bound(TokenBucket(1, 6), RateLatency(5, 3)) == math.inf


def test_tdma_by_hand():
    # 10 B/ns link, no latency; 2 ns slot in an 8 ns cycle: 2.5 B/ns after at most 6 ns of waiting.
    svc = tdma_service(RateLatency(10, 0), slot_ns=2, cycle_ns=8)
    assert (svc.rate_gbps, svc.latency_ns) == pytest.approx((2.5, 6))
    # A 10-byte burst: 6 + 10/2.5 = 10 ns. By hand: slots [6,8] and [14,16] move 20 B, so 10 B are
    # done by 7 ns at the earliest and 16 ns at the latest of the true staircase; the bound (10)
    # must lie above the earliest finish of the staircase's worst phase (slot just missed: 6 + 1 = 7).
    assert svc.time_for(10) == pytest.approx(10)
    with pytest.raises(ValueError):
        tdma_service(RateLatency(10, 0), slot_ns=9, cycle_ns=8)


def test_round_robin_by_hand():
    # Link 8 B/ns, latency 4 ns; we send 64 B requests, two others send at most 128 B and 64 B.
    # Per round we get 64 of 256 bytes: R = 8·64/256 = 2 B/ns; wait for 192 B first: T = 4 + 24 = 28.
    svc = round_robin_service(RateLatency(8, 4), 64, [128, 64])
    assert (svc.rate_gbps, svc.latency_ns) == pytest.approx((2, 28))
    wrr = weighted_round_robin_service(RateLatency(8, 4), 3, 64, [(1, 128), (1, 64)])
    # 3·64 = 192 of 384 bytes per round: R = 4 B/ns; T = 4 + 192/8 = 28.
    assert (wrr.rate_gbps, wrr.latency_ns) == pytest.approx((4, 28))


def test_leftover_blind_by_hand():
    # R=10, T=2 shared with σ=20, ρ=4: R' = 6, T' = (10·2 + 20)/6 = 20/3.
    left = leftover_blind(RateLatency(10, 2), TokenBucket(20, 4))
    assert (left.rate_gbps, left.latency_ns) == pytest.approx((6, 40 / 6))
    assert leftover_blind(RateLatency(10, 2), TokenBucket(0, 10)).rate_gbps == 0


def test_fixed_priority_adds_one_lower_request():
    left = leftover_fixed_priority(RateLatency(10, 2), TokenBucket(20, 4), max_lower_request_bytes=60)
    assert (left.rate_gbps, left.latency_ns) == pytest.approx((6, 40 / 6 + 6))


def test_concatenation_and_aggregate():
    c = concatenate(RateLatency(10, 2), RateLatency(4, 5))
    assert (c.rate_gbps, c.latency_ns) == (4, 7)
    a = aggregate([TokenBucket(1, 2), TokenBucket(3, 4)])
    assert (a.sigma_bytes, a.rho_gbps) == (4, 6)
    assert a.bytes_in(0) == 0 and a.bytes_in(2) == 16


rates = st.floats(0.1, 100)
lat = st.floats(0, 1000)
size = st.floats(0, 1e6)


@given(rates, lat, size, st.floats(0, 1e5), st.floats(0, 0.09))
def test_metamorphic_more_interference_never_lowers_bounds(r, t, s, sigma, frac):
    beta = RateLatency(r, t)
    small = leftover_blind(beta, TokenBucket(sigma, r * frac))
    big = leftover_blind(beta, TokenBucket(sigma * 2 + 1, r * frac * 2))
    assert big.time_for(s) >= small.time_for(s) - 1e-9
    slow = RateLatency(r / 2, t * 2)
    assert slow.time_for(s) >= beta.time_for(s)
    assert beta.time_for(s * 2) >= beta.time_for(s)
