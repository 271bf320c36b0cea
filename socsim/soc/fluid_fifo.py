"""First come, first served in fluid form: the fast fidelity's rule for the FIFO arbiter.

The burst fidelity's FIFO grants the oldest burst waiting, whatever its master. As rates: bytes
that came in a lump are served oldest first, after the masters' backlogs older than the
accelerator's lump (a backlog by its oldest byte); every burst issued now waits for the work already
queued (``fifo_queue_ns``, which lengthens a DMA window's round trip); the arrivals of now are
served in proportion to their rates (none of them overtakes another); and what server time is
left drains the backlogs, each in proportion to its queued work (they are all older than the
arrivals of now, and come out of the queue at the same pace).
"""

from __future__ import annotations

from collections.abc import Sequence

from socsim.model.arbitration import water_fill
from socsim.soc.fluid_flows import ChannelFlow, MasterFlow

INF = float("inf")


def fifo_queue_ns(masters: Sequence[MasterFlow]) -> float:
    """Server time of the other masters' backlog, all of it requested before a burst issued now,
    which therefore waits for it (ns)."""
    return sum(m.backlog * m.kappa for m in masters if m.backlog > 0)


def backlog_age(m: MasterFlow) -> tuple[float, int] | None:
    """(arrival time, issue order) of a master's oldest byte waiting, a lump's or a build-up's of
    smooth arrivals; None without a backlog."""
    return (m.chunks[0][0], m.chunks[0][1]) if m.chunks and m.backlog > 0 else None


def close_backlogs(masters: Sequence[MasterFlow]) -> None:
    """The accelerator issued a lump: the masters' build-ups so far are older than it, their later
    arrivals younger (each starts a new build-up)."""
    for m in masters:
        if m.chunks and m.chunks[-1][3] is None:
            m.chunks[-1][3] = False


def npu_issue_rate(busy: Sequence[ChannelFlow]) -> float:
    """The accelerator's arrivals: its channels issue a burst as one comes back, up to their
    windows' caps, beside any bursts they have queued (bytes/ns)."""
    return sum(ch.cap for ch in busy)


def fifo_rates(demand: Sequence[float], kappa: Sequence[float], capacity: float,
               ages: Sequence[tuple[float, int] | None], arrival: Sequence[float],
               queued: Sequence[float], backlog_ages: Sequence[tuple[float, int] | None] = ()) -> list[float]:
    """Rates under FIFO (the accelerator is index 0; module docstring).

    ``ages``: when a flow's oldest waiting lump arrived (None if none); ``arrival``: the flows'
    arrival rates (``npu_issue_rate`` for the accelerator) (bytes/ns); ``queued``: server time of each flow's backlog (ns);
    ``backlog_ages``: each master's oldest byte waiting (``backlog_age``). A flow with a
    finite demand asks for it as its arrivals (the accelerator's window-limited issue rate)."""
    n = len(demand)
    out = [0.0] * n
    left = capacity
    if ages[0] is not None and backlog_ages:
        # The accelerator's lump waits for the masters' backlogs older than it.
        ages = [a if a is not None or backlog_ages[i] is None or backlog_ages[i] >= ages[0] else backlog_ages[i]
                for i, a in enumerate(ages)]
    for i in sorted((i for i in range(n) if ages[i] is not None and demand[i] > 0), key=lambda i: ages[i]):
        if left <= 0:
            break
        out[i] = min(demand[i], left / kappa[i])
        left -= out[i] * kappa[i]
    fresh = [0.0 if out[i] > 0 or (i == 0 and ages[0] is not None) else
             (demand[i] if demand[i] < INF else arrival[i]) for i in range(n)]
    need = sum(f * k for f, k in zip(fresh, kappa))
    scale = 1.0 if need <= max(left, 0.0) else max(left, 0.0) / need
    for i in range(n):
        out[i] += fresh[i] * scale
    left -= need * scale
    backlogged = [i for i in range(n) if demand[i] == INF and not (out[i] > 0 and ages[i] is not None)
                  and not (i == 0 and ages[0] is not None)]
    if left <= 0 or not backlogged:
        return out
    work = sum(queued[i] for i in backlogged)
    if work <= 0:
        rest = [INF if i in backlogged else 0.0 for i in range(n)]
        for i, x in enumerate(water_fill(rest, [1.0] * n, kappa, left)):
            out[i] += x
        return out
    for i in backlogged:
        out[i] += left * queued[i] / work / kappa[i]
    return out
