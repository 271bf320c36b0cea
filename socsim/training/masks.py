"""Learned per-layer DCT masks for ``dct-adaptive`` (the adaptive mode of Vogel et al., DATE 2019).

Training. Every layer of socsim's layer graph (the grouping and names of ``capture``) gets an
attenuation matrix A ∈ [0, 1]^(n×n), initialised to 1. Its output map, cut into n×n tiles after
edge replication as in ``socsim.codecs.dct``, is replaced by IDCT2(A ⊙ DCT2(tile)) and cropped.
The network's weights are frozen; only the A are trained, by Adam, on

    loss = task + λ · Σ_l ‖A_l‖₂      (‖·‖₂: the L2 norm of the n² entries; λ = 1e-4 by default)

with ``task`` the KL divergence of the classifier's softmax from the uncompressed model's on the
same images (no labels are needed), or for dense networks the mean squared error to the
uncompressed outputs divided by their mean square (a constant per batch, so that one λ suits any
output scale). Adam's learning rate warms up linearly over the first tenth of the steps, then
decays to zero along a cosine. A is kept in [0, 1] by
projection: each entry is clamped after every step (not a sigmoid), so it starts at exactly 1 and
can reach exactly 0. Training runs in float32 without quantization: the masks choose
frequencies, the codec's fixed point is separate.

λ = 1e-4 is the paper's. With these per-image task losses it leaves every A within a few
hundredths of 1, where the order of the values reflects Adam's noise and the clamp at 1 more than
importance; larger λ (0.01–0.1) spreads them (see benchmarks/train_masks.py for measurements).

Selection. After training, coefficients with a_ij below one global threshold a_th are pruned and
the others are kept (set to 1). a_th is found by bisection over all layers' A values sorted from
largest to smallest: the most coefficients are kept for which the nominal reduction
1 − Σ_l (kept_l / n²)·N_l / Σ_l N_l (N_l: elements of layer l's output map) still meets the
target. Equal values are ordered by frequency (anti-diagonal order, lowest kept first), then by
layer order, so that the many entries clamped to exactly 1 or 0 can still be split. Every layer
keeps its DC coefficient whatever its a_00: without it each tile loses its mean (and a 1×1 map,
such as a classifier's output, everything); trained a_00 sit just below 1 and would otherwise be
pruned before coefficients pinned at 1. A target is met to within ``TARGET_TOLERANCE`` so that a
percentage quoted to two decimals (67.19 %) means the fraction it was rounded from (1 − 21/64).

Masks do not depend on the input resolution (the layer names do not), so training on reduced
inputs or crops gives masks for any resolution; N_l is taken at the training resolution, which
for fully convolutional networks gives the same weights as any other.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from socsim.codecs.dct import dct_matrix, zigzag
from socsim.codecs.masks import TILE_SIZES, masks_json
from socsim.errors import SocsimError

NORM_WEIGHT = 1e-4
"""λ of the paper's penalty λ·Σ_l ‖A_l‖₂."""
TARGET_TOLERANCE = 5e-5
"""A target reduction counts as met when the nominal reduction is at least target − this."""


