"""A warm run (activations cached) never imports PyTorch, and the weights lookup finds torch hub's
folder as torch itself would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from socsim.workload import weights

ROOT = Path(__file__).resolve().parents[2]

RUN = """
import sys
from socsim.pipeline import run_scenario
from socsim.scenario import Scenario
s = Scenario.from_yaml(sys.argv[1])
run_scenario(s)
print("torch" in sys.modules)
"""


def _python(args: list[str], env: dict[str, str]) -> str:
    env = {**env, "PYTHONPATH": os.pathsep.join([str(ROOT)] + sys.path)}
    done = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_warm_run_does_not_import_torch(tmp_path):
    scenario = tmp_path / "s.yaml"
    text = (ROOT / "scenarios" / "fcn8s_automotive.yaml").read_text()
    text = text.replace("  height: 1024\n  width: 2048\n", "  height: 64\n  width: 128\n").replace("frames: 2", "frames: 1")
    scenario.write_text(text)
    env = {**os.environ, "SOCSIM_CACHE_DIR": str(tmp_path / "cache")}
    assert _python(["-c", RUN, str(scenario)], env) == "True"  # cold: captures with torch
    assert _python(["-c", RUN, str(scenario)], env) == "False"  # warm: the cache only


@pytest.mark.parametrize("home,xdg", [(None, None), ("/x/th", None), (None, "/x/xdg"), ("~/th", "/x/xdg")])
def test_hub_dir_is_torchs(home, xdg):
    env = {k: v for k, v in os.environ.items() if k not in ("TORCH_HOME", "XDG_CACHE_HOME")}
    env.update({k: v for k, v in (("TORCH_HOME", home), ("XDG_CACHE_HOME", xdg)) if v is not None})
    ours = _python(["-c", "from socsim.workload.weights import hub_dir; print(hub_dir())"], env)
    torchs = _python(["-c", "import torch.hub; print(torch.hub.get_dir())"], env)
    assert ours == torchs


def test_hub_dir_follows_set_dir_once_torch_is_loaded(tmp_path, monkeypatch):
    import torch.hub

    monkeypatch.setattr(torch.hub, "_hub_dir", torch.hub._hub_dir)  # undone after the test: unset again
    torch.hub.set_dir(str(tmp_path))
    assert weights.hub_dir() == tmp_path
