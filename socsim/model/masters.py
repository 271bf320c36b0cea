"""Other bus masters: the camera ISP, the display, CPU clusters and generic token buckets.

Every master turns its spec into one deterministic sequence of requests (time, bytes, read or
write, row for random addresses) that both fidelities consume: the burst fidelity issues each
request's bursts at its time (open loop: whether or not earlier requests completed); the fast
fidelity feeds a piecewise-constant *fluid* arrival rate that never runs ahead of the requests
(``fluid_segments``) and estimates each request's latency afterwards. Request sizes are rounded up
to whole bursts. The sequence is generated a chunk at a time as it is consumed and can be read again
from the start (``cursor``, ``blocks``); nothing holds it whole, so memory does not grow with
simulated time.

Every master declares its arrival envelope (σ bytes, ρ GB/s) without simulating: in any window of
Δ ns it requests at most σ + ρ·Δ bytes. The analysis (``socsim.analysis``) builds on these:

- isp: one line of W·bpp bytes every line time, (σ, ρ) = (line bytes, line bytes / line time);
- display: one request of r bytes every r/ρ ns with ρ = W·H·bpp·fps, (σ, ρ) = (r, ρ);
- cpu: requests shaped by a greedy token bucket (σ = burst_bytes, ρ = rate_gbps), so the envelope
  holds by construction whatever the random draws;
- token_bucket: ⌊σ/r⌋ requests at time 0, then one every r/ρ ns, (σ, ρ) as given.

Masters run from time 0 until the last frame completes (``stop_ns``); requests issued by then are
served to the end (drain), so bytes requested equal bytes delivered.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterator

import numpy as np

from socsim.registry import MASTERS
from socsim.scenario import CpuMaster, DisplayMaster, IspMaster, Master, PluginMaster, TokenBucketMaster
from socsim.units import NS_PER_S, ceil_div

CHUNK = 65536
"""Requests generated at a time (count)."""
FLUID_WINDOW_NS = 50_000.0
"""Longest window over which the fast fidelity averages a CPU's random arrivals (ns)."""


class Source(ABC):
    """A master other than the accelerator: its request sequence, fluid arrivals and envelope."""

    def __init__(self, spec: Master, burst_bytes: int, seed: int = 0):
        self.spec = spec
        self.name = spec.name
        self.kind = spec.kind
        self.burst_bytes = burst_bytes
        self.seed = seed

    # ---- what the subclasses define -------------------------------------------------------
    @abstractmethod
    def envelope(self) -> tuple[float, float]:
        """(σ bytes, ρ GB/s): the arrival curve this master respects."""

    @abstractmethod
    def _chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """Successive chunks of (times ns, sizes bytes, writes, rows) in time order; every call
        starts the same sequence again (the fidelities and the latency estimate each read it)."""

    @abstractmethod
    def fluid_segments(self, window_ns: float = FLUID_WINDOW_NS) -> Iterator[tuple[float, float]]:
        """(time ns, arrival rate bytes/ns from then on): the requests spread evenly in time.

        Random arrivals are averaged over windows of ``window_ns``; the fluid stays within one
        window's (or one request's) bytes of the requests.
        """

    fluid_initial_bytes = 0
    """Bytes requested at time 0 that the fluid form treats as an initial backlog (bytes)."""
    random_addresses = False
    """True when every request opens a random row (else the master streams sequentially)."""
    deadline_ns: float | None = None
    """Time after its issue by which a request's data must be back (display FIFO depth), or None."""

    @property
    def write_fraction(self) -> float:
        """Share of bytes written (0..1)."""
        return 0.0

    @property
    def request_bytes(self) -> int:
        """Typical request size, whole bursts (bytes)."""
        return self.burst_bytes

    # ---- shared machinery -----------------------------------------------------------------
    def _round(self, nbytes: int) -> int:
        return ceil_div(nbytes, self.burst_bytes) * self.burst_bytes

    def cursor(self) -> RequestCursor:
        """The requests from time 0, consumed in time order and forgotten once dropped."""
        return RequestCursor(self._chunks())

    def blocks(self, t_ns: float) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The requests with time < t_ns, a chunk at a time: (times ns, sizes bytes)."""
        for times, sizes, _, _ in self._chunks():
            k = int(np.searchsorted(times, t_ns, side="left"))
            if k:
                yield times[:k], sizes[:k]
            if k < len(times):
                return

    def requests_until(self, t_ns: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All requests with time < t_ns at once: (times, sizes, writes, rows); for short horizons
        (tests, the soundness checks), as it holds them all."""
        parts = []
        for times, sizes, writes, rows in self._chunks():
            k = int(np.searchsorted(times, t_ns, side="left"))
            parts.append((times[:k], sizes[:k], writes[:k], rows[:k]))
            if k < len(times):
                break
        return tuple(np.concatenate([p[j] for p in parts]) for j in range(4))

    def iter_requests(self) -> Iterator[tuple[float, int, bool, int]]:
        """Requests one by one, in time order (generated lazily)."""
        for t, s, w, r in self._chunks():
            yield from zip(t.tolist(), s.tolist(), w.tolist(), r.tolist())


