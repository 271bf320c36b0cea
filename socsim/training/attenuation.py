"""The differentiable stand-in for a DCT mask: y = IDCT2(A ⊙ DCT2(x)) on the n×n tiles of a map,
with A trainable, and the tracing that inserts one such module after every layer of a network.

A map is cut into n×n tiles after edge replication as in ``socsim.codecs.dct``, each tile replaced
by IDCT2(A ⊙ DCT2(tile)), and the result cropped back; with A = 1 it is the identity.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from socsim.codecs.dct import dct_matrix


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


class Instrumented(NamedTuple):
    """A traced network with modules inserted after its layers."""

    graph_module: torch.fx.GraphModule
    """The traced network; calling it runs the inserted modules."""
    inserted: dict[str, nn.Module]
    """Layer → the module applied to its output map, in layer order."""


def insert_after_layers(
    model: nn.Module, height: int, width: int, make: Callable[[str], nn.Module | None]
) -> Instrumented:
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
    return Instrumented(gm, inserted)
