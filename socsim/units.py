"""Unit conversions in one place: time in ns (float), sizes in bytes (int), rates in GB/s (1e9 B/s)."""

import math

NS_PER_S = 1e9
NS_PER_MS = 1e6
NS_PER_US = 1e3
BITS_PER_BYTE = 8
BYTES_PER_VALUE = 2  # 16-bit fixed-point activations and weights


def bits_to_bytes(bits: int) -> int:
    """Whole bytes needed to hold ``bits`` bits."""
    return -(-int(bits) // BITS_PER_BYTE)


def round_up(value: int, multiple: int) -> int:
    """``value`` rounded up to a whole number of ``multiple`` (e.g. bytes to bus bursts)."""
    return -(-int(value) // int(multiple)) * int(multiple)


def transfer_ns(size_bytes: float, gbps: float) -> float:
    """Time in ns to move ``size_bytes`` at ``gbps`` GB/s (1 GB/s moves exactly 1 byte per ns)."""
    return float(size_bytes) / float(gbps)


def cycles_to_ns(cycles: float, freq_mhz: float) -> float:
    """Duration in ns of ``cycles`` clock cycles at ``freq_mhz`` MHz."""
    return float(cycles) * 1e3 / float(freq_mhz)


def bandwidth_gbps(width_bytes: int, freq_mhz: float) -> float:
    """Peak bandwidth in GB/s of a bus ``width_bytes`` wide clocked at ``freq_mhz`` MHz."""
    return width_bytes * freq_mhz * 1e6 / 1e9


def ns_to_ms(ns: float) -> float:
    """Nanoseconds to milliseconds."""
    return ns / NS_PER_MS


def ceil_div(a: int, b: int) -> int:
    """Integer ceiling of a / b for positive b."""
    return -(-int(a) // int(b))


def log2_ceil(x: float) -> int:
    """Smallest integer e with 2**e >= x, for x > 0."""
    return math.ceil(math.log2(x))
