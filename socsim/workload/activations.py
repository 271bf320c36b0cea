"""The workload stage: from a scenario to its layer graph and the per-unit sizes of every map.

``load_workload(scenario, codecs)`` answers from the activation cache when it can (no torch at
all), and otherwise builds the model, makes the inputs, runs the capture and stores the result.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NamedTuple

import numpy as np

from socsim.codecs.base import Codec
from socsim.errors import WorkloadError
from socsim.scenario import Scenario
from socsim.workload.cache import ActivationCache, default_dir, graph_from_json, graph_to_json, key_of
from socsim.workload.graph import LayerGraph


@dataclass
class Workload:
    """The captured workload as plain data for the SoC and analysis stages."""

    graph: LayerGraph
    frac_bits: dict[str, int]
    """Layer → fraction bits of its 16-bit fixed-point format."""
    counts: list[dict[str, tuple[int, int, int]]]
    """Per frame: layer → (elements, zeros, saturated)."""
    sizes: dict[str, list[dict[str, np.ndarray]]]
    """Codec key → per frame → layer → per-unit size in bits (DMA order)."""
    weights: dict[str, Any]
    """Provenance of the weights: source, sha256, note."""
    inputs: list[str]
    """How each frame's input was made."""
    model: str
    height: int
    width: int
    cache: str = "miss"
    """'hit' when read from the activation cache, 'miss' when captured now."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of the workload phases (s)."""

    @property
    def frames(self) -> int:
        """Number of captured frames."""
        return len(self.counts)


class _Resolution(NamedTuple):
    """The input size of the scenario's workload and whether its model is a classifier."""

    height: int
    width: int
    classifier: bool


@dataclass(frozen=True)
class _CacheSlot:
    """Where a workload's results live in the activation cache."""

    cache: ActivationCache
    key: str
    """The key of the model, weights, inputs and capture settings (``key_of``)."""
    unit_key: str
    """The transfer unit the per-unit sizes were cut with (its JSON)."""


def _resolution(scenario: Scenario) -> _Resolution:
    """The resolution of the scenario's workload, found without importing torch."""
    from socsim.workload.models import MODELS

    wl = scenario.workload
    info = MODELS.get(wl.model)
    default = info.input_hw if info is not None else None
    h = wl.height or (default[0] if default else None)
    w = wl.width or (default[1] if default else None)
    if h is None or w is None:
        raise WorkloadError(f"workload.model={wl.model!r}: user models need workload.height and workload.width")
    return _Resolution(h, w, bool(info is not None and info.task == "classification"))


def _weights_identity(scenario: Scenario) -> str:
    """What identifies the weights for the cache: a seed, or the SHA-256 of the file to load."""
    from socsim.workload import weights as W

    wl = scenario.workload
    if wl.weights == "random":
        return f"random:seed={scenario.seed}"
    if wl.weights == "trained" or wl.weights.startswith("trained:"):
        info = W.resolve_model(wl.model)
        source = wl.weights.partition(":")[2] or (info.trained[0] if info.trained else "")
        if (wl.model, source) not in W.TRAINED:
            known = ", ".join(info.trained) or "none"
            raise WorkloadError(f"workload.weights={wl.weights!r}: no trained source {source!r} for {wl.model} (known: {known})")
        path = W.find_trained_file(wl.model, source, wl.weights)
        # Partly random initialisations depend on the seed too.
        return f"trained:{source}:{W.file_sha256(path)}:seed={scenario.seed}"
    return f"file:{W.file_sha256(scenario.resolve(wl.weights))}"


def _model_identity(model: str) -> str:
    """The model name, plus the SHA-256 of a user factory's source file."""
    if ":" not in model:
        return model
    spec = importlib.util.find_spec(model.partition(":")[0])
    origin = spec.origin if spec is not None else None
    if origin and Path(origin).is_file():
        from socsim.workload.weights import file_sha256

        return f"{model}:{file_sha256(Path(origin))}"
    return model


