"""The accelerator's DMA engine and the codec engine in its path, at burst fidelity.

A *descriptor* moves one transfer unit: ``size`` bytes on the bus (compressed, whole bursts) that
are ``raw`` bytes in SRAM (uncompressed). Each of the ``channels`` channels takes the next
descriptor from one FIFO queue once it has issued every burst of its current one, and keeps at
most ``max_outstanding`` bursts in flight (issued, data not yet back), so on its own a channel
moves at most max_outstanding·b bytes per round trip (Little's law). Channel c's loads are one
traffic stream and its stores another (or one stream for both), each placed in its region
(``socsim.regions``): each direction's descriptors are laid out one after the other there.

Codec engine (``dma.codec_engine``): one engine serves all channels in FIFO order. It processes
the *uncompressed* side at E = bytes_per_cycle·freq bytes/ns plus a pipeline latency of
latency_cycles. A descriptor that is compressed (``coded``) sends each of its n bursts through the
engine: raw/n bytes of engine time per burst, after the DRAM for loads (decompress) and before it
for stores (compress). Descriptors of weights, of the uncompressed network input, and every
descriptor when the codec is 'none', bypass it. Without an engine spec, compression takes no time.

A descriptor completes when its last burst is back (and through the engine); a ``Batch`` (the
loads or the stores of one tile) completes with its last descriptor.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import simpy

from socsim.model.dram import DramModel
from socsim.model.engine import CodecEngine
from socsim.regions import Layout, Place, default_layout
from socsim.scenario import DmaSpec
from socsim.soc.controller import MemoryController


class Batch:
    """A group of descriptors that completes when its last descriptor completes."""

    __slots__ = ("done", "pending", "bytes", "busy_ns", "submit_ns", "last_ns", "spans")

    def __init__(self, env: simpy.Environment, count: int):
        self.done = env.event()
        self.pending = count
        self.bytes = 0
        self.busy_ns = 0.0
        """Server time its bursts held the path to DRAM (ns)."""
        self.submit_ns = env.now
        self.last_ns = env.now
        """Latest completion among its descriptors so far (ns; fast fidelity)."""
        self.spans: list[tuple[int, float, float, int]] = []
        """(channel, taken, completed, bytes) of each descriptor: which DMA channel took it, when, and
        when it completed (ns); the trace's channel tracks."""
        if count == 0:
            self.done.succeed()


