"""Streaming convolution, row pipelining and the shared capacity decision (issue 18 items 2-4).

Expected numbers are hand calculations given in each docstring; the models are built here with onnx.helper.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from onnx import helper

from compiler.api import compile_onnx_with_weights
from compiler.cli import main as pimcompile
from pimsim.api import simulate
from pimsim.cost.actions import Costs
from pimsim.cost.buffers import mapping_fit_error, resident_sizes
from pimsim.cost.streams import line_buffer_words
from pimsim.program.build import lower_mapping
from pimsim.spec.arch import load_arch
from tests.compiler.helpers import make_model
from tests.pimsim.program.builders import arch_doc

F = np.float32
C, H = 16, 32


def _convs(tmp_path, count: int, name: str = "convs.onnx", relu: bool = False):
    """``count`` 3x3 convolutions (pads 1, stride 1) in a chain on a 1 x 16 x 32 x 32 input, no bias; with
    ``relu`` a Relu after every convolution but the last."""
    r = np.random.default_rng(0)
    names = ["x"] + [f"h{i}" for i in range(1, count)] + ["y"]
    nodes = []
    for i in range(count):
        src = names[i]
        if relu and i > 0:
            nodes.append(helper.make_node("Relu", [src], [f"{src}r"], name=f"relu{i}"))
            src = f"{src}r"
        nodes.append(helper.make_node("Conv", [src, f"w{i}"], [names[i + 1]], name=f"conv{i}", pads=[1, 1, 1, 1],
                                      kernel_shape=[3, 3]))
    inits = [(f"w{i}", (r.standard_normal((C, C, 3, 3)) * 0.1).astype(F)) for i in range(count)]
    return make_model(tmp_path / name, nodes, [("x", F, [1, C, H, H])], [("y", F, [1, C, H, H])], inits, 17)


def test_line_buffer_of_a_3x3_conv_on_32x32x16_by_hand():
    """(k-1) x W x C + k x C = 2 x 32 x 16 + 3 x 16 = 1072 words (ISAAC's "(k-1) rows plus k pixels"); a 1-D
    kernel of 5 with dilation 2 spans (5-1) x 2 + 1 = 9 pixels of 4 channels = 36 words."""
    assert line_buffer_words(16, [32, 32], [3, 3], [1, 1]) == 1072
    assert line_buffer_words(4, [20], [5], [2]) == 36


def test_streamed_conv_input_resident_as_a_line_buffer(tmp_path):
    """Compiled with pipeline element, the conv's input x (read only through its windows) holds 1072 words of 8
    bits = 8576 bits (hand calculation above), not the 16 x 32 x 32 x 8 = 131072 bits of the whole map; under
    layer it is whole.  No im2col value is stored: the windows are a view."""
    arch = load_arch("default")
    m, _ = compile_onnx_with_weights(_convs(tmp_path, 1), arch, "naive", pipeline="element")
    assert m.value("x").bits == 8
    assert resident_sizes(m)["x"] == 1072 * 8
    assert [op.layout for op in m.operators if op.op_type == "pim.Im2Col"] == ["window"]
    assert not [op for op in m.operators if op.kind == "copy"]
    layer, _ = compile_onnx_with_weights(_convs(tmp_path, 1), arch, "naive", pipeline="layer")
    assert resident_sizes(layer)["x"] == 16 * 32 * 32 * 8


def test_streamed_conv_writes_each_input_word_once(tmp_path):
    """One 3x3 conv (pads 1) on 16 x 32 x 32 8-bit words, conv on tile 0 where x arrives.  Buffer energy, by hand:
    the windows are read once each from where x is (k^2 C = 144 weight rows x 1024 output positions x 8 bits
    = 1179648 bits = 9 x |x|, split by the 128 + 16 row blocks into two operand fetches), the result written once
    (16 x 1024 x 8 = 131072 bits).  Nothing else touches the buffer: no im2col copy writes x nine times."""
    arch = load_arch("default")
    m, _ = compile_onnx_with_weights(_convs(tmp_path, 1), arch, "naive", pipeline="element")
    c = Costs.of(m.arch)
    t = lower_mapping(m, c, 1)[0].templates[0]
    got = sorted((t.phase[i], round(e["tile_buffer"], 6)) for i, e in enumerate(t.energy) if "tile_buffer" in e)
    expected = sorted([("fetch operands", round(c.buffer_read_pj(128 * 1024 * 8), 6)),
                       ("fetch operands", round(c.buffer_read_pj(16 * 1024 * 8), 6)),
                       ("write result", round(c.buffer_write_pj(16 * 1024 * 8), 6))])
    assert got == expected


def test_two_conv_chain_pipelines_rows(tmp_path):
    """conv0 -> conv1 (3x3, pads 1, 32 rows).  Under layer the chain takes L = ... + D0 + g + D1 (D: each conv's
    span, g: the gap between them, from the layer run).  Row-pipelined, conv1's first output row needs input rows
    0..1 (r = (3-1) + 1 - 1 = 2 of H = 32), so conv1 starts r/H x D0 after conv0 started, and its last row needs
    conv0's last: the chain takes max(r/H x D0 + D1, D0 + g + D1/32) instead of D0 + g + D1 (two-stage pipeline,
    ISAAC Sec. 3).  The simulated latency must be below L and within 10 % of L - (D0 + g + D1) + that max.
    The pipelined mapping is the compiler's default for a model with convolutions (``--pipeline auto``)."""
    arch = load_arch("default")
    layer, _ = compile_onnx_with_weights(_convs(tmp_path, 2), arch, "naive", pipeline="layer")
    element, _ = compile_onnx_with_weights(_convs(tmp_path, 2), arch, "naive")
    assert (layer.pipeline, element.pipeline) == ("layer", "element")
    a, b = simulate(layer), simulate(element)
    mvm = [op.name for op in layer.operators if op.kind == "mvm"]
    spans = {name: (s, f) for name, s, f in a.operators}
    (s0, f0), (s1, f1) = spans[mvm[0]], spans[mvm[1]]
    d0, d1, g = f0 - s0, f1 - s1, s1 - f0
    hand = a.latency_cycles - (d0 + g + d1) + max(2 / 32 * d0 + d1, d0 + g + d1 / 32)
    assert b.latency_cycles < a.latency_cycles
    assert abs(b.latency_cycles - hand) <= 0.10 * hand, (b.latency_cycles, hand, d0, d1, g)


