"""The accelerator at either fidelity: runs layer plans (``socsim.model.schedule``) on the PE array,
double-buffering tiles against the DMA engine as that module's docstring states."""

from __future__ import annotations

import simpy

from socsim.model.records import LayerRecord
from socsim.model.schedule import Await, Issue, LayerPlan, TilePlan, double_buffer_steps
from socsim.scenario import AcceleratorSpec


class Accelerator:
    """Runs layer plans on the PE array, double-buffering tiles against a DMA engine of either fidelity."""

    def __init__(self, env: simpy.Environment, spec: AcceleratorSpec, dma):
        self.env = env
        self.spec = spec
        self.dma = dma

    def _load(self, tile: TilePlan):
        return self.dma.submit(tile.read_bytes, tile.read_raw, tile.read_coded, write=False)

    @staticmethod
    def _span(env: simpy.Environment, record: LayerRecord, kind: str, tile: int, batch) -> None:
        """Once a DMA batch completes, record per channel that served it: from its first descriptor
        taken to its last completed, and the bytes it moved."""
        def done(_ev) -> None:
            per_channel: dict[int, list] = {}
            for channel, taken, completed, nbytes in batch.spans:
                span = per_channel.setdefault(channel, [taken, completed, 0])
                span[0], span[1], span[2] = min(span[0], taken), max(span[1], completed), span[2] + nbytes
            record.dma_spans += [(kind, tile, c, a, b, n) for c, (a, b, n) in sorted(per_channel.items())]

        batch.done.callbacks.append(done)

    def run_layer(self, env: simpy.Environment, plan: LayerPlan, record: LayerRecord):
        """Generator: execute ``plan``'s double-buffer steps (``socsim.model.schedule``), filling ``record``."""
        tiles = plan.tiles
        batches: dict[tuple[int, bool], object] = {}
        for step in double_buffer_steps(len(tiles)):
            if isinstance(step, Issue):
                tile = tiles[step.tile]
                if step.store:
                    batch = self.dma.submit(tile.write_bytes, tile.write_raw, tile.write_coded, write=True)
                else:
                    batch = self._load(tile)
                batches[step.tile, step.store] = batch
                self._span(env, record, "store" if step.store else "load", step.tile, batch)
            elif isinstance(step, Await):
                wait_from = env.now
                for key in step.batches:
                    yield batches[key].done
                record.stall_ns += env.now - wait_from
            else:
                tile = tiles[step.tile]
                start = env.now
                yield env.timeout(tile.compute_ns)
                record.tile_spans.append((start, env.now))
                record.compute_ns += tile.compute_ns
        record.end_ns = env.now
        loads = [b for (_, store), b in batches.items() if not store]
        stores = [b for (_, store), b in batches.items() if store]
        record.read_bytes = sum(b.bytes for b in loads)
        record.write_bytes = sum(b.bytes for b in stores)
        record.dma_busy_ns = sum(b.busy_ns for b in loads) + sum(b.busy_ns for b in stores)
