"""The fast fidelity's FIFO rule (``socsim.soc.fluid_fifo``) and the arrival order of a master's backlog."""

import pytest

from socsim.soc.fluid_fifo import close_backlogs, fifo_rates
from socsim.soc.fluid_flows import MasterFlow, Stream

INF = float("inf")


def master() -> MasterFlow:
    return MasterFlow(0, 0.0, 64, False, 0.1, 0.0, 64.0, Stream(0))


def test_arrivals_that_fit_are_served_at_their_rates():
    # Accelerator window-limited at 2 B/ns, a master arriving at 1 B/ns; 0.1 ns/B each: 30 % busy.
    out = fifo_rates([2.0, 1.0], [0.1, 0.1], 1.0, [None, None], [2.0, 1.0], [0.0, 0.0])
    assert out == pytest.approx([2.0, 1.0])


def test_arrivals_beyond_capacity_are_served_in_proportion():
    out = fifo_rates([8.0, 12.0], [0.1, 0.1], 1.0, [None, None], [8.0, 12.0], [0.0, 0.0])
    assert out == pytest.approx([4.0, 6.0])


def test_older_lump_is_served_first():
    # The master's lump came first: it takes the whole server, the accelerator's lump waits.
    out = fifo_rates([INF, INF], [0.1, 0.1], 1.0, [(5.0, 2), (1.0, 1)], [0.0, 0.0], [10.0, 10.0])
    assert out == pytest.approx([0.0, 10.0])


def test_backlog_older_than_the_accelerators_lump_goes_first():
    out = fifo_rates([INF, INF], [0.1, 0.1], 1.0, [(5.0, 2), None], [0.0, 0.0], [10.0, 10.0],
                     [None, (1.0, 1)])
    assert out == pytest.approx([0.0, 10.0])
    younger = fifo_rates([INF, INF], [0.1, 0.1], 1.0, [(5.0, 2), None], [0.0, 0.0], [10.0, 10.0],
                         [None, (6.0, 3)])
    assert younger[0] == pytest.approx(10.0)


def test_backlogs_drain_in_proportion_to_their_queued_work():
    out = fifo_rates([INF, INF, INF], [0.1, 0.1, 0.2], 1.0, [None, None, None], [0.0, 1.0, 1.0],
                     [0.0, 30.0, 10.0])
    # Arrivals first (0.3 of the server), then the remaining 0.7 split 3:1 by queued work.
    assert out[1] == pytest.approx(1.0 + 0.7 * 0.75 / 0.1)
    assert out[2] == pytest.approx(1.0 + 0.7 * 0.25 / 0.2)


def test_closed_build_up_is_served_before_later_arrivals():
    m = master()
    m.flow(100.0, 0.0, 1, 100.0)  # a build-up of 100 bytes
    close_backlogs([m])
    # 50 bytes arrive while 80 are served: the old build-up loses 80, the arrivals start a new one.
    m.flow(-30.0, 10.0, 2, 50.0)
    assert [c[2] for c in m.chunks] == pytest.approx([20.0, 50.0])
    assert m.chunks[1][0] == 10.0
    # Without a closed build-up, arrivals and service net out on the open one.
    n = master()
    n.flow(100.0, 0.0, 1, 100.0)
    n.flow(-30.0, 10.0, 2, 50.0)
    assert [c[2] for c in n.chunks] == pytest.approx([70.0])
