"""socsim run with dct-adaptive: per-layer masks reach the DMA sizes; triangular k=21 masks give the
same traffic as dct keep=21, and a mask file named relative to the scenario is found."""

import numpy as np
import yaml

from socsim.codecs.masks import masks_json, triangle_mask
from socsim.pipeline import run_scenario
from socsim.scenario import Scenario
from socsim.workload.capture import layer_graph
from socsim.workload.weights import build_model

from paths import SCENARIOS


def scenario(tmp_path, codec):
    doc = yaml.safe_load((SCENARIOS / "mobilenet_v1_small.yaml").read_text())
    doc["workload"].update({"height": 64, "width": 64})
    doc["frames"] = 1
    doc["codec"] = {"transfer_unit": {"kind": "channel"}, **codec}
    path = tmp_path / f"{codec['name']}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return Scenario.from_yaml(path)


def test_triangular_masks_match_dct_and_other_masks_change_the_traffic(tmp_path):
    model, _, _ = build_model("mobilenet_v1", "random", 0)
    names = [layer.name for layer in layer_graph(model, 64, 64).layers]
    (tmp_path / "masks").mkdir()
    (tmp_path / "masks" / "tri.json").write_text(masks_json(8, {n: triangle_mask(8, 21) for n in names}, model="mobilenet_v1"))
    few = {n: triangle_mask(8, 3 if i % 2 else 21) for i, n in enumerate(names)}
    (tmp_path / "masks" / "few.json").write_text(masks_json(8, few, model="mobilenet_v1"))

    def writes(codec):
        result = run_scenario(scenario(tmp_path, codec)).result
        return {layer.name: layer.dma_write_bytes for layer in result.layers}

    direct = writes({"name": "dct", "keep": 21})
    assert writes({"name": "dct-adaptive", "masks": "masks/tri.json"}) == direct
    adaptive = writes({"name": "dct-adaptive", "masks": "masks/few.json"})
    odd = [n for i, n in enumerate(names) if i % 2]
    # Whole 64-byte bursts: on the smallest maps 3 and 21 coefficients per tile round alike.
    assert all(adaptive[n] <= direct[n] for n in odd) and any(adaptive[n] < direct[n] for n in odd)
    assert all(adaptive[n] == direct[n] for n in names if n not in odd)
    assert np.sum(list(adaptive.values())) < np.sum(list(direct.values()))
