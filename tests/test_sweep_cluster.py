"""A sweep on a real dask cluster that shares no disk with the client: a `dask scheduler` and two
`dask worker` processes on 127.0.0.1, each worker in its own empty folder with its own activation
cache; the client writes every point's folder and the table, identical to a local sweep."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import distributed
from paths import ROOT, SCENARIOS

from socsim.sweep import Sweep, run_sweep

SWEEP = f"""\
name: cluster
base: {SCENARIOS / 'mobilenet_v1_small.yaml'}
set: {{frames: 1, workload.height: 64, workload.width: 64}}
grid:
  soc.bus.width_bytes: [8, 32]
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask() -> str:
    """The dask command of this environment (dask[distributed] is a dev dependency)."""
    found = Path(sys.executable).parent / "dask"
    assert found.exists(), f"{found}: missing (install socsim with its dev extras)"
    return str(found)


def test_sweep_on_workers_without_a_shared_disk(tmp_path, monkeypatch):
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = []
    try:
        sched_dir = tmp_path / "scheduler"
        sched_dir.mkdir()
        procs.append(subprocess.Popen([_dask(), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       "--no-dashboard"], cwd=sched_dir, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL))
        homes = []
        for i in range(2):
            home = tmp_path / f"worker{i}"
            (home / "cwd").mkdir(parents=True)
            homes.append(home)
            env = {**os.environ, "PYTHONPATH": str(ROOT), "SOCSIM_CACHE_DIR": str(home / "cache")}
            procs.append(subprocess.Popen(
                [_dask(), "worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1",
                 "--local-directory", str(home / "scratch")],
                cwd=home / "cwd", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        sweep_file = tmp_path / "sweep.yaml"
        sweep_file.write_text(SWEEP)
        sw = Sweep(sweep_file)
        # A relative output folder: it means the client's folder, never one in a worker's.
        monkeypatch.chdir(tmp_path)
        rows = run_sweep(sw, Path("remote"), "dask", scheduler=address)
    finally:
        for p in procs[::-1]:
            p.terminate()
        for p in procs[::-1]:
            p.wait(30)
    # The client wrote every point's folder; the workers wrote nothing where they ran.
    for r in rows:
        assert (tmp_path / "remote" / "points" / r["point"] / "result.json").is_file()
    assert all(list((h / "cwd").iterdir()) == [] for h in homes)
    # The workers captured activations into their own caches (no disk shared with the client).
    assert any(any((h / "cache").rglob("*")) for h in homes)
    local = run_sweep(sw, tmp_path / "local", "local", workers=1)
    assert rows == local
    for r in rows:
        a = (tmp_path / "remote" / "points" / r["point"] / "result.json").read_bytes()
        assert a == (tmp_path / "local" / "points" / r["point"] / "result.json").read_bytes()