class IspSource(Source):
    """Camera ISP: writes line j of frame f at f/fps + (j + 1)·line_time (data ready at line end)."""

    def __init__(self, spec: IspMaster, burst_bytes: int, seed: int = 0):
        self.period_ns = NS_PER_S / spec.fps
        self.line_ns = spec.line_time_ns if spec.line_time_ns is not None else self.period_ns / spec.height
        super().__init__(spec, burst_bytes, seed)
        self.line_bytes = self._round(spec.width * spec.bytes_per_pixel)

    def envelope(self):
        return float(self.line_bytes), self.line_bytes / self.line_ns

    @property
    def write_fraction(self):
        return 1.0

    @property
    def request_bytes(self):
        return self.line_bytes

    def _chunks(self):
        h = self.spec.height
        lines = np.arange(1, h + 1) * self.line_ns
        line_bytes = self._round(self.spec.width * self.spec.bytes_per_pixel)
        f = 0
        while True:
            yield (f * self.period_ns + lines, np.full(h, line_bytes, np.int64), np.ones(h, bool),
                   np.zeros(h, np.int64))
            f += 1

    def fluid_segments(self, window_ns: float = FLUID_WINDOW_NS):
        rate = self.line_bytes / self.line_ns
        f = 0
        while True:
            start = f * self.period_ns
            yield start, rate
            yield start + self.spec.height * self.line_ns, 0.0
            f += 1


class DisplaySource(Source):
    """Display: reads r bytes every r/ρ ns; request k is due k·r/ρ + fifo/ρ ns after time 0."""

    def __init__(self, spec: DisplayMaster, burst_bytes: int, seed: int = 0):
        super().__init__(spec, burst_bytes, seed)
        self.rate_gbps = spec.width * spec.height * spec.bytes_per_pixel * spec.fps / NS_PER_S
        self.req = self._round(spec.request_bytes)
        self.gap_ns = self.req / self.rate_gbps
        # Request k is issued when its space frees at k·gap; its first byte is due fifo/ρ later.
        self.deadline_ns = spec.fifo_bytes / self.rate_gbps

    def envelope(self):
        return float(self.req), self.rate_gbps

    @property
    def request_bytes(self):
        return self.req

    def _chunks(self):
        k = 0
        while True:
            idx = np.arange(k, k + CHUNK)
            yield idx * self.gap_ns, np.full(CHUNK, self.req, np.int64), np.zeros(CHUNK, bool), np.zeros(CHUNK, np.int64)
            k += CHUNK

    def fluid_segments(self, window_ns: float = FLUID_WINDOW_NS):
        yield 0.0, self.rate_gbps


