"""Overload and starvation are verdicts found before simulating, within bounded memory: the masters'
demand against the path's service (socsim.model.overload), and the CLI's one-line verdict, exit 0
(1 under --check), in a process limited to 1 GB of address space."""

import os
import resource
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from socsim.cli import app
from socsim.model.overload import find_overload, starved_frames
from socsim.scenario import Scenario

from paths import ROOT

BASE = """\
name: tiny
seed: 1
frames: 1
deadline_ms: 10
soc:
  accelerator: {rows: 8, cols: 8, freq_mhz: 500, sram_kib: 64}
  dma: {channels: 1, burst_bytes: 64, max_outstanding: 4}
  bus: {width_bytes: 16, freq_mhz: 500, arbitration: round_robin}
  dram: {peak_gbps: 10, latency_ns: 50}
masters:
  - {kind: cpu, name: cpu, rate_gbps: 2.0}
workload: {model: mobilenet_v1, height: 64, width: 64, weights: random, images: [skimage]}
codec: {name: none, transfer_unit: {kind: channel}}
"""
CPU = "  - {kind: cpu, name: cpu, rate_gbps: 2.0}\n"
CASES = {
    "40 cpus at 0.5 GB/s": BASE.replace(CPU, "".join(f"  - {{kind: cpu, name: cpu{i}, rate_gbps: 0.5}}\n" for i in range(40))),
    "one cpu at 100 GB/s": BASE.replace("rate_gbps: 2.0", "rate_gbps: 100"),
    "dram at 0.01 GB/s": BASE.replace("peak_gbps: 10", "peak_gbps: 0.01"),
    "bus of 1 B at 1 MHz": BASE.replace("width_bytes: 16, freq_mhz: 500", "width_bytes: 1, freq_mhz: 1"),
    "priority above the accelerator": BASE.replace(
        "arbitration: round_robin}", "arbitration: fixed_priority, priorities: {tb: 0, npu: 1}}").replace(
        CPU, "  - {kind: token_bucket, name: tb, sigma_bytes: 4096, rate_gbps: 10}\n"),
}
BUDGET = BASE.replace("arbitration: round_robin}", "arbitration: budget, budget: {period_ns: 1000000000, bytes: {npu: 64}}}")


def _scenario(tmp_path, text: str) -> Scenario:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return Scenario.from_yaml(path)


def test_verdicts_as_data(tmp_path):
    got = {name: find_overload(_scenario(tmp_path, text)) for name, text in CASES.items()}
    assert {name: (v.kind, round(v.asked_gbps, 6), round(v.served_gbps, 6)) for name, v in got.items()} == {
        "40 cpus at 0.5 GB/s": ("overloaded", 20.0, 8.0),
        "one cpu at 100 GB/s": ("overloaded", 100.0, 8.0),
        "dram at 0.01 GB/s": ("overloaded", 2.0, 0.01),
        "bus of 1 B at 1 MHz": ("overloaded", 2.0, 0.001),
        "priority above the accelerator": ("overloaded", 10.0, 8.0),
    }
    assert str(got["dram at 0.01 GB/s"]) == "overloaded: the masters ask 2 GB/s of a DRAM that serves 0.01 GB/s at most"
    assert str(got["bus of 1 B at 1 MHz"]).endswith("of a bus that serves 0.001 GB/s at most")
    assert str(got["priority above the accelerator"]).endswith("; the accelerator gets nothing")
    assert find_overload(_scenario(tmp_path, BASE)) is None


def test_starved_by_budget_and_long_frames(tmp_path):
    budget = _scenario(tmp_path, BUDGET)
    assert find_overload(budget) is None
    verdict = starved_frames(budget, 10_000_000)
    assert (verdict.kind, verdict.served_gbps) == ("starved", 64 / 1e9)
    assert starved_frames(_scenario(tmp_path, BASE), 10_000_000) is None


def test_validate_accepts_many_frames(tmp_path):
    """A long run is no error: its memory does not grow with the frames, only its run time."""
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("frames: 1", "frames: 10000"))
    res = CliRunner().invoke(app, ["validate", str(path)])
    assert res.exit_code == 0, res.output


def _limited() -> None:
    """Limit the child to 1 GB of address space."""
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def _run(tmp_path, text: str, *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    # The 1 GB limit is on address space: glibc's per-thread malloc arenas (64 MB of address space
    # each, created when threads contend under load) and PyTorch's thread pool are pinned so that
    # the limit measures the run, not the machine's load.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SOCSIM_CACHE_DIR": str(tmp_path / "cache"),
           "MALLOC_ARENA_MAX": "2", "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "socsim.cli", "run", str(path), "-q", "--out", str(tmp_path / "out"), *args],
                          capture_output=True, text=True, env=env, preexec_fn=_limited, timeout=600)


@pytest.mark.parametrize("name", ["40 cpus at 0.5 GB/s", "dram at 0.01 GB/s", "priority above the accelerator"])
def test_overloaded_run_is_a_verdict_in_bounded_memory(tmp_path, name):
    proc = _run(tmp_path, CASES[name])
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.splitlines() == [f"tiny: {find_overload(_scenario(tmp_path, CASES[name]))}"]
    assert not (tmp_path / "out").exists()
    checked = _run(tmp_path, CASES[name], "--check", "simulation")
    assert checked.returncode == 1 and checked.stderr.startswith("check simulation: overloaded: ")


def test_starved_accelerator_is_a_verdict_in_bounded_memory(tmp_path):
    proc = _run(tmp_path, BUDGET)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("tiny: starved: the accelerator gets 6.4e-08 GB/s at most under soc.bus.arbitration=budget")
    assert len(proc.stdout.splitlines()) == 1
