"""Shared fixtures: an isolated activation cache and paths to the repository's folders."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test uses a private activation cache shared within the session."""
    monkeypatch.setenv("SOCSIM_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "activation-cache"))
