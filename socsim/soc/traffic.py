"""Other bus masters: traffic sources that share the path to DRAM with the accelerator.

Every master declares its arrival envelope (σ bytes, ρ GB/s): in any window of Δ ns it requests
at most σ + ρ·Δ bytes. Requests are open-loop (issued whether or not earlier ones completed).
"""

from __future__ import annotations

import simpy

from socsim.scenario import TokenBucketMaster
from socsim.soc.arbitration import Arbiter
from socsim.soc.dram import PathTiming


class TokenBucketSource:
    """Issues ⌊σ/request⌋ requests at time 0, then one request every request/ρ ns (envelope σ, ρ)."""

    def __init__(self, env: simpy.Environment, spec: TokenBucketMaster, path: PathTiming, arbiter: Arbiter):
        self.env = env
        self.spec = spec
        self.path = path
        self.arbiter = arbiter
        self.name = spec.name
        self.bytes_requested = 0
        self.bytes_delivered = 0
        self.latencies_ns: list[float] = []
        env.process(self._generate())

    @property
    def envelope(self) -> tuple[int, float]:
        """(σ bytes, ρ GB/s): the arrival curve this source respects."""
        return self.spec.sigma_bytes, self.spec.rate_gbps

    def _generate(self):
        size = self.spec.request_bytes
        for _ in range(self.spec.sigma_bytes // size):
            self._issue(size)
        gap_ns = size / self.spec.rate_gbps
        while True:
            yield self.env.timeout(gap_ns)
            self._issue(size)

    def _issue(self, size: int) -> None:
        self.bytes_requested += size
        self.env.process(self._serve(size, self.env.now))

    def _serve(self, size: int, issued_ns: float):
        yield self.arbiter.request(self.name)
        yield self.env.timeout(self.path.data_ns(size))
        self.arbiter.release()
        yield self.env.timeout(self.path.latency_ns)
        self.bytes_delivered += size
        self.latencies_ns.append(self.env.now - issued_ns)


SOURCES = {"token_bucket": TokenBucketSource}
