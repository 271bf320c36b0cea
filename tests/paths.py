"""Paths of the repository's folders, for tests in any sub-folder (``from paths import SCENARIOS``)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
