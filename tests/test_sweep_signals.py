"""A killed or interrupted sweep leaves no worker behind: SIGTERM and SIGINT stop the workers with
the sweep, and after SIGKILL the workers notice their parent is gone and exit on their own."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from paths import ROOT, SCENARIOS

SWEEP = f"""\
name: t
base: {SCENARIOS / 'mobilenet_v1_small.yaml'}
set:
  frames: 2
  workload.height: 64
  workload.width: 64
grid:
  masters[0].rate_gbps: [1.0, 1.5, 2.0, 2.5]
"""
WAIT_S = 120
"""Generous wait for a process to start or to go (a liveness check, not a timing)."""


def _children(pid: int) -> set[int]:
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    out = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        out |= {int(x) for x in (task / "children").read_text().split()}
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _wait(predicate) -> bool:
    end = time.monotonic() + WAIT_S
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_no_worker_outlives_the_sweep(tmp_path, sig):
    (tmp_path / "sweep.yaml").write_text(SWEEP)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOCSIM_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "socsim.cli", "sweep", "sweep.yaml", "-q", "--workers", "2"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert _wait(lambda: len(_children(proc.pid)) >= 2), "no workers started"
        workers = _children(proc.pid)
        proc.send_signal(sig)
        proc.communicate(timeout=WAIT_S)
        assert proc.returncode != 0
        assert _wait(lambda: not any(_alive(w) for w in workers)), "workers outlived the sweep"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