class Descriptor:
    """One transfer unit in flight (burst fidelity)."""

    __slots__ = ("size", "raw_per_burst", "coded", "write", "batch", "bursts", "issued", "back", "channel",
                 "taken_ns")

    def __init__(self, size: int, raw: int, coded: bool, write: bool, batch: Batch, burst: int):
        self.size = size
        self.bursts = max(1, -(-size // burst))
        self.raw_per_burst = raw / self.bursts
        self.coded = coded
        self.write = write
        self.batch = batch
        self.issued = 0
        self.back = 0
        self.channel = -1
        """The channel that took it (index)."""
        self.taken_ns = 0.0
        """When its channel took it from the queue (ns)."""


class _Channel:
    __slots__ = ("index", "places", "pos", "desc", "outstanding")

    def __init__(self, index: int, places: tuple[Place, Place]):
        self.index = index
        self.places = places
        """Place of its loads, place of its stores (the same stream when the layout does not split them)."""
        self.pos = [0, 0]
        """Next byte of its load stream and of its store stream."""
        self.desc: Descriptor | None = None
        self.outstanding = 0


class DmaEngine:
    """Burst fidelity: DMA channels serving one descriptor queue for master index ``master``."""

    def __init__(self, env: simpy.Environment, spec: DmaSpec, model: DramModel, controller: MemoryController,
                 master: int = 0, layout: Layout | None = None):
        """``master``: its index at the arbiter; ``layout``: every stream's place (default: the
        default layout with no other master)."""
        self.env = env
        self.spec = spec
        self.model = model
        self.controller = controller
        self.master = master
        self.engine = CodecEngine.from_spec(spec.codec_engine)
        self._engine_free = 0.0
        self.engine_busy_ns = 0.0
        self.queue: deque[Descriptor] = deque()
        layout = layout if layout is not None else default_layout(model.banks, spec.channels, 0)
        self.channels = [_Channel(c, layout.channels[c]) for c in range(spec.channels)]
        self._split = layout.split
        """Loads and stores are separate streams (else one stream, one position, per channel)."""
        self.bytes_requested = 0
        self.bytes_delivered = 0
        self.busy_ns = 0.0
        self.latencies: list[float] = []
        """Submit-to-completion time of every descriptor (ns)."""

    def submit(self, sizes: Sequence[int], raw: Sequence[int] = (), coded: Sequence[bool] = (),
               write: bool = False) -> Batch:
        """Queue one descriptor per size; the returned batch's ``done`` fires when all complete."""
        b = self.model.burst_bytes
        batch = Batch(self.env, sum(1 for size in sizes if size > 0))
        for k, size in enumerate(sizes):
            size = int(size)
            if size <= 0:
                continue
            if size % b:
                raise ValueError(f"descriptor of {size} bytes: not a whole number of {b}-byte bursts")
            self.bytes_requested += size
            self.queue.append(Descriptor(size, int(raw[k]) if raw else size, bool(coded[k]) if coded else False,
                                         write, batch, b))
        for ch in self.channels:
            self._fill(ch)
        return batch

    def _fill(self, ch: _Channel) -> None:
        limit = self.spec.max_outstanding
        b = self.model.burst_bytes
        row_bytes = self.model.row_bytes
        while ch.outstanding < limit:
            d = ch.desc
            if d is None or d.issued == d.bursts:
                if not self.queue:
                    ch.desc = None
                    return
                d = ch.desc = self.queue.popleft()
                d.channel, d.taken_ns = ch.index, self.env.now
            d.issued += 1
            ch.outstanding += 1
            w = int(d.write)
            stream = w if self._split else 0
            place = ch.places[w]
            row = place.row(ch.pos[stream] // row_bytes if row_bytes else 0)
            ch.pos[stream] += b
            if d.write and d.coded and self.engine is not None:
                ready = self._engine(self.env.now, d.raw_per_burst)
                ev = self.env.timeout(ready - self.env.now, (ch, d, row))
                ev.callbacks.append(self._compressed)
            else:
                self.controller.enqueue(self.master, place.bank, row, d.write, self, (ch, d))

    def _engine(self, arrive: float, raw_bytes: float) -> float:
        """FIFO pass through the codec engine of a burst arriving at ``arrive``; returns its exit time."""
        start = max(arrive, self._engine_free)
        service = raw_bytes / self.engine.gbps
        self._engine_free = start + service
        self.engine_busy_ns += service
        return self._engine_free + self.engine.latency_ns

    def _compressed(self, ev) -> None:
        ch, d, row = ev.value
        self.controller.enqueue(self.master, ch.places[1].bank, row, True, self, (ch, d))

    def burst_done(self, token, cost_ns: float) -> None:
        """Called by the controller when a burst's data is back (loads) or in DRAM (stores)."""
        ch, d = token
        self.busy_ns += cost_ns
        d.batch.busy_ns += cost_ns
        if not d.write and d.coded and self.engine is not None:
            ready = self._engine(self.env.now, d.raw_per_burst)
            ev = self.env.timeout(ready - self.env.now, token)
            ev.callbacks.append(self._decompressed)
            return
        self._back(ch, d)

    def _decompressed(self, ev) -> None:
        ch, d = ev.value
        self._back(ch, d)

    def _back(self, ch: _Channel, d: Descriptor) -> None:
        ch.outstanding -= 1
        d.back += 1
        if d.back == d.bursts:
            self._complete(d)
        self._fill(ch)

    def _complete(self, d: Descriptor) -> None:
        batch = d.batch
        self.bytes_delivered += d.size
        batch.bytes += d.size
        batch.spans.append((d.channel, d.taken_ns, self.env.now, d.size))
        latency = self.env.now - batch.submit_ns
        self.latencies.append(latency)
        batch.pending -= 1
        if batch.pending == 0:
            batch.done.succeed()

    @property
    def idle(self) -> bool:
        """True when no descriptor is queued or in flight."""
        return not self.queue and all(ch.outstanding == 0 for ch in self.channels)
