"""Accuracy tests run torch on one thread: its two-thread pool stalls badly when another process
holds a core of these 2-core machines, and the tiny models here gain nothing from it."""

import pytest
import torch


@pytest.fixture(autouse=True, scope="package")
def _one_torch_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
