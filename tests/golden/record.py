"""Golden outputs that a behaviour-preserving change must reproduce.

``python tests/golden/record.py [--long]`` writes, into ``tests/golden/``:
- ``<scenario>-<fidelity>.json``: ``socsim run scenarios/<scenario>.yaml --fidelity F --json``
  for the small scenario (and, with ``--long``, the two FCN8s scenarios);
- ``soundness-<profile>.json``: per random case of ``tests/analysis/soundness.py`` (fixed seeds),
  the bound of every frame and the simulated latency at both fidelities.
``tests/test_golden.py`` compares the code against these files. ``--fast-only`` re-records the
fast fidelity's values alone, after checking that every burst value and bound the files hold is
unchanged (it writes nothing otherwise): for a change meant to move the fast fidelity only.
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
    later_dma = {"regions"} if scenario.soc.dma.regions is None else set()
    later_masters = {i: {"region"} for i, m in enumerate(scenario.masters) if m.region is None}
    exclude = {"soc": {"dram": later, "accelerator": later_acc, "dma": later_dma}, "masters": later_masters}
    text = scenario.model_dump_json(exclude=exclude) + repr(plans)
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


def burst_changes(old_rows: list[dict], new_rows: list[dict]) -> list[str]:
    """Where soundness outcomes differ in anything but the fast fidelity's latencies."""
    if len(old_rows) != len(new_rows):
        return [f"{len(old_rows)} cases, now {len(new_rows)}"]
    out = []
    for k, (old, new) in enumerate(zip(old_rows, new_rows)):
        for key in old.keys() - {"fast_ns"}:
            a, b = old[key], new.get(key)
            same = a == b or (isinstance(a, list) and isinstance(b, list) and len(a) == len(b)
                              and all(abs(x - y) <= 1e-9 * max(1.0, abs(x)) for x, y in zip(a, b)))
            if not same:
                out.append(f"case {k} {key}: {a!r} → {b!r}")
    return out


def record_fast_only(long: bool) -> None:
    """Check the burst goldens (the scenarios' burst files re-run, the soundness bounds and burst
    latencies) and re-record the fast values; exit 1 without writing if a burst value changed."""
    sys.path.insert(0, str(ROOT / "tests"))
    from test_golden import differences, explained

    problems: list[str] = []
    names = SMALL + (LONG if long else [])
    for name in names:
        out = HERE / f".{name}-burst.check.json"
        run_scenario(name, "burst", out)
        old, new = json.loads((HERE / f"{name}-burst.json").read_text()), json.loads(out.read_text())
        problems += [f"{name}-burst: {d}" for d in differences(explained(old, new), new)]
        out.unlink()
    soundness = {}
    for profile, (seed, examples, stress) in SOUNDNESS.items():
        rows = soundness_outcomes(seed, examples, stress)
        old = json.loads((HERE / f"soundness-{profile}.json").read_text())
        problems += [f"soundness-{profile}: {d}" for d in burst_changes(old, rows)]
        soundness[profile] = rows
    if problems:
        print(f"{len(problems)} burst values or bounds changed; nothing written. First: " + "; ".join(problems[:10]))
        raise SystemExit(1)
    print("every burst value and bound unchanged", flush=True)
    for name in names:
        out = HERE / f"{name}-fast.json"
        run_scenario(name, "fast", out)
        # Kept in the goldens' format: their keys only, $.scenario the scenario's name
        # (``test_golden.explained``).
        burst = json.loads(out.with_name(f"{name}-burst.json").read_text())
        keys = burst.keys()
        result = json.loads(out.read_text())
        if isinstance(burst["scenario"], str):  # recorded before $.scenario held the resolved scenario
            result["scenario"] = result["scenario"]["name"]
        result = {k: v for k, v in result.items() if k in keys}
        out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n")
        print(f"recorded {name}-fast.json", flush=True)
    for profile, rows in soundness.items():
        (HERE / f"soundness-{profile}.json").write_text(json.dumps(rows, indent=1) + "\n")
        print(f"recorded soundness-{profile}.json ({len(rows)} cases; fast values)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description="record the golden outputs")
    ap.add_argument("--long", action="store_true", help="also the two FCN8s scenarios (minutes)")
    ap.add_argument("--only", choices=["scenarios", "soundness"], help="record only one kind")
    ap.add_argument("--fast-only", action="store_true",
                    help="check every burst golden unchanged, then re-record the fast fidelity's values")
    args = ap.parse_args()
    if args.fast_only:
        record_fast_only(args.long)
        return
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
