"""Golden outputs that a behaviour-preserving change must reproduce.

``python tests/golden/record.py [--long]`` writes, into ``tests/golden/``:
- ``<scenario>-<fidelity>.json``: ``socsim run scenarios/<scenario>.yaml --fidelity F --json``
  for the small scenario (and, with ``--long``, the two FCN8s scenarios);
- ``soundness-<profile>.json``: per random case of ``tests/analysis/soundness.py`` (fixed seeds),
  the bound of every frame and the simulated latency at both fidelities.
``tests/test_golden.py`` compares the code against these files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "analysis"))

SMALL = ["mobilenet_v1_small"]
LONG = ["fcn8s_automotive", "fcn8s_contention"]
FIDELITIES = ["fast", "burst"]
SOUNDNESS = {"random": (0, 500, False), "stress": (1, 150, True)}
"""profile: (hypothesis seed, examples, stress)."""


def run_scenario(name: str, fidelity: str, out: Path) -> None:
    """``socsim run`` of a shipped scenario into ``out`` (a subprocess, as a user runs it)."""
    cmd = [sys.executable, "-m", "socsim.cli", "run", str(ROOT / "scenarios" / f"{name}.yaml"),
           "--fidelity", fidelity, "--json", str(out), "-q"]
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def case_digest(scenario, plans) -> str:
    """A short hash of a case (scenario and plans), so the comparison knows it drew the same cases."""
    # Fields added after the goldens were recorded are left out while unset (or at their default),
    # so the same case keeps its digest.
    dram, acc = scenario.soc.dram, scenario.soc.accelerator
    later = {name for name in ("device", "controller", "config") if getattr(dram, name) is None}
    defaults = {"dataflow": "ws", "depthwise": "per_channel"}
    later_acc = {name for name, value in defaults.items() if getattr(acc, name) == value}
    text = scenario.model_dump_json(exclude={"soc": {"dram": later, "accelerator": later_acc}}) + repr(plans)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def soundness_outcomes(seed: int, examples: int, stress: bool) -> list[dict]:
    """Per case: digest, bound reason, frame bounds and simulated latencies at both fidelities (ns)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed

    import soundness
    from socsim.analysis.bounds import bound_frames
    from socsim.soc.system import simulate

    rows: list[dict] = []

    @hseed(seed)
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck),
              phases=[Phase.generate], database=None)
    @given(soundness.cases(stress=stress))
    def run(case):
        scenario, plans = case
        bound = bound_frames(scenario, plans)
        row = {"case": case_digest(scenario, plans), "reason": bound.reason,
               "bound_ns": None if bound.reason else list(bound.frames_ns)}
        if not bound.reason:
            for fidelity in FIDELITIES:
                sim = simulate(scenario, plans, fidelity)
                row[f"{fidelity}_ns"] = [f.latency_ns for f in sim.frames]
        rows.append(row)

    run()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description="record the golden outputs")
    ap.add_argument("--long", action="store_true", help="also the two FCN8s scenarios (minutes)")
    ap.add_argument("--only", choices=["scenarios", "soundness"], help="record only one kind")
    args = ap.parse_args()
    if args.only != "soundness":
        for name in SMALL + (LONG if args.long else []):
            for fidelity in FIDELITIES:
                run_scenario(name, fidelity, HERE / f"{name}-{fidelity}.json")
                print(f"recorded {name}-{fidelity}.json", flush=True)
    if args.only != "scenarios":
        for profile, (seed, examples, stress) in SOUNDNESS.items():
            rows = soundness_outcomes(seed, examples, stress)
            (HERE / f"soundness-{profile}.json").write_text(json.dumps(rows, indent=1) + "\n")
            print(f"recorded soundness-{profile}.json ({len(rows)} cases)", flush=True)


if __name__ == "__main__":
    main()
