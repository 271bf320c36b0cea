"""Soundness: no simulated frame ever exceeds its worst-case bound, no window its window bound (burst reference)."""

import os

import pytest
from hypothesis import HealthCheck, given, settings

from soundness import cases, check

CI_EXAMPLES = int(os.environ.get("SOCSIM_SOUNDNESS_EXAMPLES", "500"))


@settings(max_examples=CI_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_bound_never_below_a_simulated_frame(case):
    scenario, plans = case
    assert check(scenario, plans) == []


@settings(max_examples=CI_EXAMPLES // 5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(stress=True))
def test_bound_never_below_a_simulated_frame_under_stress(case):
    """Other masters always, deep windows, long compute: where the per-transfer form is the smaller."""
    scenario, plans = case
    assert check(scenario, plans) == []


@pytest.mark.long
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_bound_never_below_a_simulated_frame_long(case):
    scenario, plans = case
    assert check(scenario, plans) == []


@pytest.mark.long
@settings(max_examples=2_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(stress=True))
def test_bound_never_below_a_simulated_frame_under_stress_long(case):
    scenario, plans = case
    assert check(scenario, plans) == []


@settings(max_examples=CI_EXAMPLES // 5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(command=True))
def test_bound_never_below_a_simulated_frame_on_the_command_model(case):
    """soc.dram.model: command, row conflicts (random-address masters) and streams sharing banks included."""
    scenario, plans = case
    assert check(scenario, plans) == []


@pytest.mark.long
@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(command=True))
def test_bound_never_below_a_simulated_frame_on_the_command_model_long(case):
    scenario, plans = case
    assert check(scenario, plans) == []
