"""The codec registry: built-in codecs by ``codec_id`` plus plug-ins from the ``socsim.codecs``
entry-point group (each entry point names a ``Codec`` subclass)."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from pydantic import ValidationError

from socsim.codecs.base import Codec
from socsim.codecs.dct import DctCodec
from socsim.codecs.dct_adaptive import DctAdaptiveCodec
from socsim.codecs.dct_bits import DctBitsCodec
from socsim.codecs.hybrid import HybridCodec
from socsim.codecs.none import NoneCodec
from socsim.codecs.rle import RleCodec
from socsim.codecs.spm import SpmCodec
from socsim.codecs.zvc import ZvcCodec
from socsim.errors import CodecError

_BUILTIN: dict[str, type[Codec]] = {c.codec_id: c for c in (NoneCodec, RleCodec, SpmCodec, ZvcCodec, DctCodec)}
_BUILTIN[DctAdaptiveCodec.codec_id] = DctAdaptiveCodec
_BUILTIN[DctBitsCodec.codec_id] = DctBitsCodec
_BUILTIN[HybridCodec.codec_id] = HybridCodec
ENTRY_POINT_GROUP = "socsim.codecs"


def register(cls: type[Codec]) -> type[Codec]:
    """Add a codec class to the registry (usable as a class decorator)."""
    _BUILTIN[cls.codec_id] = cls
    return cls


def available() -> dict[str, type[Codec]]:
    """All codec classes by id: built-ins, then entry-point plug-ins that do not shadow them."""
    codecs = dict(_BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in codecs:
            continue
        try:
            cls = ep.load()
        except (ImportError, AttributeError) as exc:
            raise CodecError(f"codec plug-in {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
        if not (isinstance(cls, type) and issubclass(cls, Codec)):
            raise CodecError(f"codec plug-in {ep.name!r} ({ep.value}) is not a socsim Codec class")
        codecs[ep.name] = cls
    return codecs


def get_codec(name: str, params: dict[str, Any] | None = None, field: str = "codec") -> Codec:
    """Build the codec ``name`` with ``params``; errors name ``field`` and the bad value."""
    codecs = available()
    if name not in codecs:
        raise CodecError(f"{field}.name={name!r}: unknown codec (known: {', '.join(sorted(codecs))})")
    cls = codecs[name]
    try:
        p = cls.Params.model_validate(params or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        raise CodecError(f"{field}.{loc}={err.get('input')!r}: {err['msg']}") from None
    return cls(p)


def parse_codec_text(text: str) -> tuple[str, dict[str, Any]]:
    """Split 'dct:keep=21,n=8' into ('dct', {'keep': 21, 'n': 8}); numbers become int/float."""
    name, _, rest = text.partition(":")
    params: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise CodecError(f"codec={text!r}: parameter {item!r} is not key=value")
        params[key.strip()] = _number(value.strip())
    return name.strip(), params


def _number(text: str) -> Any:
    for conv in (int, float):
        try:
            return conv(text)
        except ValueError:
            pass
    return text
