"""Registry, shapes on the three schemas, and DLRM's interaction against a hand-written reference."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from recsys_models.baselines import MODELS, build_model  # noqa: E402
from recsys_models.data import dataset_spec  # noqa: E402


@pytest.mark.parametrize("dataset", ["criteo", "avazu", "kdd"])
def test_every_model_gives_one_logit_per_row(dataset):
    spec = dataset_spec(dataset, hash_size=100)
    dense = torch.rand(5, spec.n_int)
    sparse = torch.randint(0, 4, (5, spec.n_cat))
    for name in MODELS:
        out = build_model(name, spec.n_int, spec.table_sizes)(dense, sparse)
        assert out.shape == (5, 1) and torch.isfinite(out).all(), name


def test_unknown_model():
    with pytest.raises(KeyError, match="known models: dlrm, deepfm"):
        build_model("fibinet", 13, [10] * 26)


def test_dlrm_criteo_shapes():
    """Foundation issue: bottom 13-512-256-64-16, 26 tables of dim 16, top (16 + 27*26/2 = 367)-512-256-1."""
    m = build_model("dlrm", 13, dataset_spec("criteo").table_sizes)
    linear = [(l.in_features, l.out_features) for l in m.modules() if isinstance(l, torch.nn.Linear)]
    assert linear == [(13, 512), (512, 256), (256, 64), (64, 16), (367, 512), (512, 256), (256, 1)]
    assert [t.weight.shape[1] for t in m.embedding.tables] == [16] * 26
    assert m.embedding.tables[2].weight.shape[0] == 10_000  # C3: 10,131,227 capped at 10,000


def test_dlrm_interaction_matches_pairwise_dots():
    """Top-MLP input = [x, <v_i, v_j> for i > j] in row-major lower-triangle order (hand loop)."""
    torch.manual_seed(0)
    m = build_model("dlrm", 3, [7, 7], embedding_dim=4, bottom_mlp=(8,), top_mlp=(5,)).eval()
    dense, sparse = torch.rand(2, 3), torch.tensor([[1, 2], [3, 4]])
    seen = {}
    m.top.register_forward_hook(lambda mod, inp, out: seen.setdefault("x", inp[0]))
    m(dense, sparse)
    x = m.bottom(dense)
    vecs = [x, m.embedding.tables[0](sparse[:, 0]), m.embedding.tables[1](sparse[:, 1])]
    dots = [(vecs[i] * vecs[j]).sum(1) for i in range(3) for j in range(i)]
    want = torch.cat([x, torch.stack(dots, 1)], 1)
    assert torch.allclose(seen["x"], want, atol=1e-6)


def test_fm_term_identity():
    """DeepFM's 0.5*((sum e)^2 - sum e^2) equals the sum of pairwise dots (FM identity, Rendle 2010)."""
    torch.manual_seed(0)
    e = torch.randn(3, 5, 4)
    fm = 0.5 * (e.sum(1).pow(2) - e.pow(2).sum(1)).sum(1)
    pairs = sum((e[:, i] * e[:, j]).sum(1) for i in range(5) for j in range(i))
    assert torch.allclose(fm, pairs, atol=1e-5)
