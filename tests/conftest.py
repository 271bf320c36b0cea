"""Shared fixtures: an isolated activation cache (paths of the repository live in paths.py)."""

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """The whole test session uses a private activation cache, never the user's."""
    old = os.environ.get("SOCSIM_CACHE_DIR")
    os.environ["SOCSIM_CACHE_DIR"] = str(tmp_path_factory.getbasetemp() / "activation-cache")
    yield
    if old is None:
        os.environ.pop("SOCSIM_CACHE_DIR", None)
    else:
        os.environ["SOCSIM_CACHE_DIR"] = old
