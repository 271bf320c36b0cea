"""The code against the golden outputs of ``tests/golden/record.py`` (regenerate with that command
only when a change of behaviour is intended and explained)."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(GOLDEN))

import record  # noqa: E402

REL = 1e-9
# Statistics of the float activations themselves, not of the 16-bit sizes the simulation uses: the
# count of exact zeros after a ReLU depends on the CPU's float kernels (on an AMD EPYC against the
# machine that recorded the goldens: mobilenet_v1_small layers 18 and 25 differ by 5e-6 and 1e-5).
FLOAT_STATISTICS = {"zero_fraction": 1e-4}


def differences(golden, new, path: str = "$") -> list[str]:
    """Where ``new`` departs from ``golden``: every golden value must be there and equal (floats to
    a relative 1e-9); keys that only ``new`` has are allowed (additions, not changes)."""
    if isinstance(golden, dict):
        if not isinstance(new, dict):
            return [f"{path}: {type(new).__name__} instead of an object"]
        out = []
        for k, v in golden.items():
            if k not in new:
                out.append(f"{path}.{k}: missing")
            elif k in FLOAT_STATISTICS and isinstance(v, float) and isinstance(new[k], float):
                out += [] if abs(v - new[k]) <= FLOAT_STATISTICS[k] else [f"{path}.{k}: {v!r} → {new[k]!r}"]
            else:
                out += differences(v, new[k], f"{path}.{k}")
        return out
    if isinstance(golden, list):
        if not isinstance(new, list) or len(new) != len(golden):
            return [f"{path}: {len(golden)} items, now {len(new) if isinstance(new, list) else type(new).__name__}"]
        return [d for i, (g, n) in enumerate(zip(golden, new)) for d in differences(g, n, f"{path}[{i}]")]
    if isinstance(golden, float) or isinstance(new, float):
        if isinstance(golden, (int, float)) and isinstance(new, (int, float)) and math.isclose(golden, new, rel_tol=REL, abs_tol=1e-9):
            return []
        return [f"{path}: {golden!r} → {new!r}"]
    return [] if golden == new else [f"{path}: {golden!r} → {new!r}"]


def test_differences_sees_a_change():
    assert differences({"a": [1.0, {"b": "x"}]}, {"a": [1.0, {"b": "x"}], "c": 2}) == []
    assert differences({"a": [1.0]}, {"a": [1.1]}) == ["$.a[0]: 1.0 → 1.1"]
    assert differences({"a": 1}, {}) == ["$.a: missing"]
    assert differences({"zero_fraction": 0.5}, {"zero_fraction": 0.50001}) == []
    assert differences({"zero_fraction": 0.5}, {"zero_fraction": 0.501}) == ["$.zero_fraction: 0.5 → 0.501"]


def _compare_scenario(name: str, fidelity: str, tmp_path: Path) -> None:
    golden = GOLDEN / f"{name}-{fidelity}.json"
    assert golden.exists(), f"{golden.name}: not recorded (python tests/golden/record.py --long)"
    out = tmp_path / "result.json"
    record.run_scenario(name, fidelity, out)
    old, new = json.loads(golden.read_text()), json.loads(out.read_text())
    diff = differences(explained(old, new), new)
    assert not diff, f"{len(diff)} differences, first: " + "; ".join(diff[:10])


def explained(golden: dict, new: dict) -> dict:
    """The golden result with its one explained change applied: ``$.scenario`` was the scenario's
    name and is now the standalone scenario (schema version 1), whose ``name`` is that old value.
    A golden recorded since (its scenario an object) is returned as it is."""
    if isinstance(golden["scenario"], dict):
        return golden
    assert isinstance(golden["scenario"], str) and new["schema_version"] == 1
    assert new["scenario"]["name"] == golden["scenario"]
    return {**golden, "scenario": new["scenario"]}


def test_explained_change_is_only_the_scenario():
    golden = {"scenario": "s", "seed": 0}
    new = {"schema_version": 1, "scenario": {"name": "s", "frames": 1}, "seed": 0}
    assert differences(explained(golden, new), new) == []
    assert differences(explained(golden, {**new, "seed": 1}), {**new, "seed": 1}) == ["$.seed: 0 → 1"]
    with pytest.raises(AssertionError):
        explained(golden, {**new, "scenario": {"name": "other"}})
    assert explained(new, {**new, "seed": 1}) == new


@pytest.mark.parametrize("fidelity", record.FIDELITIES)
@pytest.mark.parametrize("name", record.SMALL)
def test_small_scenario_matches_golden(name, fidelity, tmp_path):
    _compare_scenario(name, fidelity, tmp_path)


@pytest.mark.long
@pytest.mark.parametrize("fidelity", record.FIDELITIES)
@pytest.mark.parametrize("name", record.LONG)
def test_fcn8s_scenario_matches_golden(name, fidelity, tmp_path):
    _compare_scenario(name, fidelity, tmp_path)


@pytest.mark.parametrize("profile", sorted(record.SOUNDNESS))
def test_soundness_outcomes_match_golden(profile):
    seed, examples, stress = record.SOUNDNESS[profile]
    golden = json.loads((GOLDEN / f"soundness-{profile}.json").read_text())
    diff = differences(golden, record.soundness_outcomes(seed, examples, stress))
    assert not diff, f"{len(diff)} differences, first: " + "; ".join(diff[:10])
