"""The Python API for notebooks and scripts: ``socsim.run`` and ``socsim.compare`` take a scenario (a
``Scenario``, a YAML path or a mapping) plus field-path overrides and return the typed result.

Overrides are the sweep's and ``--set``'s field paths, as keywords; ``__`` stands for a dot where a
keyword needs it: ``run("s.yaml", frames=1, soc__bus__width_bytes=32)`` is
``run("s.yaml", **{"frames": 1, "soc.bus.width_bytes": 32})``.

A chip that cannot serve what the scenario asks has no result to return: ``run`` and ``compare``
raise ``socsim.Overloaded`` (``socsim.errors.Overloaded``) whose ``verdict`` says why as data
(``socsim.model.overload.Overload``: kind 'overloaded' or 'starved', the rate asked and the rate
served in GB/s, and the sentence the CLI prints). It is a verdict on a valid scenario, not a bad
input, so catch it apart from ``socsim.errors.SocsimError``'s other subclasses::

    try:
        result = socsim.run("s.yaml", masters__0__rate_gbps=100)
    except socsim.Overloaded as exc:
        print(exc.verdict.kind, exc.verdict.asked_gbps, exc.verdict.served_gbps)
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from socsim.comparison import Comparison
from socsim.result import RunResult
from socsim.scenario import Scenario

DEFAULT_CODECS = ("none", "rle", "spm", "dct:keep=21")
"""The codecs ``compare`` runs when none are given (as ``socsim compare``)."""


def scenario_of(scenario: Scenario | str | Path | Mapping[str, Any], **overrides: Any) -> Scenario:
    """The scenario with every override applied and checked (``ScenarioError`` names a bad field and value)."""
    from socsim.fieldpath import set_path
    from socsim.workload.models import check_name

    if isinstance(scenario, Scenario):
        data = scenario.model_dump()
    elif isinstance(scenario, Mapping):
        data = copy.deepcopy(dict(scenario))
    else:
        data = Scenario.read_yaml(Path(scenario))
    for key, value in overrides.items():
        set_path(data, key.replace("__", "."), value)
    resolved = Scenario.from_dict(data)
    check_name(resolved.workload.model)
    return resolved


def run(
    scenario: Scenario | str | Path | Mapping[str, Any], *, fidelity: str = "fast", adversarial: bool = False,
    use_cache: bool = True, **overrides: Any,
) -> RunResult:
    """Run a scenario with field-path ``overrides`` and return its typed result (as ``socsim run``;
    ``fidelity`` 'fast' or 'burst'); nothing is written. Raises ``Overloaded`` with the verdict
    when the chip cannot serve what the scenario asks, ``SocsimError`` for a bad input."""
    from socsim.pipeline import run_scenario

    return run_scenario(scenario_of(scenario, **overrides), use_cache=use_cache, fidelity=fidelity,
                        adversarial=adversarial).result


def compare(
    scenario: Scenario | str | Path | Mapping[str, Any], codecs: Iterable[str] = DEFAULT_CODECS, *,
    fidelity: str = "fast", **overrides: Any,
) -> Comparison:
    """Run a scenario once per codec (e.g. 'dct:keep=21') on the same activations, as ``socsim compare``;
    ``.results`` holds the typed results, ``.rows`` the comparison table (one mapping per codec);
    raises ``Overloaded`` as ``run`` does."""
    from socsim.comparison import compare as compare_codecs

    return compare_codecs(scenario_of(scenario, **overrides), list(codecs), fidelity=fidelity)
