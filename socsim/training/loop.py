"""Training the attenuation matrices of ``dct-adaptive`` (the adaptive mode of Vogel et al., DATE 2019).

Every layer of socsim's layer graph (the grouping and names of ``capture``) gets an attenuation
matrix A ∈ [0, 1]^(n×n), initialised to 1, applied to its output map by ``DctAttenuation``. The
network's weights are frozen; only the A are trained, by Adam, on

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
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from socsim.training.attenuation import DctAttenuation, insert_after_layers

NORM_WEIGHT = 1e-4
"""λ of the paper's penalty λ·Σ_l ‖A_l‖₂."""

EpochProgress = Callable[[int, int, float], None]
"""``progress(epoch, epochs, mean loss)``: called after each epoch."""


@dataclass(frozen=True)
class TrainingOptions:
    """How the attenuation matrices are trained."""

    n: int = 8
    """Tile edge of A (7 or 8)."""
    epochs: int = 60
    """Passes over the training inputs."""
    lr: float = 0.04
    """Adam's peak learning rate (after the warm-up, before the cosine decay)."""
    batch: int = 8
    """Inputs per step."""
    seed: int = 0
    """Seed of the batch order."""
    penalty: float = NORM_WEIGHT
    """λ of the penalty λ·Σ_l ‖A_l‖₂."""


class Losses(NamedTuple):
    """The two terms of the loss on all training inputs."""

    task: float
    penalty: float


@dataclass
class Training:
    """What training the attenuation matrices leaves behind."""

    attenuation: dict[str, np.ndarray]
    """Layer → trained A (n×n float64, in [0, 1]), in layer order."""
    elements: dict[str, int]
    """Layer → elements of its output map per image at the training resolution (count)."""
    epoch_losses: list[float]
    """Mean total loss of the batches of each epoch (each computed before its step)."""
    initial: Losses
    """Loss on all training inputs before training."""
    final: Losses
    """Loss on all training inputs after training."""
    seconds: float
    """Wall time of the training loop (s)."""


def task_loss(task: str, out: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """KL(ref ‖ out) of the softmaxes (classification, mean per image) or the MSE relative to the
    reference's mean square (dense), so that λ weighs the penalty alike for any output scale."""
    if task == "classification":
        return F.kl_div(F.log_softmax(out, dim=1), F.log_softmax(ref, dim=1), log_target=True, reduction="batchmean")
    return F.mse_loss(out, ref) / ref.pow(2).mean().clamp_min(1e-12)


@dataclass
class _Objective:
    """The loss of the network with attenuation against the frozen network's outputs on the same inputs."""

    task: str
    network: nn.Module
    params: list[nn.Parameter]
    penalty: float
    inputs: torch.Tensor
    reference: torch.Tensor

    def norm_penalty(self) -> torch.Tensor:
        return self.penalty * sum(torch.linalg.vector_norm(a) for a in self.params)

    def loss(self, idx: torch.Tensor) -> torch.Tensor:
        """Task loss plus penalty on the inputs ``idx`` (with gradients)."""
        return task_loss(self.task, self.network(self.inputs[idx]), self.reference[idx]) + self.norm_penalty()

    def losses(self, batch: int) -> Losses:
        """Both terms on all inputs, evaluated ``batch`` inputs at a time (no gradients)."""
        inputs, ref = self.inputs, self.reference
        with torch.no_grad():
            total = sum(
                float(task_loss(self.task, self.network(inputs[i : i + batch]), ref[i : i + batch]))
                * len(inputs[i : i + batch])
                for i in range(0, len(inputs), batch)
            )
            return Losses(total / len(inputs), float(self.norm_penalty()))


def train_attenuation(
    model: nn.Module,
    task: str,
    inputs: torch.Tensor,
    options: TrainingOptions = TrainingOptions(),
    progress: EpochProgress | None = None,
) -> Training:
    """Train one A per layer of ``model`` (frozen) on ``inputs`` (B×3×H×W, normalised) as in the
    module docstring; ``task`` is 'classification' or 'dense'."""
    from socsim.workload.capture import layer_graph

    model = model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    height, width = int(inputs.shape[2]), int(inputs.shape[3])
    graph = layer_graph(model, height, width)
    elements = {layer.name: layer.out_elements for layer in graph.layers}
    gm, atts = insert_after_layers(model, height, width, lambda name: DctAttenuation(options.n))
    batch = options.batch
    with torch.no_grad():
        ref = torch.cat([model(inputs[i : i + batch]) for i in range(0, len(inputs), batch)])
    objective = _Objective(task, gm, [m.a for m in atts.values()], options.penalty, inputs, ref)
    initial = objective.losses(batch)
    t0 = time.perf_counter()
    epoch_losses = _fit(objective, options, progress)
    seconds = time.perf_counter() - t0
    final = objective.losses(batch)
    attenuation = {name: m.a.detach().double().numpy().copy() for name, m in atts.items()}
    return Training(attenuation, elements, epoch_losses, initial, final, seconds)


def _fit(objective: _Objective, options: TrainingOptions, progress: EpochProgress | None) -> list[float]:
    """Run Adam over ``options.epochs`` seeded shuffles of the inputs; the mean loss of each epoch."""
    n_inputs, batch = len(objective.inputs), options.batch
    opt = torch.optim.Adam(objective.params, lr=options.lr)
    sched = _warmup_cosine(opt, options.epochs * -(-n_inputs // batch))
    gen = torch.Generator().manual_seed(options.seed)
    epoch_losses: list[float] = []
    for epoch in range(options.epochs):
        order = torch.randperm(n_inputs, generator=gen)
        losses = [_step(objective, opt, sched, order[s : s + batch]) for s in range(0, n_inputs, batch)]
        epoch_losses.append(float(np.mean(losses)))
        if progress is not None:
            progress(epoch + 1, options.epochs, epoch_losses[-1])
    return epoch_losses


def _warmup_cosine(opt: torch.optim.Optimizer, steps: int) -> torch.optim.lr_scheduler.LambdaLR:
    """The learning-rate schedule over ``steps`` steps."""
    warm = max(1, steps // 10)
    # Linear warm-up over the first tenth: Adam's first steps move every entry by about lr whatever
    # its gradient, which at A = 1 (task gradient zero) would shrink all layers at once. Then a
    # cosine decay to zero, so that the last steps settle each A instead of leaving it jittering.
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: min(1.0, (i + 1) / warm) * 0.5 * (1.0 + math.cos(math.pi * i / max(1, steps)))
    )


def _step(objective: _Objective, opt: torch.optim.Optimizer, sched, idx: torch.Tensor) -> float:
    """One Adam step on the inputs ``idx``, then the projection of every A onto [0, 1]; the loss before it."""
    loss = objective.loss(idx)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    sched.step()
    with torch.no_grad():
        for a in objective.params:
            a.clamp_(0.0, 1.0)  # projection onto [0, 1]
    return float(loss.detach())
