"""The identity codec: raw 16-bit values, the baseline every other codec is compared with."""

import numpy as np

from socsim.codecs.base import Codec, Encoded


class NoneCodec(Codec):
    """Stores each value as 16 bits big-endian; size is exactly 16 bits per value."""

    codec_id = "none"
    lossless = True

    def encode(self, values: np.ndarray) -> Encoded:
        flat = np.ascontiguousarray(values, dtype=np.int16).reshape(-1)
        return Encoded(flat.astype(">i2").tobytes(), 16 * flat.size)

    def decode(self, encoded: Encoded, shape: tuple[int, ...]) -> np.ndarray:
        n = int(np.prod(shape))
        return np.frombuffer(encoded.payload, dtype=">i2", count=n).astype(np.int16).reshape(shape)

    def size_bits(self, values: np.ndarray) -> int:
        return 16 * int(np.asarray(values).size)

    def worst_case_bits(self, shape: tuple[int, ...]) -> int:
        return 16 * int(np.prod(shape))

    def batch_size_bits(self, units: np.ndarray) -> np.ndarray:
        return np.full(units.shape[0], 16 * units.shape[1], dtype=np.int64)