class DctAttenuation(nn.Module):
    """y = IDCT2(A ⊙ DCT2(x)) on the n×n tiles of every plane of x, with a trainable A (n×n)."""

    def __init__(self, n: int):
        super().__init__()
        self.n = n
        self.a = nn.Parameter(torch.ones(n, n))
        d = torch.tensor(dct_matrix(n), dtype=torch.float32)
        # kron(D, D)[i*n+j, x*n+y] = D[i, x] D[j, y]: row i*n+j gives coefficient (i, j) of a flat tile.
        self.register_buffer("kron", torch.kron(d, d), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape
        planes = as_planes(x)
        b, c, h, w = planes.shape
        n = self.n
        th, tw = -(-h // n), -(-w // n)
        if th * n != h or tw * n != w:
            planes = F.pad(planes, (0, tw * n - w, 0, th * n - h), mode="replicate")
        # One (n², n²) operator per layer: flat tile t ↦ Kᵀ diag(a) K t (cheaper than four thin products).
        op = self.kron.T @ (self.a.reshape(-1, 1) * self.kron)
        tiles = planes.reshape(b, c, th, n, tw, n).permute(0, 1, 2, 4, 3, 5).reshape(-1, n * n)
        out = (tiles @ op.T).reshape(b, c, th, tw, n, n).permute(0, 1, 2, 4, 3, 5).reshape(b, c, th * n, tw * n)
        return out[:, :, :h, :w].reshape(shape)


def as_planes(x: torch.Tensor) -> torch.Tensor:
    """x as (batch, C, H, W) planes, the way capture sees a map: vectors (B, F) become (B, F, 1, 1)."""
    if x.dim() == 4:
        return x
    if x.dim() == 2:
        return x.reshape(x.shape[0], x.shape[1], 1, 1)
    if x.dim() == 3:
        return x.reshape(x.shape[0], x.shape[1], x.shape[2], 1)
    return x.reshape(x.shape[0], -1, 1, 1)


def insert_after_layers(
    model: nn.Module, height: int, width: int, make: Callable[[str], nn.Module | None]
) -> tuple[torch.fx.GraphModule, dict[str, nn.Module]]:
    """``model`` traced by torch.fx with ``make(layer)`` applied to each layer's output map.

    Layers and names are those of ``capture`` (``socsim.workload.capture.layer_map_nodes``); a
    layer for which ``make`` returns None is left alone. Unlike ``capture(transform=...)`` this
    runs outside inference mode (so it can be trained) and also substitutes maps that are
    permuted before use, such as CRAFT's score map.
    """
    from socsim.workload.capture import layer_map_nodes, trace

    gm = trace(model)
    nodes = {node.name: node for node in gm.graph.nodes}
    inserted: dict[str, nn.Module] = {}
    for i, (layer, node_name) in enumerate(layer_map_nodes(model, height, width).items()):
        module = make(layer)
        if module is None:
            continue
        node = nodes[node_name]
        target = f"socsim_layer_{i}"
        gm.add_submodule(target, module)
        with gm.graph.inserting_after(node):
            new = gm.graph.call_module(target, (node,))
        node.replace_all_uses_with(new, delete_user_cb=lambda user: user is not new)
        inserted[layer] = module
    gm.recompile()
    return gm, inserted


def task_loss(task: str, out: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """KL(ref ‖ out) of the softmaxes (classification, mean per image) or the MSE relative to the
    reference's mean square (dense), so that λ weighs the penalty alike for any output scale."""
    if task == "classification":
        return F.kl_div(F.log_softmax(out, dim=1), F.log_softmax(ref, dim=1), log_target=True, reduction="batchmean")
    return F.mse_loss(out, ref) / ref.pow(2).mean().clamp_min(1e-12)


@dataclass
class Training:
    """What training the attenuation matrices leaves behind."""

    attenuation: dict[str, np.ndarray]
    """Layer → trained A (n×n float64, in [0, 1]), in layer order."""
    elements: dict[str, int]
    """Layer → elements of its output map per image at the training resolution (count)."""
    epoch_losses: list[float]
    """Mean total loss of the batches of each epoch (each computed before its step)."""
    initial: tuple[float, float]
    """(task, penalty) loss on all training inputs before training."""
    final: tuple[float, float]
    """(task, penalty) loss on all training inputs after training."""
    seconds: float
    """Wall time of the training loop (s)."""


def train_attenuation(
    model: nn.Module,
    task: str,
    inputs: torch.Tensor,
    n: int = 8,
    epochs: int = 60,
    lr: float = 0.04,
    batch: int = 8,
    seed: int = 0,
    progress: Callable[[int, int, float], None] | None = None,
    penalty: float = NORM_WEIGHT,
) -> Training:
    """Train one A per layer of ``model`` (frozen) on ``inputs`` (B×3×H×W, normalised) as in the
    module docstring, with λ = ``penalty``; ``progress(epoch, epochs, mean loss)`` after each epoch."""
    from socsim.workload.capture import layer_graph

    model = model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    height, width = int(inputs.shape[2]), int(inputs.shape[3])
    graph = layer_graph(model, height, width)
    elements = {layer.name: layer.out_elements for layer in graph.layers}
    gm, atts = insert_after_layers(model, height, width, lambda name: DctAttenuation(n))
    params = [m.a for m in atts.values()]

    def norm_penalty() -> torch.Tensor:
        return penalty * sum(torch.linalg.vector_norm(a) for a in params)

    with torch.no_grad():
        ref = torch.cat([model(inputs[i : i + batch]) for i in range(0, len(inputs), batch)])

    def evaluate() -> tuple[float, float]:
        with torch.no_grad():
            total = sum(
                float(task_loss(task, gm(inputs[i : i + batch]), ref[i : i + batch])) * len(inputs[i : i + batch])
                for i in range(0, len(inputs), batch)
            )
            return total / len(inputs), float(norm_penalty())

    initial = evaluate()
    opt = torch.optim.Adam(params, lr=lr)
    steps = epochs * -(-len(inputs) // batch)
    warm = max(1, steps // 10)
    # Linear warm-up over the first tenth: Adam's first steps move every entry by about lr whatever
    # its gradient, which at A = 1 (task gradient zero) would shrink all layers at once. Then a
    # cosine decay to zero, so that the last steps settle each A instead of leaving it jittering.
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: min(1.0, (i + 1) / warm) * 0.5 * (1.0 + math.cos(math.pi * i / max(1, steps)))
    )
    gen = torch.Generator().manual_seed(seed)
    epoch_losses: list[float] = []
    t0 = time.perf_counter()
    for epoch in range(epochs):
        order = torch.randperm(len(inputs), generator=gen)
        losses = []
        for s in range(0, len(inputs), batch):
            idx = order[s : s + batch]
            loss = task_loss(task, gm(inputs[idx]), ref[idx]) + norm_penalty()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            with torch.no_grad():
                for a in params:
                    a.clamp_(0.0, 1.0)  # projection onto [0, 1]
            losses.append(float(loss.detach()))
        epoch_losses.append(float(np.mean(losses)))
        if progress is not None:
            progress(epoch + 1, epochs, epoch_losses[-1])
    seconds = time.perf_counter() - t0
    final = evaluate()
    attenuation = {name: m.a.detach().double().numpy().copy() for name, m in atts.items()}
    return Training(attenuation, elements, epoch_losses, initial, final, seconds)


@dataclass(frozen=True)
class Selection:
    """Binary masks chosen from trained attenuation matrices for one target reduction."""

    masks: dict[str, np.ndarray]
    """Layer → boolean n×n mask (True: kept), in layer order."""
    threshold: float
    """a_th: the value of the weakest kept coefficient besides the DC ones (ties at it resolved by
    frequency); when only the DC coefficients are kept, the largest pruned value."""
    achieved: float
    """Nominal reduction of the masks (fraction, see ``socsim.codecs.masks``)."""

    @property
    def kept(self) -> dict[str, int]:
        """Layer → coefficients kept per tile (count)."""
        return {name: int(m.sum()) for name, m in self.masks.items()}


def select_masks(attenuation: Mapping[str, np.ndarray], elements: Mapping[str, int], target: float) -> Selection:
    """Prune every a_ij below one global a_th, the smallest that meets ``target`` (see the module
    docstring); raises ValueError when even the DC coefficients alone are too many."""
    names = list(attenuation)
    if not names:
        raise ValueError("no layers to select masks for")
    n = attenuation[names[0]].shape[0]
    values = np.stack([np.asarray(attenuation[k], dtype=np.float64).reshape(n * n) for k in names])
    weights = np.array([elements[k] for k in names], dtype=np.int64)
    rank = np.empty(n * n, dtype=np.int64)
    rank[zigzag(n)] = np.arange(n * n)
    layer_idx = np.repeat(np.arange(len(names)), n * n)
    ranks = np.tile(rank, len(names))
    flat = values.reshape(-1)
    # Invariant: ``order`` lists every coefficient from most to least worth keeping.
    order = np.lexsort((layer_idx, ranks, -flat))
    forced = np.zeros(flat.size, dtype=bool)
    forced[:: n * n] = True  # every layer keeps its DC coefficient (flat index 0): the tile means
    rest = order[~forced[order]]
    total = n * n * int(weights.sum())
    forced_weight = int(weights.sum())
    cum = np.cumsum(weights[layer_idx[rest]])
    budget = (1.0 - target + TARGET_TOLERANCE) * total - forced_weight
    if total == 0 or budget < 0:
        best = 1.0 - 1.0 / (n * n)
        raise ValueError(f"target reduction {target}: at most {best:.4f} is reachable (the DC coefficient of every layer)")
    m = int(np.searchsorted(cum, budget, side="right"))  # bisection: most coefficients within budget
    kept = forced.copy()
    kept[rest[:m]] = True
    used = forced_weight + (int(cum[m - 1]) if m else 0)
    threshold = float(flat[rest[max(m - 1, 0)]])
    masks = {name: kept[i * n * n : (i + 1) * n * n].reshape(n, n).copy() for i, name in enumerate(names)}
    return Selection(masks, threshold, 1.0 - used / total)


@dataclass
class MasksResult:
    """A trained and selected set of masks, the text of its file, and how it was made."""

    text: str
    """The masks file (JSON, see ``socsim.codecs.masks``)."""
    selection: Selection
    training: Training
    trained_on: str
    """One line: model, weights, inputs, resolution and optimiser settings."""


def training_inputs(
    model: str, weights: str, images: Sequence[str], frames: int, height: int | None, width: int | None,
    seed: int, base_dir: Path,
) -> tuple[nn.Module, str, torch.Tensor, str]:
    """(model, task, normalised inputs B×3×H×W, one line describing both) for ``train_attenuation``.

    Without a resolution, classifiers use their own (ImageNet preprocessing) and dense networks
    256×256 native crops (or mosaics of them), which is enough for resolution-independent masks.
    """
    from socsim.workload.images import make_inputs
    from socsim.workload.weights import build_model

    net, info, winfo = build_model(model, weights, seed, base_dir)
    classifier = info.task == "classification"
    if height is None or width is None:
        default = info.input_hw if classifier and info.input_hw else (256, 256)
        height, width = height or default[0], width or default[1]
    imgs = make_inputs(list(images), base_dir, frames, height, width, classifier, seed)
    x = torch.stack([torch.from_numpy(img.pixels).permute(2, 0, 1).float().div_(255.0) for img in imgs])
    x = (x - torch.tensor(info.mean).view(1, 3, 1, 1)) / torch.tensor(info.std).view(1, 3, 1, 1)
    how = "ImageNet preprocessing (resize, centre crop)" if classifier else "native crops or mosaics of native crops"
    sources = sorted({i.how.split(" ")[0] for i in imgs}) if classifier else []
    shown = f" ({', '.join(s.removeprefix('skimage:') for s in sources)})" if sources else ""
    line = (
        f"{info.name} ({winfo.source}) on {frames} {'+'.join(images)} images{shown} at {width}×{height}, {how}, "
        f"seed {seed}"
    )
    return net, info.task, x, line


def train_masks(
    model: str,
    target: float,
    weights: str = "trained",
    images: Sequence[str] = ("skimage",),
    frames: int = 16,
    height: int | None = None,
    width: int | None = None,
    epochs: int = 60,
    lr: float = 0.04,
    n: int = 8,
    batch: int = 8,
    seed: int = 0,
    base_dir: Path = Path("."),
    progress: Callable[[int, int, float], None] | None = None,
    penalty: float = NORM_WEIGHT,
) -> MasksResult:
    """Train per-layer attenuation for ``model`` and select masks meeting ``target`` (fraction)."""
    net, task, x, line = training_inputs(model, weights, images, frames, height, width, seed, base_dir)
    training = train_attenuation(net, task, x, n, epochs, lr, batch, seed, progress, penalty)
    try:
        selection = select_masks(training.attenuation, training.elements, target)
    except ValueError as exc:
        raise SocsimError(f"--target-reduction={target}: {str(exc).partition(': ')[2]}") from None
    trained_on = f"{line}; {epochs} epochs, batch {batch}, Adam lr {lr} (warm-up, cosine decay), λ {penalty:g}"
    text = masks_document(model, target, selection, trained_on, n)
    return MasksResult(text, selection, training, trained_on)


def masks_document(model: str, target: float, selection: Selection, trained_on: str, n: int) -> str:
    """The masks file text for a selection (deterministic: no times or host names)."""
    return masks_json(
        n,
        selection.masks,
        model=model,
        target_reduction=target,
        achieved_reduction=round(selection.achieved, 6),
        threshold=round(selection.threshold, 6),
        trained_on=trained_on,
    )


def write_masks(path: Path, text: str) -> None:
    """Write a masks file atomically (temporary file in the same folder, then a rename)."""
    from socsim.workload.cache import atomic_write_bytes

    atomic_write_bytes(Path(path), text.encode())


def parse_input_size(text: str) -> tuple[int, int]:
    """'256x256' (height × width, 'x' or '×', multiples of 32) as (height, width); one-line error otherwise."""
    parts = text.lower().replace("×", "x").split("x")
    try:
        h, w = (int(p) for p in parts)
    except ValueError:
        raise SocsimError(f"--input={text!r}: expected HEIGHTxWIDTH in pixels, e.g. 256x256") from None
    if h <= 0 or w <= 0 or h % 32 or w % 32:
        raise SocsimError(f"--input={text!r}: height and width must be positive multiples of 32")
    return h, w


def check_options(target: float, n: int, frames: int, epochs: int, batch: int, lr: float, penalty: float) -> None:
    """Raise a one-line ``SocsimError`` naming the first out-of-range training option."""
    checks = [
        (0.0 < target < 1.0, f"--target-reduction={target}: must be a fraction in (0, 1), e.g. 0.671875"),
        (n in TILE_SIZES, f"--n={n}: must be one of {', '.join(map(str, TILE_SIZES))}"),
        (frames >= 1, f"--frames={frames}: must be >= 1"),
        (epochs >= 0, f"--epochs={epochs}: must be >= 0"),
        (batch >= 1, f"--batch={batch}: must be >= 1"),
        (lr > 0.0, f"--lr={lr}: must be > 0"),
        (penalty >= 0.0, f"--penalty={penalty}: must be >= 0"),
    ]
    for ok, message in checks:
        if not ok:
            raise SocsimError(message)


def kept_table(result: MasksResult):
    """A rich table: per layer, its output elements, the coefficients kept and its nominal reduction."""
    from rich.table import Table

    sel, elements = result.selection, result.training.elements
    n2 = next(iter(sel.masks.values())).size
    table = Table(title=f"dct-adaptive masks: coefficients kept per {int(n2 ** 0.5)}×{int(n2 ** 0.5)} tile")
    for col in ("layer", "elements", "kept", "reduction"):
        table.add_column(col, justify="left" if col == "layer" else "right")
    for name, kept in sel.kept.items():
        table.add_row(name, f"{elements[name]:,}", f"{kept}/{n2}", f"{1 - kept / n2:.1%}")
    table.add_row("all (weighted by elements)", f"{sum(elements.values()):,}", "", f"{sel.achieved:.2%}", style="bold")
    return table
