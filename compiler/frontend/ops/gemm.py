"""Matrix products: static-weight ones become ``pim.LinearMVM`` (crossbars), the rest stay dynamic.

ONNX signatures implemented:
  Gemm-13(A, B, C?; alpha=1.0, beta=1.0, transA=0, transB=0) -> Y
  MatMul-13(A, B) -> Y                       (2-D and batched, numpy matmul semantics)
  Einsum-12(Inputs...; equation) -> Output
A product with a constant 2-D operand is rewritten to ``y = x @ W (+ b)`` with
``W[K, N]`` (transposes and alpha/beta folded into the constants), inserting
Transposes around it where the activation's contracted axis is not last.
Activation x activation products keep their ONNX op type (``dynamic_mvm``).
"""

from __future__ import annotations

import numpy as np

from compiler.frontend.ops import node_name


def _linear(b, x: str, w: np.ndarray, bias: np.ndarray | None, out: str, src: str, w_from: str = "") -> None:
    """Emit ``out = x @ w (+ bias)``; ``w_from`` names the model constant ``w`` came from (its QDQ bits)."""
    inputs = [x, b.constant(np.ascontiguousarray(w), f"{src}.W")]
    if w_from:
        b.graph.values[inputs[1]].quant_bits = b.graph.values[w_from].quant_bits
    if bias is not None:
        inputs.append(b.constant(bias, f"{src}.bias"))
    b.emit("pim.LinearMVM", inputs, [out], {}, src)


def Gemm(b, node, attrs: dict) -> None:
    src = node_name(node)
    a_name, b_name = node.input[0], node.input[1]
    c_name = node.input[2] if len(node.input) > 2 else ""
    wdata = b.const_data(b_name)
    if wdata is None or b.const_data(a_name) is not None:
        kept = {k: attrs[k] for k in ("alpha", "beta", "transA", "transB") if k in attrs}
        b.emit("Gemm", list(node.input), list(node.output), kept, src)
        return
    x = a_name
    if attrs.get("transA", 0):
        x = b.fresh(f"{src}.At")
        b.emit("Transpose", [a_name], [x], {"perm": [1, 0]}, src)
    w = ((wdata.T if attrs.get("transB", 0) else wdata) * np.asarray(attrs.get("alpha", 1.0), wdata.dtype))
    w = w.astype(wdata.dtype)
    beta = attrs.get("beta", 1.0)
    cdata = b.const_data(c_name) if c_name else None
    if not c_name or (cdata is not None and (cdata.ndim <= 1 or cdata.shape[0] == 1)):
        bias = None
        if cdata is not None:
            bias = np.broadcast_to(cdata.reshape(-1) * np.asarray(beta, cdata.dtype), (w.shape[1],)).copy()
        _linear(b, x, w, bias, node.output[0], src, b_name)
        return
    # C is a full [M, N] matrix or an activation: crossbar product, then a vector-unit addition
    y = b.fresh(f"{src}.xW")
    _linear(b, x, w, None, y, src, b_name)
    c = c_name
    if beta != 1.0:
        c = b.fresh(f"{src}.betaC")
        b.emit("Mul", [c_name, b.constant(np.asarray(beta, np.float32), f"{src}.beta")], [c], {}, src)
    b.emit("Add", [y, c], [node.output[0]], {}, src)


def MatMul(b, node, attrs: dict) -> None:
    src = node_name(node)
    a_name, b_name = node.input[0], node.input[1]
    adata, wdata = b.const_data(a_name), b.const_data(b_name)
    if wdata is not None and adata is None and wdata.ndim == 2:
        _linear(b, a_name, wdata, None, node.output[0], src, b_name)
        return
    if adata is not None and wdata is None and adata.ndim == 2 and len(b.graph.values[b_name].shape) >= 2:
        # y = A @ x  ==  (x^T @ A^T)^T : the constant is still the crossbar's weight
        rank = len(b.graph.values[b_name].shape)
        perm = list(range(rank - 2)) + [rank - 1, rank - 2]
        xt, yt = b.fresh(f"{src}.xT"), b.fresh(f"{src}.yT")
        b.emit("Transpose", [b_name], [xt], {"perm": perm}, src)
        _linear(b, xt, adata.T, None, yt, src, a_name)
        b.emit("Transpose", [yt], [node.output[0]], {"perm": perm}, src)
        return
    b.emit("MatMul", [a_name, b_name], list(node.output), {}, src)


def _parse(equation: str) -> tuple[list[str], str] | None:
    eq = equation.replace(" ", "")
    if "->" not in eq or "." in eq:
        return None
    lhs, out = eq.split("->")
    return lhs.split(","), out


def explicit_equation(equation: str) -> str:
    """``equation`` with its output spelled out: ONNX's implicit mode (no ``->``) outputs the labels that appear
    once, in alphabetical order, after the broadcast ``...`` (Einsum-12, as numpy.einsum)."""
    eq = equation.replace(" ", "")
    if "->" in eq:
        return eq
    labels = eq.replace("...", "").replace(",", "")
    once = sorted(c for c in set(labels) if labels.count(c) == 1)
    return f"{eq}->{'...' if '...' in eq else ''}{''.join(once)}"


def Einsum(b, node, attrs: dict) -> None:
    src, eq = node_name(node), explicit_equation(attrs["equation"])
    parsed = _parse(eq)
    if parsed is not None and len(node.input) == 2 and _einsum_as_linear(b, node, parsed, src):
        return
    b.emit("Einsum", list(node.input), list(node.output), {"equation": eq}, src)


def _einsum_as_linear(b, node, parsed, src: str) -> bool:
    """``x[..k..] , W[k n] -> out[..n..]`` (either operand order) as Transpose? + LinearMVM + Transpose?."""
    (s0, s1), out = parsed
    consts = [b.const_data(i) for i in node.input]
    if (consts[0] is None) == (consts[1] is None):
        return False
    wi = 0 if consts[0] is not None else 1
    ws, xs, x, w = (s0, s1, node.input[1], consts[0]) if wi == 0 else (s1, s0, node.input[0], consts[1])
    w_from = node.input[wi]
    if len(ws) != 2 or w.ndim != 2 or len(set(xs)) != len(xs):
        return False
    k = [c for c in ws if c in xs and c not in out]
    n = [c for c in ws if c not in xs and c in out]
    if len(k) != 1 or len(n) != 1:
        return False
    k, n = k[0], n[0]
    wmat = w if ws.index(k) == 0 else w.T
    rest = [c for c in xs if c != k]
    if sorted(rest + [n]) != sorted(out):
        return False
    x_perm = [xs.index(c) for c in rest] + [xs.index(k)]
    if x_perm != list(range(len(xs))):
        xt = b.fresh(f"{src}.xT")
        b.emit("Transpose", [x], [xt], {"perm": x_perm}, src)
        x = xt
    result = rest + [n]
    out_perm = [result.index(c) for c in out]
    if out_perm == list(range(len(out))):
        _linear(b, x, wmat, None, node.output[0], src, w_from)
    else:
        y = b.fresh(f"{src}.y")
        _linear(b, x, wmat, None, y, src, w_from)
        b.emit("Transpose", [y], [node.output[0]], {"perm": out_perm}, src)
    return True
