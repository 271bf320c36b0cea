"""A run folder appears complete or not at all: it is written under a temporary name beside its
place and renamed when complete; into an existing folder, result.json is moved in last."""

import os
from pathlib import Path

import pytest

from socsim.fileio import staged_folder


def test_complete_folder_is_renamed_into_place(tmp_path):
    target = tmp_path / "run"
    with staged_folder(target) as stage:
        assert stage.parent == tmp_path and stage.name.startswith(".run.partial-") and not target.exists()
        (stage / "result.json").write_text("{}")
        (stage / "report.html").write_text("<html>")
    assert sorted(os.listdir(tmp_path)) == ["run"]
    assert sorted(os.listdir(target)) == ["report.html", "result.json"]


def test_interrupted_folder_leaves_nothing(tmp_path):
    target = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt), staged_folder(target) as stage:
        (stage / "result.json").write_text("{}")
        raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_existing_folder_gets_result_json_last(tmp_path, monkeypatch):
    target = tmp_path / "run"
    target.mkdir()
    (target / "old.txt").write_text("kept")
    moved: list[str] = []
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (moved.append(Path(b).name), real(a, b)))
    with staged_folder(target) as stage:
        for name in ("result.json", "layers.csv", "report.html"):
            (stage / name).write_text(name)
    assert moved[-1] == "result.json" and sorted(moved) == ["layers.csv", "report.html", "result.json"]
    assert sorted(os.listdir(tmp_path)) == ["run"]
    assert sorted(os.listdir(target)) == ["layers.csv", "old.txt", "report.html", "result.json"]