def test_relu_between_convs_streams_rows(tmp_path):
    """conv0 -> Relu -> conv1 (default pipeline).  The Relu reads conv0's output row by row (one row first,
    ``pimsim.cost.streams``) and emits rows as fast as conv0 makes them, so conv1 starts 1/32 x D0 + 2/32 x D0
    after conv0 started; conv1's last row waits for the Relu's last (D_r/32 after conv0's, the Relu's own span
    shared over its 32 rows).  Pipelined chain, by hand with the layer run's spans (D0, D_r, D1) and gaps (g0:
    conv0 -> Relu, g1: Relu -> conv1):

        max(3/32 x D0 + D1,  D0 + g0 + D_r/32 + g1 + D1/32)   instead of   D0 + g0 + D_r + g1 + D1.

    conv0's output is resident as one row (16 channels x 32 columns x 8 bits = 4096 bits) instead of 16 x 32 x
    32 x 8 = 131072: the Relu reads each row once, as it is written."""
    arch = load_arch("default")
    model = _convs(tmp_path, 2, relu=True)
    layer, _ = compile_onnx_with_weights(model, arch, "naive", pipeline="layer")
    element, _ = compile_onnx_with_weights(model, arch, "naive")
    relu = next(op for op in element.operators if op.op_type == "Relu")
    stored = next(op for op in element.operators if op.kind == "mvm").outputs[0]
    assert resident_sizes(element)[stored] == 16 * 32 * 8
    assert resident_sizes(layer)[stored] == 16 * 32 * 32 * 8
    a, b = simulate(layer), simulate(element)
    spans = {name: (s, f) for name, s, f in a.operators}
    mvm = [op.name for op in layer.operators if op.kind == "mvm"]
    (s0, f0), (sr, fr), (s1, f1) = spans[mvm[0]], spans[relu.name], spans[mvm[1]]
    d0, dr, d1, g0, g1 = f0 - s0, fr - sr, f1 - s1, sr - f0, s1 - fr
    chain = d0 + g0 + dr + g1 + d1
    hand = a.latency_cycles - chain + max(3 / 32 * d0 + d1, d0 + g0 + dr / 32 + g1 + d1 / 32)
    assert b.latency_cycles < a.latency_cycles
    assert abs(b.latency_cycles - hand) <= 0.10 * hand, (b.latency_cycles, hand, d0, dr, d1, g0, g1)


