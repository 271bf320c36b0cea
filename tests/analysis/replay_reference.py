"""The replay's reference: ``_Replay.submit`` as first written, one ``_descriptor`` call per
descriptor. The fast replay inlines that method; tests compare the two bound for bound."""

from typing import Sequence

from socsim.analysis.response_time import _Batch, _Replay


class ReferenceReplay(_Replay):
    """``_Replay`` whose ``submit`` serves each descriptor through ``_descriptor``."""

    def submit(self, sizes: Sequence[int], t: float, raw: Sequence[int] = (), coded: Sequence[bool] = (),
               write: bool = False) -> int:
        """Queue a batch of descriptors at time t; return its index."""
        queued = done = t
        hold_total = eng_total = 0.0
        largest = 0
        free = self.channel_free
        e_gbps = self.b.engine_gbps
        for k, size in enumerate(sizes):
            ch = 0 if len(free) == 1 else min(range(len(free)), key=free.__getitem__)
            start = t if t > free[ch] else free[ch]
            eng = raw[k] / e_gbps if bool(coded) and coded[k] and e_gbps is not None else None
            d = self._descriptor(size, start, queued, eng)
            free[ch] = d.channel_end
            done = max(done, d.end)
            largest = max(largest, d.bursts)
            hold_total += d.hold
            eng_total += eng or 0.0
            t = start  # FIFO: the next descriptor leaves the queue no earlier than this one
        self.batches.append(_Batch(queued, done, hold_total, eng_total, write, largest))
        return len(self.batches) - 1
