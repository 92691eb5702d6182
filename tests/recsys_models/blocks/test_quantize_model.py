"""``quantize_model``: calibration, equalisation, QuantLinear export through onnxruntime and the compiler."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from recsys_models.blocks.quantize import (
    QuantLinear,
    QuantRecipe,
    _product_error,
    attach_quantizers,
    calibrate,
    equalize,
    quantize_model,
    quantizers,
    set_precision,
)
from recsys_models.space import OpPrecision


class Tiny(nn.Module):
    """dense [B, 3] and one embedding [B, 2] -> Linear(5, 4) -> ReLU -> Linear(4, 1): the baselines' interface."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(4, 2)
        self.lin1 = nn.Linear(5, 4)
        self.lin2 = nn.Linear(4, 1)

    def forward(self, dense, sparse):
        x = torch.cat([dense, self.emb(sparse[:, 0])], dim=1)
        return self.lin2(torch.relu(self.lin1(x)))


def _batches(n: int = 4, rows: int = 32, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return [(torch.rand(rows, 3, generator=g) * 4, torch.randint(0, 4, (rows, 1), generator=g),
             (torch.rand(rows, generator=g) < 0.3).float()) for _ in range(n)]


def test_calibration_gives_relu_outputs_unsigned_ranges():
    """Method ``max``: lin1's input (dense >= 0 but embeddings signed) is signed with clip max|x|; lin2's input
    (a ReLU output) is unsigned with clip max relu(lin1 x), both over the calibration batches."""
    torch.manual_seed(0)
    model = attach_quantizers(Tiny())
    set_precision(model, OpPrecision(8, 4))
    batches = _batches()
    calibrate(model, batches, QuantRecipe("t", act_range="max", calib_batches=4))
    with torch.no_grad():
        x1 = torch.cat([torch.cat([d, model.emb(s[:, 0])], 1) for d, s, _ in batches])
        h = torch.relu(torch.nn.functional.linear(x1, model.lin1.weight, model.lin1.bias))
    q1, q2 = model.lin1.quant, model.lin2.quant
    assert q1.act_unsigned[0, 4] == 0 and q1.act_absmax[0, 4].item() == pytest.approx(float(x1.abs().max()))
    assert q2.act_unsigned[0, 4] == 1 and q2.act_absmax[0, 4].item() == pytest.approx(float(h.max()))
    assert not q1.track_ranges and q2.code_range("in") == (0, 15)


def test_equalization_keeps_the_float_function():
    """In float64, W diag(s) (x / s) = W x up to a few ulp: |difference| <= 1e-12 on logits of order 1."""
    torch.manual_seed(1)
    model = attach_quantizers(Tiny()).double()
    batches = [(d.double(), s, y) for d, s, y in _batches()]
    with torch.no_grad():
        model.emb.weight[:, 0] *= 1000  # one channel three orders of magnitude wider: worth equalising
        before = torch.cat([model(d, s) for d, s, _ in batches])
    set_precision(model, OpPrecision(8, 4))
    for q in quantizers(model):
        q.set_weight_ranges(True, "max")
    chosen = equalize(model, batches, QuantRecipe("t", equalize=True, calib_batches=4))
    assert chosen["lin1"] is not None and model.lin1.equalized
    set_precision(model, None)
    with torch.no_grad():
        after = torch.cat([model(d, s) for d, s, _ in batches])
    assert float((after - before).abs().max()) <= 1e-12 * max(1.0, float(before.abs().max()))


def test_equalization_lowers_the_product_error_of_mixed_scale_inputs():
    """One input channel 1000x wider than the others, with a weight column 1000x narrower (every channel moves the
    output alike, as a trained layer would have it): at 4-bit activations the narrow channels round to 0 under one
    range; the chosen migration must cut the layer's output MSE at least 10-fold."""
    torch.manual_seed(2)
    layer = QuantLinear(nn.Linear(8, 4))
    layer.quant.precision = OpPrecision(8, 4)
    layer.quant.set_weight_ranges(True, "max")
    x = torch.randn(512, 8)
    x[:, 0] *= 1000
    with torch.no_grad():
        layer.weight[:, 0] /= 1000
    w = layer.weight.detach().clone()
    recipe = QuantRecipe("t", equalize=True)
    identity = _product_error(x, w, torch.ones(8), layer, recipe)
    model = nn.Sequential(layer)
    model.forward = lambda dense, sparse: layer(dense)  # the (dense, sparse) interface calibration calls
    chosen = equalize(model, [(x, None, None)], recipe)
    s = 1.0 / layer.input_gain
    assert chosen["0"] is not None and _product_error(x, w, s, layer, recipe) * 10 < identity


def test_quantize_model_copies_and_refuses_per_operator_precisions_for_baselines():
    from recsys_models.space import nasrec_best

    torch.manual_seed(3)
    model = Tiny()
    q = quantize_model(model, OpPrecision(4, 4), _batches(), QuantRecipe("t", equalize=True))
    assert not quantizers(model) and len(quantizers(q)) == 2 and not q.training
    assert all(m.quant.per_channel for m in q.modules() if isinstance(m, QuantLinear))
    with pytest.raises(ValueError, match="need a NASRec SubnetModel"):
        quantize_model(model, nasrec_best("criteo_small"), _batches())


def _dyadic_model() -> nn.Module:
    """Tiny with weights, biases, gains and scales that are dyadic rationals (k / 2^m, few significant bits)."""
    model = attach_quantizers(Tiny())
    set_precision(model, OpPrecision(4, 4))
    g = torch.Generator().manual_seed(4)
    with torch.no_grad():
        model.emb.weight.copy_(torch.randint(-8, 9, (4, 2), generator=g) / 8)
        for layer, out in ((model.lin1, 4), (model.lin2, 1)):
            w = torch.randint(-7, 8, layer.weight.shape, generator=g).float()
            w[:, 0] = 7  # max|W_row| = 7 * 2^-3: per-channel scale 2^-3, every weight on its grid
            layer.weight.copy_(w / 8)
            layer.bias.copy_(torch.randint(-4, 5, (out,), generator=g) / 4)
            layer.quant.set_weight_ranges(per_channel=True, method="max")
        model.lin1.input_gain.copy_(torch.tensor([1.0, 0.5, 2.0, 1.0, 4.0]))  # powers of two
    model.lin1.quant.set_range("in", 4, 7 * 0.5, unsigned=False)  # signed scale 2^-1
    model.lin2.quant.set_range("in", 4, 15 * 2.0, unsigned=True)  # unsigned scale 2^1
    for q in quantizers(model):
        q.track_ranges = False
    return model.eval()


def test_export_round_trip_equals_pytorch_and_the_compiler_reads_the_bits(tmp_path):
    """Per-channel 4-bit weights (QuantizeLinear axis 0), a signed and an unsigned 4-bit input, an equalising Mul.

    Tolerance, derived: every weight, bias, gain, scale, embedding and input is a dyadic rational with at most
    8 significant bits, so each product and sum before the Sigmoid is exact in float32 in any order: the logits of
    PyTorch and onnxruntime are bitwise equal (asserted through the codes), and only the two Sigmoid kernels
    differ, by a few ulp of values below 1 (2^-23 = 1.2e-7 each): 1e-6.
    """
    import onnx
    ort = pytest.importorskip("onnxruntime")
    from compiler.api import compile_onnx
    from pimsim.spec.arch import load_arch
    from recsys_models.export.onnx_export import export_model

    model = _dyadic_model()
    path = export_model(model, tmp_path / "tiny.onnx", 3, [4], batch=None)
    nodes = onnx.load(str(path)).graph.node
    axes = [{a.name: a.i for a in n.attribute}.get("axis") for n in nodes if n.op_type == "QuantizeLinear"]
    assert sorted(axes, key=str) == [0, 0, None, None]  # weights per output channel, activations per tensor
    assert not {"Abs", "ReduceMax", "Div"} & {n.op_type for n in nodes}  # scales baked in, not recomputed
    dense = torch.randint(0, 17, (64, 3)).float() / 4
    sparse = torch.randint(0, 4, (64, 1))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    got = ort.InferenceSession(str(path), options).run(None, {"dense": dense.numpy(), "sparse": sparse.numpy()})[0]
    with torch.no_grad():
        want = torch.sigmoid(model(dense, sparse)).numpy()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    ops = compile_onnx(path, load_arch("default")).model_dump(mode="json")["operators"]
    mvm = [o["precision"] for o in ops if o["kind"] == "mvm"]
    assert len(mvm) == 2 and all(p["weight_bits"] == 4 and p["input_bits"] == 4 for p in mvm)


def test_nasrec_subnet_quantized_by_the_default_recipe_exports_and_compiles(tmp_path):
    """A 7-block FC + EFC chain at 4-bit weights and activations: per-channel weight scales on the 2-D (FC, axis 0)
    and 3-D (EFC, ``Q(W^T)``, axis 1) linears, unsigned ranges where the calibration saw no negative input.
    ``export_subnet_onnx`` checks it against onnxruntime (activation codes reconciled at rounding boundaries:
    ``recsys_models.supernet.qdq_check``); the compiler must map every block's weights at 4 bits."""
    from compiler.api import compile_onnx
    from pimsim.spec.arch import load_arch
    from recsys_models.data.specs import dataset_spec
    from recsys_models.export.onnx_export import example_inputs
    from recsys_models.space import Arch, BlockArch
    from recsys_models.supernet import build_standalone, export_subnet_onnx

    spec = dataset_spec("criteo", 50)
    arch = Arch("small", tuple(BlockArch((i,), (i,), 0, 0, "fc", "efc", 16, 16, False, False) for i in range(7)))
    model = build_standalone(arch, spec, layernorm=True, seed=0)
    batches = [(*example_inputs(spec.n_int, spec.table_sizes, 64, seed=k), torch.zeros(64)) for k in range(2)]
    q = quantize_model(model, OpPrecision(4, 4), batches, QuantRecipe("t", calib_batches=2))
    assert any(m.act_unsigned[0, 4] == 1 for m in quantizers(q))  # FC inputs after ReLU, and the raw dense features
    path = export_subnet_onnx(q.arch, spec, tmp_path / "m.onnx", batch=None, model=q)
    ops = compile_onnx(path, load_arch("default")).model_dump(mode="json")["operators"]
    blocks = [o for o in ops if o["kind"] == "mvm" and "/blocks." in o["source_nodes"][0]]
    assert len(blocks) == 14 and all(o["precision"]["weight_bits"] == 4 for o in blocks)
    # EFC's input is quantised after its transpose, so the QDQ pair feeds the MatMul and its 4 bits are seen too
    assert all(o["precision"]["input_bits"] == 4 for o in blocks)


def test_a_quantised_model_restores_from_its_state_dict():
    """Fresh float model + state dict + precision = the same function (bitwise: same parameters, same code path)."""
    from recsys_models.blocks.quantize import restore_quantized

    torch.manual_seed(5)
    q = quantize_model(Tiny(), OpPrecision(4, 6), _batches(), QuantRecipe("t", equalize=True))
    again = restore_quantized(Tiny(), q.state_dict(), OpPrecision(4, 6))
    d, s, _ = _batches(1, seed=9)[0]
    with torch.no_grad():
        assert torch.equal(again(d, s), q(d, s))
    assert again.lin1.quant.per_channel and not again.lin1.quant.track_ranges
