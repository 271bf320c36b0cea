"""CLI conventions: --version, python -m socsim, --executor as a choice, plain progress lines on a
standard error that is not a terminal."""

import os
import subprocess
import sys

from typer.testing import CliRunner

from socsim import __version__
from socsim.cli import app

from paths import ROOT, SCENARIOS


def test_version_and_module_entry_point():
    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout == f"socsim {__version__}\n"
    proc = subprocess.run([sys.executable, "-m", "socsim", "--version"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0 and proc.stdout == f"socsim {__version__}\n"


def test_executor_is_a_choice(tmp_path):
    res = CliRunner().invoke(app, ["sweep", str(tmp_path / "s.yaml"), "--executor", "slurm"])
    assert res.exit_code == 2 and "slurm" in res.output


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path):
    res = CliRunner().invoke(app, ["run", str(SCENARIOS / "mobilenet_v1_small.yaml"), "--set", "workload.height=64",
                                   "--set", "workload.width=64", "--no-cache", "--no-report",
                                   "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert [l for l in res.stderr.splitlines() if l.startswith("capturing")] == ["capturing frame 1/2",
                                                                                 "capturing frame 2/2"]
