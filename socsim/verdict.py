"""A run's verdict against its deadline, read from the typed result: in simulation (every simulated
frame within the deadline) and by guarantee (every frame's worst-case bound within the deadline).

``failures`` is what ``--check`` turns into an exit code; ``verdict`` is the summary that the report's
banner shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from socsim.result import RunResult

CHECKS = ("simulation", "guarantee")
"""What ``--check`` can hold a run to."""


def failures(result: RunResult, check: Literal["simulation", "guarantee"]) -> list[str]:
    """Why ``result`` fails ``check``, one line per failing frame (or one when there is no bound); empty when it holds."""
    deadline = result.deadline_ms
    if check == "simulation":
        return [f"frame {f.index}: simulated latency {f.latency_ms:.3f} ms > deadline {deadline} ms"
                for f in result.frames if not f.deadline_met]
    if check != "guarantee":
        raise ValueError(f"check={check!r}: must be one of {', '.join(CHECKS)}")
    bound = result.bound
    if bound is None:
        return [f"no worst-case bound: {result.analysis.reason}"]
    return [f"frame {i}: worst-case bound {b:.3f} ms > deadline {deadline} ms"
            for i, b in enumerate(bound.frames_bound_ms) if b > deadline]


@dataclass(frozen=True)
class Verdict:
    """Does the run meet its deadline, and how surely."""

    meets: bool
    """True when every simulated frame meets the deadline."""
    by: Literal["guarantee", "simulation"]
    """'guarantee' when the worst-case bound meets the deadline too, else 'simulation'."""
    margin_ms: float
    """Deadline − worst-case bound when the bound meets it, else deadline − max simulated latency (ms)."""
    min_guaranteed_ratio: float | None
    """Smallest guaranteed compression ratio with which the bound meets the deadline; None when none does or there is no bound."""

    def headline(self, deadline_ms: float) -> str:
        """The verdict in words, e.g. 'meets 33.3 ms by guarantee, margin +1.625 ms'."""
        if not self.meets:
            how = "misses {d} ms in simulation"
        elif self.by == "guarantee":
            how = "meets {d} ms by guarantee"
        else:
            how = "meets {d} ms only in simulation, not by guarantee"
        return how.format(d=deadline_ms) + f", margin {self.margin_ms:+.3f} ms"


def verdict(result: RunResult) -> Verdict:
    """The run's verdict: meets in simulation, and whether the bound guarantees it."""
    bound = result.bound
    guaranteed = bound is not None and bound.deadline_met_by_bound and result.summary.deadline_met_all
    if guaranteed:
        margin = bound.margin_ms
    else:
        margin = result.deadline_ms - result.summary.latency_ms_max
    ratio = None if bound is None else bound.sensitivity.min_guaranteed_compression_ratio
    return Verdict(result.summary.deadline_met_all, "guarantee" if guaranteed else "simulation", margin, ratio)
