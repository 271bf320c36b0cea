"""Text parsing of the accuracy study's command-line lists: codec lists, keep sweeps, input sizes
and integer lists, each failing with a one-line error that names the option."""

from __future__ import annotations

from typing import NamedTuple, Sequence

from socsim.codecs.base import Codec
from socsim.codecs.registry import get_codec, parse_codec_text
from socsim.errors import CodecError, WorkloadError


class ChosenCodec(NamedTuple):
    """One codec of a study: the text it was given as and the codec built from it."""

    text: str
    """The codec text as given, e.g. 'dct:keep=21'."""
    codec: Codec


def split_codec_list(text: str) -> list[str]:
    """Codec texts of a comma-separated list whose codecs may carry comma-separated parameters:
    an item with '=' and no ':' continues the previous codec ('none,dct:n=auto,keep=21,rle' →
    ['none', 'dct:n=auto,keep=21', 'rle']); ';' always separates codecs."""
    out: list[str] = []
    for group in text.split(";"):
        start = len(out)
        for item in (i.strip() for i in group.split(",")):
            if not item:
                continue
            if "=" in item and ":" not in item and len(out) > start and ":" in out[-1]:
                out[-1] += "," + item
            else:
                out.append(item)
    return out


def parse_size(text: str) -> tuple[int, int]:
    """(height, width) from 'HxW' text such as '384x768' (also '×'); raises a one-line WorkloadError."""
    parts = text.lower().replace("×", "x").split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise WorkloadError(f"input={text!r}: give height x width in pixels, e.g. 224x224")
    return int(parts[0]), int(parts[1])


def parse_ints(text: str, name: str) -> list[int]:
    """Positive integers from a comma-separated list; raises a one-line CodecError naming ``name``."""
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items or not all(t.isdigit() and int(t) > 0 for t in items):
        raise CodecError(f"{name}={text!r}: give positive integers separated by commas, e.g. 6,10,15,21")
    return [int(t) for t in items]


def parse_codecs(texts: Sequence[str]) -> list[ChosenCodec]:
    """The codec of each codec text, in order without repeats; raises a one-line CodecError."""
    out: list[ChosenCodec] = []
    seen: set[str] = set()
    for text in texts:
        text = text.strip()
        if not text or text in seen:
            continue
        seen.add(text)
        name, params = parse_codec_text(text)
        out.append(ChosenCodec(text, get_codec(name, params, field=f"codec {text!r}")))
    if not out:
        raise CodecError("codecs: give at least one codec, e.g. 'none,rle,dct:keep=21'")
    return out


def sweep_texts(base: str, ks: Sequence[int]) -> list[str]:
    """Codec texts of a sweep over ``keep``: base 'dct:n=auto' and ks (10, 21) → 'dct:n=auto,keep=10', ...."""
    name, params = parse_codec_text(base)
    params.pop("keep", None)
    head = ",".join(f"{k}={v}" for k, v in params.items())
    return [f"{name}:{head + ',' if head else ''}keep={k}" for k in ks]
