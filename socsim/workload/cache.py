"""The activation cache: captured statistics stored on disk so a second run skips PyTorch.

An entry is a folder ``<cache_dir>/<key>/`` where ``key`` hashes everything the capture depends
on (model, weights identity, image sources, frames, resolution, seed, quantization, format
version). It holds ``capture.json`` (layer graph, formats, per-frame counts, provenance) and one
``<codec hash>.npz`` per codec and transfer unit (per-unit sizes in bits). Every file carries the
entry key and a SHA-256 of its content; a file that is missing, unreadable, from another key or
with a wrong checksum is treated as absent and rebuilt, never trusted. Files are written to a
temporary name and renamed, so a crash never leaves a half-written entry behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from socsim.errors import CacheError
from socsim.fileio import atomic_write_bytes
from socsim.workload.graph import Layer, LayerGraph

FORMAT_VERSION = 1


def default_dir() -> Path:
    """The user cache directory for activations (e.g. ~/.cache/socsim/activations)."""
    from platformdirs import user_cache_dir

    return Path(os.environ.get("SOCSIM_CACHE_DIR") or Path(user_cache_dir("socsim")) / "activations")


def key_of(identity: dict[str, Any]) -> str:
    """Stable hash of a JSON-able identity mapping."""
    text = json.dumps({**identity, "format": FORMAT_VERSION}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class ActivationCache:
    """Reads and writes capture entries under ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def entry(self, key: str) -> Path:
        """Folder of the entry ``key``."""
        return self.root / key

    @staticmethod
    def codec_file(codec_key: str, unit_key: str) -> str:
        """File name of one codec's sizes inside an entry."""
        return hashlib.sha256(f"{codec_key}|{unit_key}".encode()).hexdigest()[:24] + ".npz"

    def load_meta(self, key: str) -> dict[str, Any] | None:
        """The entry's capture.json payload, or None if absent or corrupt."""
        path = self.entry(key) / "capture.json"
        try:
            doc = json.loads(path.read_text())
            payload = doc["payload"]
            ok = doc["key"] == key and doc["sha256"] == _sha(json.dumps(payload, sort_keys=True).encode())
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return payload if ok else None

    def save_meta(self, key: str, payload: dict[str, Any]) -> None:
        """Write the entry's capture.json."""
        doc = {"key": key, "sha256": _sha(json.dumps(payload, sort_keys=True).encode()), "payload": payload}
        try:
            atomic_write_bytes(self.entry(key) / "capture.json", json.dumps(doc).encode())
        except OSError as exc:
            raise CacheError(f"run.cache_dir={str(self.root)!r}: cannot write ({exc.strerror})") from None

    def load_sizes(self, key: str, codec_key: str, unit_key: str) -> list[dict[str, np.ndarray]] | None:
        """Per frame, layer → per-unit bits for one codec; None if absent or corrupt."""
        path = self.entry(key) / self.codec_file(codec_key, unit_key)
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                bits = z["bits"]
                offsets = z["offsets"]
            if meta["key"] != key or meta["codec"] != codec_key or meta["unit"] != unit_key:
                return None
            if meta["sha256"] != _sha(bits.tobytes() + offsets.tobytes()):
                return None
            out: list[dict[str, np.ndarray]] = []
            i = 0
            for frame_layers in meta["layers"]:
                frame: dict[str, np.ndarray] = {}
                for name in frame_layers:
                    frame[name] = bits[offsets[i] : offsets[i + 1]]
                    i += 1
                out.append(frame)
            return out
        except (OSError, ValueError, KeyError, TypeError, IndexError, zipfile.BadZipFile, EOFError):
            return None

    def save_sizes(self, key: str, codec_key: str, unit_key: str, frames: list[dict[str, np.ndarray]]) -> None:
        """Write one codec's per-unit sizes for every frame and layer."""
        arrays = [a for f in frames for a in f.values()]
        bits = np.concatenate(arrays).astype(np.int64) if arrays else np.zeros(0, np.int64)
        offsets = np.concatenate([[0], np.cumsum([len(a) for a in arrays])]).astype(np.int64)
        meta = {
            "key": key,
            "codec": codec_key,
            "unit": unit_key,
            "layers": [list(f) for f in frames],
            "sha256": _sha(bits.tobytes() + offsets.tobytes()),
        }
        import io

        buf = io.BytesIO()
        np.savez(buf, bits=bits, offsets=offsets, meta=np.array(json.dumps(meta)))
        try:
            atomic_write_bytes(self.entry(key) / self.codec_file(codec_key, unit_key), buf.getvalue())
        except OSError as exc:
            raise CacheError(f"run.cache_dir={str(self.root)!r}: cannot write ({exc.strerror})") from None


def graph_to_json(graph: LayerGraph) -> dict[str, Any]:
    """A layer graph as JSON-able data."""
    return {"input_shape": list(graph.input_shape), "layers": [layer.as_dict() for layer in graph.layers]}


def graph_from_json(data: dict[str, Any]) -> LayerGraph:
    """The inverse of graph_to_json."""
    layers = []
    for d in data["layers"]:
        layers.append(
            Layer(
                name=d["name"], kind=d["kind"], out_shape=tuple(d["out_shape"]), inputs=tuple(d["inputs"]),
                macs=d["macs"], weight_bytes=d["weight_bytes"], ifmap_bytes=d["ifmap_bytes"], ops=d["ops"],
                kernel=tuple(d["kernel"]), in_channels_per_group=d["in_channels_per_group"], fused=tuple(d["fused"]),
            )
        )
    return LayerGraph(layers, tuple(data["input_shape"]))
