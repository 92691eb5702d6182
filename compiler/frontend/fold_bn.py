"""BatchNormalization folded into the crossbar product before it (inference form).

``BN(x) = (x - mean) * s + B`` with ``s = scale / sqrt(var + epsilon)`` per channel (ONNX
BatchNormalization-15, inference).  When ``x`` is the output of a crossbar product
``y = p @ W + b`` whose last axis is BN's channel axis, ``BN(y) = p @ (W * s) + (b - mean) * s + B``:
the BN costs nothing at run time (the standard conv-BN fold of inference compilers, e.g. PyTorch's
``torch.nn.utils.fuse_conv_bn_eval`` and onnxruntime's ConvBNFusion).  Two shapes of graph qualify:

- a Linear/Gemm/MatMul: ``pim.LinearMVM`` with a 2-D output ``[N, C]`` (BatchNorm1d after Linear);
- a Conv as the frontend lowers it: ``pim.LinearMVM -> Transpose([0, 2, 1]) -> Reshape -> BN``.

Each intermediate value must feed only the next node (nothing else sees the unfolded values), the weight
must be a float constant without a QDQ bit width (folding would change its quantised codes) and every BN
parameter a constant.  Otherwise the BN stays a vector-unit operator.  The BN node becomes an ``Identity``
(removed by the fold pass) and its name joins the product's ``source_nodes``.
"""

from __future__ import annotations

import numpy as np

from compiler.ir.graph import Node, OpGraph


def fold_batch_norms(b) -> int:
    """Fold every qualifying BatchNormalization of the builder's graph; returns how many were folded."""
    graph: OpGraph = b.graph
    folded = 0
    for bn in [n for n in graph.nodes if n.op_type == "BatchNormalization"]:
        product = _foldable_product(graph, bn)
        if product is not None:
            _fold(b, bn, product)
            folded += 1
    return folded


def _single_use(graph: OpGraph, name: str, users: dict) -> bool:
    return len(users.get(name, [])) == 1 and name not in graph.outputs


def _foldable_product(graph: OpGraph, bn: Node) -> Node | None:
    """The ``pim.LinearMVM`` whose output channels are ``bn``'s, or None."""
    if len(bn.inputs) < 5 or not all(graph.is_const(i) and graph.values[i].data is not None for i in bn.inputs[1:5]):
        return None
    producers, users = graph.producers(), graph.consumers()
    x = bn.inputs[0]
    node = producers.get(x)
    if node is None or not _single_use(graph, x, users):
        return None
    if node.op_type == "Reshape":  # the Conv lowering: LinearMVM -> Transpose([0, 2, 1]) -> Reshape
        t = producers.get(node.inputs[0])
        if t is None or t.op_type != "Transpose" or list(t.attrs.get("perm", [])) != [0, 2, 1]:
            return None
        if not _single_use(graph, t.outputs[0], users):
            return None
        node = producers.get(t.inputs[0])
        if node is None or not _single_use(graph, node.outputs[0], users):
            return None
    elif len(graph.values[x].shape) != 2:
        return None
    if node is None or node.op_type != "pim.LinearMVM":
        return None
    w = graph.values[node.inputs[1]]
    channels = graph.values[bn.inputs[1]].numel
    if w.data is None or w.quant_bits is not None or np.dtype(w.dtype).kind != "f" or w.shape[1] != channels:
        return None
    return node


def _fold(b, bn: Node, mvm: Node) -> None:
    graph = b.graph
    scale, shift, mean, var = (np.asarray(graph.values[i].data, np.float64).reshape(-1) for i in bn.inputs[1:5])
    s = scale / np.sqrt(var + float(bn.attrs.get("epsilon", 1e-5)))
    w = graph.values[mvm.inputs[1]]
    bias = graph.values[mvm.inputs[2]].data if len(mvm.inputs) > 2 and mvm.inputs[2] else np.zeros(w.shape[1])
    new_w = (np.asarray(w.data, np.float64) * s).astype(w.dtype)
    new_b = ((np.asarray(bias, np.float64).reshape(-1) - mean) * s + shift).astype(w.dtype)
    src = bn.source_nodes[0] if bn.source_nodes else bn.name
    mvm.inputs = [mvm.inputs[0], b.constant(new_w, f"{src}.W"), b.constant(new_b, f"{src}.bias")]
    mvm.source_nodes = list(mvm.source_nodes) + [src]
    bn.op_type, bn.inputs, bn.attrs = "Identity", [bn.inputs[0]], {}