def test_residual_skip_holds_the_rows_the_other_branch_lags(tmp_path):
    """A ResNet basic block on x (16 x 32 x 32, 8 bits): conv0 -> Relu -> conv1 -> Add(x) -> Relu -> y.  Row i of
    the Add needs conv1's row i, which needs the Relu's row i + 1 (3x3, pads 1: one row beyond the aligned one),
    which needs x's row i + 2.  So x's row i is written two rows before the Add reads it: x holds 1 + 2 = 3 rows =
    3 x 32 x 16 = 1536 words (more than conv0's line buffer, 2 x 32 x 16 + 3 x 16 = 1072 words); conv1's
    output, read by the Add as it is written, one row (512 words); the Relu between the convs, conv1's line
    buffer (1072 words).  The last Relu's output y is a graph output: whole."""
    r = np.random.default_rng(1)
    nodes = [helper.make_node("Conv", ["x", "w0"], ["a"], name="conv0", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
             helper.make_node("Relu", ["a"], ["ar"], name="relu0"),
             helper.make_node("Conv", ["ar", "w1"], ["b"], name="conv1", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
             helper.make_node("Add", ["b", "x"], ["s"], name="add"),
             helper.make_node("Relu", ["s"], ["y"], name="relu1")]
    inits = [(f"w{i}", (r.standard_normal((C, C, 3, 3)) * 0.1).astype(F)) for i in range(2)]
    model = make_model(tmp_path / "block.onnx", nodes, [("x", F, [1, C, H, H])], [("y", F, [1, C, H, H])], inits, 17)
    m, _ = compile_onnx_with_weights(model, load_arch("default"), "naive")
    sizes = resident_sizes(m)
    conv1 = [op for op in m.operators if op.kind == "mvm"][1]
    assert m.pipeline == "element"
    assert sizes["x"] == 1536 * 8
    assert sizes["ar"] == 1072 * 8
    assert sizes[conv1.outputs[0]] == 512 * 8
    assert sizes["y"] == 16 * 32 * 32 * 8
    assert simulate(m).latency_cycles < simulate(compile_onnx_with_weights(model, load_arch("default"), "naive",
                                                                          pipeline="layer")[0]).latency_cycles


def test_pimcompile_refuses_what_pimsim_would(tmp_path, capsys):
    """2 KiB buffers (16384 bits) cannot hold the 16 x 32 x 32 x 8 = 131072-bit input x (layer); streamed
    (element) x needs only its 8576-bit line buffer, and the error moves to the last conv's output, stored whole
    for the I/O link.  Each is one line naming the value and the bits; nothing is written.  With 16 KiB
    (131072 bits) every value fits and pimsim accepts the mapping pimcompile wrote."""
    small, big = tmp_path / "small.json", tmp_path / "big.json"
    small.write_text(json.dumps(arch_doc(tile__buffer__capacity_bytes=2048)))
    big.write_text(json.dumps(arch_doc(tile__buffer__capacity_bytes=16384)))
    model, out = _convs(tmp_path, 2), tmp_path / "m.json"
    for pipeline, value in (("layer", "value x (graph input, read by conv0)"), ("element", "value conv1.y")):
        code = pimcompile([str(model), "--arch", str(small), "--strategy", "naive", "--pipeline", pipeline,
                           "-o", str(out)])
        err = capsys.readouterr().err
        assert code != 0 and not out.exists()
        assert err.count("\n") == 1 and value in err and "needs 131072 bits (16384 B)" in err, err
        assert "which holds 16384 bits (2048 B, tile.buffer.capacity_bytes)" in err
    code = pimcompile([str(model), "--arch", str(big), "--strategy", "naive", "--pipeline", "element", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    from pimsim.spec.mapping import load_mapping

    written = load_mapping(str(out))
    assert mapping_fit_error(written) is None
    assert simulate(written).latency_cycles > 0  # the simulator accepts what the compiler wrote


@pytest.mark.parametrize("pipeline", ["layer", "element"])
def test_check_still_matches_onnxruntime(tmp_path, capsys, pipeline):
    """The window view keeps pim.Im2Col's semantics: --check against onnxruntime (1e-5 x max(1, |y|))."""
    code = pimcompile([str(_convs(tmp_path, 2)), "--check", "--strategy", "naive", "--pipeline", pipeline])
    assert code == 0, capsys.readouterr()
