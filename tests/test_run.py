"""End to end: socsim run on the small scenario — contract, determinism, cache behaviour."""

import json

from paths import SCENARIOS
from typer.testing import CliRunner

from socsim.cli import app
from socsim.pipeline import run_scenario
from socsim.report.export import result_json
from socsim.scenario import Scenario
from socsim.workload.cache import ActivationCache, default_dir

SMALL = SCENARIOS / "mobilenet_v1_small.yaml"


def small(**over):
    """The small scenario at 64×64 (fast)."""
    return Scenario.from_yaml(SMALL, {"workload": {"model": "mobilenet_v1", "height": 64, "width": 64,
                                                   "images": ["skimage"]}, **over})


def test_result_contract_and_uncompressed_sizes():
    out = run_scenario(small())
    r = out.result
    assert r.schema_version == 1 and r.scenario.name == "mobilenet_v1_small" and r.seed == 0
    assert [f.index for f in r.frames] == [0, 1]
    for layer in r.layers:
        c, h, w = layer.out_shape
        per_channel = -(-(h * w * 2) // 64) * 64  # codec none: 16 bit per value, rounded to 64 B bursts
        assert layer.dma_write_bytes == c * per_channel
    names = [m.name for m in r.masters]
    assert names == ["npu", "cpu"]
    assert 0 < r.bus.utilization <= 1 and 0 < r.dram.utilization <= 1
    assert r.workload.weights.source == "random:seed=0"
    assert all("resize" in f.input for f in r.frames)


def test_same_seed_identical_json_across_cache_states():
    first = result_json(run_scenario(small()).result)
    warm = run_scenario(small())
    assert warm.workload.cache == "hit"
    cold = run_scenario(small(), use_cache=False)
    assert cold.workload.cache == "miss"
    assert result_json(warm.result) == first == result_json(cold.result)


def test_different_seed_changes_random_weights():
    a = run_scenario(small()).result
    b = run_scenario(small(seed=1)).result
    assert a.workload.weights.source != b.workload.weights.source
    assert [x.zero_fraction for x in a.layers] != [x.zero_fraction for x in b.layers]


def test_corrupt_cache_is_rebuilt_not_trusted():
    s = small(frames=1)
    ref = result_json(run_scenario(s).result)
    entries = [p for p in default_dir().iterdir() if p.is_dir()]
    for entry in entries:
        for f in entry.iterdir():
            f.write_bytes(f.read_bytes()[:-7] + b"garbage")
    again = run_scenario(s)
    assert again.workload.cache == "miss"
    assert result_json(again.result) == ref
    assert run_scenario(s).workload.cache == "hit"


def test_cache_detects_checksum_mismatch(tmp_path):
    import numpy as np

    cache = ActivationCache(tmp_path)
    cache.save_sizes("k", "none", "u", [{"a": np.arange(4)}])
    assert cache.load_sizes("k", "none", "u")[0]["a"].tolist() == [0, 1, 2, 3]
    assert cache.load_sizes("other", "none", "u") is None
    cache.save_meta("k", {"x": 1})
    p = tmp_path / "k" / "capture.json"
    p.write_text(p.read_text().replace('"x": 1', '"x": 2'))
    assert cache.load_meta("k") is None


def test_cli_run_writes_results(tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text(SMALL.read_text().replace("  model: mobilenet_v1\n", "  model: mobilenet_v1\n  height: 64\n  width: 64\n"))
    res = CliRunner().invoke(app, ["run", str(scen), "--frames", "1", "--out", str(tmp_path / "out"),
                                   "--json", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["summary"]["frames"] == 1
    assert (tmp_path / "out" / "result.json").read_text() == (tmp_path / "r.json").read_text()
    assert (tmp_path / "out" / "layers.csv").read_text().startswith("name,kind,macs")
    assert "latency" in res.output


def test_cli_bad_override_and_unwritable_output_keep_old_results(tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text(SMALL.read_text().replace("  model: mobilenet_v1\n", "  model: mobilenet_v1\n  height: 64\n  width: 64\n"))
    old = tmp_path / "r.json"
    old.write_text("previous result\n")
    res = CliRunner().invoke(app, ["run", str(scen), "--frames", "0", "--json", str(old)])
    assert res.exit_code == 2 and "frames=0" in res.output
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = CliRunner().invoke(app, ["run", str(scen), "--frames", "1", "--out", str(blocker / "sub"), "--json", str(old)])
    assert res.exit_code == 2 and res.output.startswith("error: --out=")
    assert old.read_text() == "previous result\n"


def test_frames_with_the_same_sizes_share_their_plans():
    from socsim.codecs.registry import get_codec
    from socsim.pipeline import build_plans, worst_case_sizes
    from socsim.workload.activations import load_workload

    s = small()
    codec = get_codec(s.codec.name, dict(s.codec.params))
    wl = load_workload(s, [codec])
    one = worst_case_sizes(s, wl, codec)[0]
    shared = build_plans(s, wl, codec, [one, one])
    apart = build_plans(s, wl, codec, [one, dict(one)])  # equal sizes, distinct objects: built twice
    assert shared[0] is shared[1] and apart[0] is not apart[1]
    assert shared == apart
