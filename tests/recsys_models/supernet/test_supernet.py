"""Supernet: standalone == supernet forward at the same weights, sampling schedule, LR, evaluation, checkpoints."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from recsys_models.space import sample_arch
from recsys_models.supernet import (
    Supernet,
    SupernetTrainConfig,
    build_standalone,
    cosine_lr,
    evaluate_subnet,
    full_sample,
    load_supernet,
    train_supernet,
    training_sample,
)


def _trained(space, spec, batch, steps=3, seed=0):
    torch.manual_seed(seed)
    net = Supernet(space, spec)
    train_supernet(net, [batch], SupernetTrainConfig(steps=steps, warmup_steps=1, seed=seed), progress=False)
    return net.eval()


# Tolerance of the float64 comparison below.  The two forwards hold the same numbers and differ only in the order
# their kernels sum products (a sliced view vs a contiguous copy picks other BLAS blocking).  Reordering a sum of K
# products changes it by at most 2 * K * u * sum|terms| (Higham, Accuracy and Stability of Numerical Algorithms,
# eq. 3.5, u = 2^-53 = 1.1e-16 in float64); with K <= 2048 (the widest input of these narrow test menus), <= 8
# layers and |terms|, |logits| <= 32 that is <= 8 * 2 * 2048 * 1.1e-16 * 32 = 1.2e-10.  1e-9 keeps a margin of 8x and
# is still 7 orders of magnitude below any real difference (a wrong slice or precision moves logits by > 1e-3).
# In float32 (u = 6e-8) the same bound is 6e-2, so a float32 comparison could not tell "same function" from
# "nearly the same": measured differences there are a few ulp (<= 2e-6 on logits of ~18).
FLOAT64_ATOL = 1e-9


def test_standalone_equals_supernet_forward(small_space, spec, batch, rng):
    """Same weights (sliced copies), LayerNorm on, same precisions: the same function (the check of issue 8).

    Compared in float64 so that the bound on summation-order differences (``FLOAT64_ATOL``) is far below any
    difference a wrong slice would make; the float32 models are converted, not retrained.
    """
    net = _trained(small_space, spec, batch).double()
    dense, sparse, _ = batch
    for k in range(6):
        arch = sample_arch(small_space, rng, quantized=k % 3 != 0)
        model = build_standalone(arch, spec, supernet=net).eval().double()
        with torch.no_grad():
            ours, theirs = model(dense.double(), sparse), net(dense.double(), sparse, arch)
        assert theirs.abs().max() <= 32, "the tolerance's derivation assumes |logits| <= 32"
        torch.testing.assert_close(ours, theirs, rtol=0, atol=FLOAT64_ATOL)


def test_standalone_params_are_the_slices(small_space, spec, rng):
    """A standalone model holds exactly its architecture's weights: far fewer than the supernet."""
    net = Supernet(small_space, spec)
    arch = sample_arch(small_space, rng)
    model = build_standalone(arch, spec, supernet=net)
    first = arch.blocks[0]
    fc_like = model.blocks[0].ops[first.sparse_op]
    lin = fc_like.lin if first.sparse_op == "efc" else fc_like.tokens
    # block 1's sparse operator reads the 26 raw tokens and writes the chosen width
    assert tuple(lin.weight.shape) == (first.sparse_width, 26)
    assert sum(p.numel() for p in model.parameters()) < sum(p.numel() for p in net.parameters())


def test_warmup_schedule(small_space):
    """p(full supernet) = 1 - step / warmup: always at step 0, never after, ~half at the midpoint."""
    rng = np.random.default_rng(0)
    assert all(training_sample(small_space, 0, 100, rng)[1] for _ in range(50))
    assert not any(training_sample(small_space, 100, 100, rng)[1] for _ in range(50))
    mid = np.mean([training_sample(small_space, 50, 100, rng)[1] for _ in range(2000)])
    assert abs(mid - 0.5) < 0.04  # binomial sd sqrt(.25/2000) = 0.011
    full = full_sample(small_space, rng)
    assert full[6].dense_idx == tuple(range(7)) and full[6].dense_ops == small_space.dense_ops
    assert full[3].d == small_space.max_dense_width and full[3].interact and full[3].fm


def test_cosine_lr_hand_values():
    """100 steps, base 0.1: warm-up 10 steps (step 4 -> 0.1 * 5/10); mid-decay (step 55) -> cos(pi/2) -> ~0.05."""
    assert cosine_lr(4, 100, 0.1) == pytest.approx(0.05)
    assert cosine_lr(55, 100, 0.1) == pytest.approx(1e-8 + (0.1 - 1e-8) * 0.5 * (1 + math.cos(math.pi * 0.5)))
    assert cosine_lr(99, 100, 0.1) < 1e-3


def test_evaluate_subnet_finetunes_a_copy_of_the_head(small_space, spec, batch, rng):
    net = _trained(small_space, spec, batch)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    arch = sample_arch(small_space, rng)
    data = ([batch], [batch])
    none = evaluate_subnet(net, arch, data, finetune_steps=0)
    tuned = evaluate_subnet(net, arch, data, finetune_steps=60, lr=0.1)
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())  # supernet untouched
    assert tuned["rows"] == 16 and tuned["logloss"] < none["logloss"]  # fitted on the scored rows


def test_checkpoint_roundtrip_weights_only(small_space, spec, batch, tmp_path, rng):
    torch.manual_seed(0)
    net = Supernet(small_space, spec)
    path = tmp_path / "sn.pt"
    train_supernet(net, [batch], SupernetTrainConfig(steps=2), progress=False, checkpoint=path)
    payload = torch.load(path, weights_only=True)
    assert payload["model"] == "nasrec_supernet" and payload["metrics"]["steps"] == 2
    again = load_supernet(path)
    arch = sample_arch(small_space, rng)
    with torch.no_grad():
        torch.testing.assert_close(again(batch[0], batch[1], arch), net.eval()(batch[0], batch[1], arch))


def test_training_reduces_loss_on_a_fixed_batch(spec, batch):
    """Sanity: 40 supernet steps on one batch lower a fixed subnet's loss on it (shared weights learn)."""
    from recsys_models.space import get_space

    space = get_space("small", dense_widths=(16,), sparse_widths=(16,), weight_bits=(8,), act_bits=(8,))
    torch.manual_seed(0)
    net = Supernet(space, spec)
    arch = sample_arch(space, np.random.default_rng(5))
    loss = torch.nn.BCEWithLogitsLoss()
    with torch.no_grad():
        before = loss(net.eval()(batch[0], batch[1], arch), batch[2]).item()
    stats = train_supernet(net, [batch], SupernetTrainConfig(steps=40, lr=0.05, warmup_steps=5), progress=False)
    with torch.no_grad():
        after = loss(net.eval()(batch[0], batch[1], arch), batch[2]).item()
    assert after < before and stats["full_supernet_steps"] >= 1 and stats["rows"] == 640
