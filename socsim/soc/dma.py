"""The accelerator's DMA engine: channels that move descriptors between DRAM and SRAM.

A *descriptor* moves one transfer unit (already compressed and rounded up to whole bursts). Each
of the ``channels`` channels takes the next descriptor from one FIFO queue, asks the arbiter for
the path, holds it for ``size / path rate`` ns and releases it. A channel keeps at most
``max_outstanding`` bursts in flight, so on its own it moves at most
max_outstanding·burst_bytes / latency_ns bytes per ns (Little's law): when that is below the path
rate, the channel stays busy for ``size / channel rate`` ns in all (the path is free for other
channels and masters meanwhile). The descriptor completes ``latency_ns`` after the channel is done
with it (latency is pipelined, so the channel goes on at once).
"""

from __future__ import annotations

from collections.abc import Sequence

import simpy

from socsim.scenario import DmaSpec
from socsim.soc.arbitration import Arbiter
from socsim.soc.dram import PathTiming


class Batch:
    """A group of descriptors that completes when its last descriptor completes."""

    __slots__ = ("done", "pending", "bytes", "busy_ns")

    def __init__(self, env: simpy.Environment, count: int):
        self.done = env.event()
        self.pending = count
        self.bytes = 0
        self.busy_ns = 0.0
        if count == 0:
            self.done.succeed()


class DmaEngine:
    """DMA channels serving one descriptor queue for master ``master``."""

    def __init__(self, env: simpy.Environment, spec: DmaSpec, path: PathTiming, arbiter: Arbiter, master: str = "npu"):
        self.env = env
        self.spec = spec
        self.path = path
        self.arbiter = arbiter
        self.master = master
        self.rate_gbps = min(path.rate_gbps, spec.max_outstanding * spec.burst_bytes / path.latency_ns)
        """Rate of one channel on its own (GB/s)."""
        self.queue: simpy.Store = simpy.Store(env)
        self.bytes_requested = 0
        self.bytes_delivered = 0
        self.busy_ns = 0.0
        for _ in range(spec.channels):
            env.process(self._channel())

    def submit(self, sizes_bytes: Sequence[int]) -> Batch:
        """Queue one descriptor per size; the returned batch's ``done`` fires when all complete."""
        batch = Batch(self.env, len(sizes_bytes))
        for size in sizes_bytes:
            self.bytes_requested += int(size)
            self.queue.put((int(size), batch))
        return batch

    def _channel(self):
        env = self.env
        while True:
            size, batch = yield self.queue.get()
            yield self.arbiter.request(self.master)
            hold = self.path.data_ns(size)
            yield env.timeout(hold)
            self.arbiter.release()
            self.busy_ns += hold
            batch.busy_ns += hold
            rest = size / self.rate_gbps - hold
            if rest > 0:
                yield env.timeout(rest)
            env.timeout(self.path.latency_ns).callbacks.append(
                lambda _ev, size=size, batch=batch: self._complete(size, batch)
            )

    def _complete(self, size: int, batch: Batch) -> None:
        self.bytes_delivered += size
        batch.bytes += size
        batch.pending -= 1
        if batch.pending == 0:
            batch.done.succeed()
