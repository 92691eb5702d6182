"""Small supernet fixtures: narrow width menus so that every test runs in well under a second on 2 cores."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from recsys_models.data.specs import dataset_spec
from recsys_models.export.onnx_export import example_inputs
from recsys_models.space import get_space

HASH = 50  # embedding rows per table: enough for random ids, small enough to export in a second


@pytest.fixture(scope="session")
def spec():
    return dataset_spec("criteo", HASH)


@pytest.fixture(scope="session", params=["full", "small"])
def small_space(request):
    return get_space(request.param, dense_widths=(16, 32, 48), sparse_widths=(16, 32))


@pytest.fixture
def batch(spec):
    dense, sparse = example_inputs(spec.n_int, spec.table_sizes, 16, seed=3)
    label = (torch.arange(16) % 3 == 0).float()
    return dense, sparse, label


@pytest.fixture
def rng():
    return np.random.default_rng(11)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One intra-op thread: on the busy shared 2-core machine, 2 spinning threads made steps ~15x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
