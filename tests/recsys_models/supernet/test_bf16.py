"""``--precision bf16``: autocast for the floating-point parts, quantisation-aware operators exact (issue 22 item 1).

On the CPU (torch autocasts to bfloat16 there too): with inputs that bfloat16 represents exactly, every quantised
operator of a subnet returns, under autocast, the bit-identical float32 result of the plain forward; the same
operator in floating point returns a different (bfloat16-rounded) result, so autocast is really on. Expected values: the plain float32 forward.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from recsys_models.blocks.ops import OPS, OpInputs  # noqa: E402
from recsys_models.space.choices import OpPrecision  # noqa: E402


def _inputs(rng):
    def bf16(*shape):  # values bfloat16 holds exactly, so the upcast inside the operator loses nothing
        return torch.from_numpy(rng.standard_normal(shape).astype(np.float32)).bfloat16().float()

    return OpInputs(bf16(32, 40), None, bf16(32, 12, 16), None, bf16(32, 24), bf16(32, 16), 24, 8)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("bits", [(4, 8), (2, 4), (8, 8)])
def test_quantised_operator_is_exact_under_bf16_autocast(name, bits):
    torch.manual_seed(0)
    extra = {"dpair_max": 24} if name in ("gating", "sum") else {}
    op = OPS[name](40, 32, 12, 16, False, **extra).train()  # no LayerNorm: autocast keeps that in float32
    x = _inputs(np.random.default_rng(1))
    op.quant.precision = OpPrecision(*bits)
    want = op(x)  # float32, training mode: records the activation ranges...
    op.eval()  # ...then frozen, so both forwards below use the same scales
    want = op(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = op(x)
    assert got.dtype == torch.float32 and torch.equal(got, want)
    op.quant.precision = None  # the same operator in floating point is autocast: its result changes
    plain = op(x)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert not torch.equal(op(x).float(), plain)


def test_bf16_training_run_on_cpu(tmp_path):
    """``recsys supernet train --precision bf16`` runs end to end on the CPU and learns something finite."""
    import contextlib
    import io

    from recsys_models.cli import main
    from recsys_models.data import write_synthetic_raw

    data = write_synthetic_raw("criteo", tmp_path / "d.txt", 1_500, seed=3)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["supernet", "train", "--space", "full", "--dataset", "criteo", "--data", str(data),
                     "--hash-size", "100", "--batch", "128", "--steps", "6", "--dense-widths", "16", "--sparse-widths",
                     "16", "--precision", "bf16", "--threads", "1", "-o", str(tmp_path / "sn.pt")])
    assert code == 0, err.getvalue()
    payload = torch.load(tmp_path / "sn.pt", weights_only=True)
    assert np.isfinite(payload["metrics"]["val_logloss"])