def load_workload(
    scenario: Scenario,
    codecs: list[Codec],
    progress: Callable[[int, int, str], None] | None = None,
    use_cache: bool = True,
) -> Workload:
    """The scenario's workload with sizes for every codec; ``progress(frame, frames, layer)``."""
    from socsim.workload.images import sources_identity

    t0 = time.perf_counter()
    wl = scenario.workload
    res = _resolution(scenario)
    identity = {
        "model": _model_identity(wl.model),
        "weights": _weights_identity(scenario),
        "images": sources_identity(wl.images, Path(scenario.base_dir)),
        "frames": scenario.frames,
        "height": res.height,
        "width": res.width,
        "classifier": res.classifier,
        "seed": scenario.seed,
        "headroom": wl.frac_bits_headroom,
    }
    root = scenario.resolve(scenario.run.cache_dir) if scenario.run.cache_dir else default_dir()
    slot = _CacheSlot(ActivationCache(root), key_of(identity), scenario.codec.transfer_unit.model_dump_json())
    seconds = {"cache_key": time.perf_counter() - t0}
    if use_cache:
        t1 = time.perf_counter()
        meta = slot.cache.load_meta(slot.key)
        if meta is not None:
            sizes = {}
            for codec in codecs:
                got = slot.cache.load_sizes(slot.key, codec.key, slot.unit_key)
                if got is None:
                    break
                sizes[codec.key] = got
            else:
                seconds["cache_read"] = time.perf_counter() - t1
                return _from_meta(meta, sizes, "hit", seconds)
    return _capture_and_store(scenario, codecs, slot, res, progress, seconds)


def _from_meta(meta: dict[str, Any], sizes, cache_state: str, seconds: dict[str, float]) -> Workload:
    counts = [{k: tuple(v) for k, v in frame.items()} for frame in meta["counts"]]
    return Workload(
        graph=graph_from_json(meta["graph"]),
        frac_bits=meta["frac_bits"],
        counts=counts,
        sizes=sizes,
        weights=meta["weights"],
        inputs=meta["inputs"],
        model=meta["model"],
        height=meta["height"],
        width=meta["width"],
        cache=cache_state,
        seconds=seconds,
    )


def _capture_and_store(
    scenario: Scenario,
    codecs: list[Codec],
    slot: _CacheSlot,
    res: _Resolution,
    progress: Callable[[int, int, str], None] | None,
    seconds: dict[str, float],
) -> Workload:
    """Build the model and inputs, capture every frame, store the result in ``slot``; adds the
    phases' wall times to ``seconds``."""
    import torch

    from socsim.workload.capture import capture
    from socsim.workload.images import make_inputs
    from socsim.workload.weights import build_model

    wl = scenario.workload
    t0 = time.perf_counter()
    model, info, winfo = build_model(wl.model, wl.weights, scenario.seed, Path(scenario.base_dir))
    seconds["model_build"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    images = make_inputs(
        wl.images, Path(scenario.base_dir), scenario.frames, res.height, res.width, res.classifier, scenario.seed
    )
    mean = torch.tensor(info.mean).view(1, 3, 1, 1)
    std = torch.tensor(info.std).view(1, 3, 1, 1)
    seconds["inputs"] = time.perf_counter() - t0

    def tensors():
        for img in images:
            x = torch.from_numpy(img.pixels).permute(2, 0, 1)[None].float().div_(255.0)
            yield (x - mean) / std

    def on_progress(frame: int, layer: str) -> None:
        if progress is not None:
            progress(frame, scenario.frames, layer)

    cap = capture(model, tensors(), codecs, scenario.codec.transfer_unit, wl.frac_bits_headroom, on_progress)
    seconds["capture"] = cap.seconds["forward+capture"]
    del model
    meta = {
        "graph": graph_to_json(cap.graph),
        "frac_bits": cap.frac_bits,
        "counts": [{k: [s.elements, s.zeros, s.saturated] for k, s in frame.items()} for frame in cap.frames],
        "weights": {"source": winfo.source, "sha256": winfo.sha256, "note": winfo.note},
        "inputs": [img.how for img in images],
        "model": wl.model,
        "height": res.height,
        "width": res.width,
    }
    sizes = {c.key: [{k: s.unit_bits[c.key] for k, s in frame.items()} for frame in cap.frames] for c in codecs}
    t0 = time.perf_counter()
    for c in codecs:
        slot.cache.save_sizes(slot.key, c.key, slot.unit_key, sizes[c.key])
    slot.cache.save_meta(slot.key, meta)
    seconds["cache_write"] = time.perf_counter() - t0
    return _from_meta(meta, sizes, "miss", seconds)