class TokenBucketSource(Source):
    """Issues ⌊σ/r⌋ requests at time 0, then one request every r/ρ ns (envelope σ, ρ)."""

    def __init__(self, spec: TokenBucketMaster, burst_bytes: int, seed: int = 0):
        super().__init__(spec, burst_bytes, seed)
        self.req = self._round(spec.request_bytes)
        self.gap_ns = self.req / spec.rate_gbps
        self.first = spec.sigma_bytes // self.req
        self.fluid_initial_bytes = self.first * self.req

    def envelope(self):
        # Requests arrive whole, so any window holds at most max(σ, one request) + ρ·Δ bytes.
        return float(max(self.spec.sigma_bytes, self.req)), float(self.spec.rate_gbps)

    @property
    def write_fraction(self):
        return 1.0 - self.spec.read_fraction

    @property
    def request_bytes(self):
        return self.req

    def _write_flags(self, k: np.ndarray) -> np.ndarray:
        wf = 1.0 - self.spec.read_fraction
        # Writes spread evenly: request k is a write when ⌊(k+1)·wf⌋ > ⌊k·wf⌋.
        return np.floor((k + 1) * wf + 1e-9) > np.floor(k * wf + 1e-9)

    def _chunks(self):
        k0 = np.arange(self.first)
        yield np.zeros(self.first), np.full(self.first, self.req, np.int64), self._write_flags(k0), np.zeros(self.first, np.int64)
        k = 1
        while True:
            idx = np.arange(k, k + CHUNK)
            yield (idx * self.gap_ns, np.full(CHUNK, self.req, np.int64), self._write_flags(idx + self.first - 1),
                   np.zeros(CHUNK, np.int64))
            k += CHUNK

    def fluid_segments(self, window_ns: float = FLUID_WINDOW_NS):
        yield 0.0, float(self.spec.rate_gbps)


