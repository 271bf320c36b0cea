"""Fuzzed scenarios: mutations of the shipped scenario files (deleted fields, wrong types, extreme
and non-finite numbers, unknown keys, repeated keys, broken YAML) through ``socsim validate``.

Every case must end with exit code 0 (one 'ok' line) or 2 (one 'error:' line per problem, nothing
else), never a traceback. The mutations are drawn by hypothesis with a fixed seed, so CI runs the same cases.
"""

import copy
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from socsim.cli import app

from paths import SCENARIOS

SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
TEXTS = [p.read_text() for p in SHIPPED]
DATA = [yaml.safe_load(t) for t in TEXTS]
CASES = 2000

EXTREMES = [
    0, -1, 1, 31, 2**31, 2**63 - 1, 2**63, 2**64, 10**30, -(2**64),
    0.0, -0.0, 0.5, -1.5, 1e-300, 5e-324, 1e300, 1.7976931348623157e308, -1e308,
    math.inf, -math.inf, math.nan,
]
ODD_VALUES = st.one_of(
    st.sampled_from(EXTREMES),
    st.sampled_from([None, True, False, "", "x", "../x", "a/b", "skimage", "none", "npu", "é\u2028", "1e3",
                     [], {}, [1, "a"], {"k": 1}, {"kind": "cpu"}]),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
).map(copy.deepcopy)  # a fresh copy: a sampled list or mapping may be mutated by a later step
KEYS = st.sampled_from(["kind", "name", "rows", "bogus", "frames", "seed", "preset", "timing", "t_rfc_ns", "1", ""])


def _paths(node, prefix=()):
    """Every (path, value) inside nested mappings and lists, the root included."""
    yield prefix, node
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        yield from _paths(v, prefix + (k,))


def _parent(data, path):
    node = data
    for k in path[:-1]:
        node = node[k]
    return node


@st.composite
def mutated(draw):
    """A mutated shipped scenario as the bytes of a file."""
    data = copy.deepcopy(DATA[draw(st.integers(0, len(DATA) - 1))])
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(data))
        path, node = paths[draw(st.integers(0, len(paths) - 1))]
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add_key", "nest"]))
        if op == "add_key" and isinstance(node, dict):
            node[draw(KEYS)] = draw(ODD_VALUES)
        elif op == "delete" and path:
            parent = _parent(data, path)
            del parent[path[-1]]
        elif op == "nest" and path:
            _parent(data, path)[path[-1]] = [node] if draw(st.booleans()) else {"value": node}
        elif path:
            _parent(data, path)[path[-1]] = draw(ODD_VALUES)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    damage = draw(st.sampled_from(["none"] * 6 + ["truncate", "duplicate_line", "tab", "junk", "binary"]))
    lines = text.splitlines(keepends=True)
    at = draw(st.integers(0, max(0, len(lines) - 1)))
    if damage == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif damage == "duplicate_line" and lines:
        text = "".join(lines[: at + 1] + lines[at:])
    elif damage == "tab" and lines:
        text = "".join(lines[:at] + ["\t" + lines[at]] + lines[at + 1 :])
    elif damage == "junk":
        text = "".join(lines[:at] + [draw(st.sampled_from(["[", "{", ": :", "- -", "&a *b", "!!python/none x", "%"])) + "\n"] + lines[at:])
    elif damage == "binary":
        return text.encode()[:at * 10] + bytes(draw(st.lists(st.integers(0, 255), min_size=1, max_size=64)))
    return text.encode()


def _one_outcome(exit_code: int, output: str) -> None:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert "Traceback" not in output, output
    assert exit_code in (0, 2), output
    if exit_code == 2:
        assert lines and all(line.startswith("error: ") for line in lines), output
    else:
        assert len(lines) >= 1 and ": ok (" in output, output


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory) -> Path:
    """The file every fuzzed scenario is written to in turn."""
    return tmp_path_factory.mktemp("fuzz") / "s.yaml"


@seed(13)
@settings(max_examples=CASES, deadline=None, database=None, phases=[Phase.generate],
          suppress_health_check=list(HealthCheck))
@given(mutated())
def test_mutated_scenarios_validate_in_one_line(fuzz_file, content):
    fuzz_file.write_bytes(content)
    result = CliRunner().invoke(app, ["validate", str(fuzz_file)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    _one_outcome(result.exit_code, result.output)


REAL = {
    "infinite rate": lambda t: t.replace("rate_gbps: 2.0", "rate_gbps: .inf", 1),
    "seed 2^64": lambda t: t.replace("seed: 0", f"seed: {2**64}", 1),
    "repeated key": lambda t: t + "frames: 3\n",
    "broken yaml": lambda t: t.replace("masters:", "masters: [", 1),
    "deleted workload": lambda t: t.split("workload:")[0],
    "not UTF-8": lambda t: t.encode()[:40] + b"\xff\xfe",
}


def test_real_processes_print_one_line(tmp_path):
    """A handful of the mutations through a real process: exit 2, one line on stderr, nothing else."""
    base = (SCENARIOS / "mobilenet_v1_small.yaml").read_text()
    for name, mutate in REAL.items():
        content = mutate(base)
        path = tmp_path / f"{name.replace(' ', '_')}.yaml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        proc = subprocess.run([sys.executable, "-m", "socsim.cli", "validate", str(path)],
                              capture_output=True, text=True, errors="replace")
        assert proc.returncode == 2 and proc.stdout == "", (name, proc.stdout, proc.stderr)
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in proc.stderr, (name, proc.stderr)
