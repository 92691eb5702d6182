"""One torch thread: on the shared 2-core machine, 2 intra-op threads spin and cost ~12x the CPU time
(measured: DLRM on the Avazu sample, 2.4 s CPU with 1 thread, 30 s with 2)."""

import pytest


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