class CpuSource(Source):
    """CPU cluster: random (exponential gaps) or bursty (clumps) requests through a token-bucket shaper."""

    def __init__(self, spec: CpuMaster, burst_bytes: int, seed: int = 0):
        super().__init__(spec, burst_bytes, seed)
        self.req = self._round(spec.request_bytes)
        self.random_addresses = spec.addresses == "random"

    def envelope(self):
        return float(max(self.spec.burst_bytes, self.req)), float(self.spec.rate_gbps)

    @property
    def write_fraction(self):
        return 1.0 - self.spec.read_fraction

    @property
    def request_bytes(self):
        return self.req

    def _chunks(self):
        spec = self.spec
        rng = np.random.default_rng(self.seed)
        rho = spec.rate_gbps
        sigma = float(max(spec.burst_bytes, self.req))
        per_clump = max(1, spec.burst_bytes // self.req) if spec.arrivals == "bursty" else 1
        desired_t = 0.0
        sent = 0.0  # bytes of all earlier requests, S_{k-1}
        best = -math.inf  # max over earlier requests of d_i − S_{i−1}/ρ
        while True:
            clumps = CHUNK // per_clump
            gaps = rng.exponential(self.req * per_clump / rho, clumps)
            d = desired_t + np.cumsum(gaps)
            desired_t = float(d[-1])
            d = np.repeat(d, per_clump)
            n = len(d)
            sizes = np.full(n, self.req, np.int64)
            s_prev = sent + np.arange(n) * float(self.req)  # S_{k-1}
            s_k = s_prev + self.req
            run = np.maximum.accumulate(np.maximum(d - s_prev / rho, best))
            # Greedy (σ, ρ) shaper: t_k = max(d_k, (S_k − σ)/ρ + max_{i≤k}(d_i − S_{i−1}/ρ)).
            t = np.maximum(d, (s_k - sigma) / rho + run)
            best = float(run[-1])
            sent = float(s_k[-1])
            writes = rng.random(n) >= spec.read_fraction
            rows = rng.integers(0, 1 << 40, n) if self.random_addresses else np.zeros(n, np.int64)
            yield t, sizes, writes, rows

    def fluid_segments(self, window_ns: float = FLUID_WINDOW_NS):
        # The rate in each window is the bytes requested in it, spread evenly over it.
        block = 256
        k0 = 0
        requests = self.cursor()
        while True:
            times, sizes = requests.until((k0 + block) * window_ns)
            idx = (times // window_ns).astype(np.int64) - k0
            sums = np.bincount(idx, weights=sizes, minlength=block)[:block]
            requests.drop_before((k0 + block) * window_ns)
            for j in range(block):
                yield (k0 + j) * window_ns, float(sums[j]) / window_ns
            k0 += block


class RequestCursor:
    """A master's requests read in time order and held only between two times: ``until(t)`` gives
    those held with time < t, ``drop_before(t)`` forgets those before t (their bytes stay counted).

    Invariant: the held requests are those with ``dropped_ns`` ≤ time, in time order, and every
    request with time < ``generated_ns`` has been generated."""

    def __init__(self, chunks: Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]):
        self._chunks = chunks
        self._times = np.zeros(0)
        self._sizes = np.zeros(0, np.int64)
        self._start = 0
        self._end = 0
        self.generated_ns = -math.inf
        """Every request before this time has been generated (ns)."""
        self.dropped_ns = -math.inf
        """Requests before this time are forgotten (ns)."""
        self.dropped_bytes = 0
        """Bytes of the forgotten requests (bytes)."""

    def until(self, t_ns: float) -> tuple[np.ndarray, np.ndarray]:
        """The held requests with time < t_ns: (times ns, sizes bytes), views valid until the next call."""
        while self.generated_ns < t_ns:
            part = next(self._chunks, None)
            if part is None:
                self.generated_ns = math.inf
                break
            if len(part[0]):
                self._append(part[0], part[1])
                self.generated_ns = float(part[0][-1])
        times = self._times[self._start:self._end]
        k = int(np.searchsorted(times, t_ns, side="left"))
        return times[:k], self._sizes[self._start:self._start + k]

    def drop_before(self, t_ns: float) -> None:
        """Forget the requests with time < t_ns (generated or not yet)."""
        times, sizes = self.until(t_ns)
        self.dropped_bytes += int(sizes.sum())
        self._start += len(times)
        self.dropped_ns = max(self.dropped_ns, t_ns)

    @property
    def held(self) -> int:
        """Requests held (count)."""
        return self._end - self._start

    def bytes_before(self, t_ns: float) -> int:
        """Bytes of all requests with time < t_ns, forgotten ones included (t_ns ≥ ``dropped_ns``)."""
        if t_ns < self.dropped_ns:
            raise ValueError(f"t_ns={t_ns}: before the forgotten requests' end {self.dropped_ns}")
        return self.dropped_bytes + int(self.until(t_ns)[1].sum())

    def _append(self, times: np.ndarray, sizes: np.ndarray) -> None:
        live, m = self._end - self._start, len(times)
        if self._end + m > len(self._times):
            # Compact and grow geometrically: appending stays linear in the requests held.
            cap = max(2 * live, live + m)
            grown_t, grown_s = np.zeros(cap), np.zeros(cap, np.int64)
            grown_t[:live] = self._times[self._start:self._end]
            grown_s[:live] = self._sizes[self._start:self._end]
            self._times, self._sizes, self._start, self._end = grown_t, grown_s, 0, live
        self._times[self._end:self._end + m] = times
        self._sizes[self._end:self._end + m] = sizes
        self._end += m


def make_sources(masters: list[Master], burst_bytes: int, scenario_seed: int) -> list[Source]:
    """One source per master spec; CPU seeds derive from the scenario seed and the master's position."""
    out = []
    for pos, spec in enumerate(masters):
        seed = getattr(spec, "seed", None)
        if seed is None:
            seed = int(np.random.SeedSequence([scenario_seed, pos + 1]).generate_state(1)[0])
        if isinstance(spec, PluginMaster):
            spec = spec.plugin_spec()
        out.append(MASTERS.load(spec.kind)(spec, burst_bytes, seed))
    return out
