"""Every registered codec (and a few parameter variants) against the conformance kit."""

import numpy as np
import pytest
from hypothesis import given, settings

from socsim.codecs.base import TransferUnit
from socsim.codecs.registry import available, get_codec
from socsim.codecs.testing import (
    adversarial_arrays,
    check_array,
    check_config_roundtrip,
    check_unit_sizes,
    feature_maps,
    int16_arrays,
    units_for,
)
from socsim.errors import CodecError

# Codecs that need a parameter file run the same kit in their own test module.
NEEDS_FILE = {"dct-adaptive"}  # test_dct_adaptive.py
VARIANTS = [(name, {}) for name in sorted(available()) if name not in NEEDS_FILE] + [
    ("dct", {"n": 7, "keep": 49}),
    ("dct", {"n": 8, "keep": 64}),
    ("dct", {"n": 8, "keep": 1}),
    ("dct", {"n": "auto", "keep": 10}),
]
IDS = [get_codec(name, params).key for name, params in VARIANTS]
ADVERSARIAL = adversarial_arrays()


@pytest.fixture(scope="module", params=VARIANTS, ids=IDS)
def codec(request):
    name, params = request.param
    return get_codec(name, params)


def test_builtin_codecs_are_registered():
    assert {"none", "rle", "spm", "zvc", "dct"} <= set(available())


@pytest.mark.parametrize("case", ADVERSARIAL, ids=[name for name, _ in ADVERSARIAL])
def test_adversarial_arrays(codec, case):
    check_array(codec, case[1])


@settings(max_examples=150, deadline=None)
@given(values=int16_arrays())
def test_hypothesis_arrays(codec, values):
    check_array(codec, values)


@settings(max_examples=60, deadline=None)
@given(fmap=feature_maps())
def test_unit_sizes_match_units_encoded_alone(codec, fmap):
    for unit in units_for(codec):
        check_unit_sizes(codec, fmap, unit)


def test_config_roundtrip(codec):
    check_config_roundtrip(codec)


def test_odd_chunk_bytes_are_refused(codec):
    with pytest.raises(CodecError, match=r"codec\.transfer_unit\.chunk_bytes=5"):
        codec.check_unit(TransferUnit(kind="chunk", chunk_bytes=5))
    with pytest.raises(CodecError):
        codec.unit_sizes_bits(np.zeros((1, 2, 2), np.int16), TransferUnit(kind="chunk", chunk_bytes=5))


def test_worst_case_is_reached_or_bounds_lossless_codecs(codec):
    """For the flat lossless codecs the worst case is met by an all-non-zero input."""
    values = np.full((2, 5, 7), -3, dtype=np.int16)
    assert codec.size_bits(values) == codec.worst_case_bits(values.shape)
