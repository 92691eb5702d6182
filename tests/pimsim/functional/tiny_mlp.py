"""A hand-written mapping of a 2-layer MLP (mvm -> Relu -> mvm -> Sigmoid) with its weights sidecar.

Used to test the functional executor independently of the compiler; the float
reference is computed directly with NumPy in the tests.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from pimsim.spec.arch import load_arch
from pimsim.spec.mapping import mapping_from_dict, write_mapping

K, H, N = 200, 48, 3


def _blocks(k: int, n: int, slices: int, first_xbar: int, rows: int = 128, cols_per_xbar: int = 16) -> list[dict]:
    blocks, xb = [], first_xbar
    for r0 in range(0, k, rows):
        for c0 in range(0, n, cols_per_xbar):
            blocks.append(dict(tile=xb // 64, pe=(xb // 8) % 8, crossbar=xb % 8, row_start=r0,
                               rows=min(rows, k - r0), col_start=c0, cols=min(cols_per_xbar, n - c0),
                               slice_start=0, slice_count=slices, sign_columns=2))
            xb += 1
    return blocks


def _op(name, kind, op_type, inputs, outputs, **extra) -> dict:
    prec = {"input_bits": 8, "output_bits": 8}
    if kind == "mvm":
        prec.update(weight_bits=8, adc_bits=8)
    return dict(kind=kind, name=name, op_type=op_type, inputs=inputs, outputs=outputs, tile=0, precision=prec,
                **extra)


def tiny_weights(seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"w1": (rng.standard_normal((K, H)) / np.sqrt(K)).astype(np.float32),
            "b1": (0.1 * rng.standard_normal(H)).astype(np.float32),
            "w2": (rng.standard_normal((H, N)) / np.sqrt(H)).astype(np.float32),
            "b2": np.zeros(N, np.float32)}


def write_tiny_mlp(directory: Path, seed: int = 0) -> Path:
    """Write ``tiny.json`` + ``tiny.weights.npz`` into ``directory``; returns the mapping path."""
    arch = load_arch("default")
    weights = tiny_weights(seed)
    npz = directory / "tiny.weights.npz"
    np.savez(npz, **weights)
    values = [dict(name="x", shape=[K], bits=8), dict(name="h", shape=[H], bits=8),
              dict(name="r", shape=[H], bits=8), dict(name="z", shape=[N], bits=8),
              dict(name="p", shape=[N], bits=8)]
    values += [dict(name=n, shape=list(a.shape), bits=32, constant=True) for n, a in weights.items()]
    ops = [
        _op("fc1", "mvm", "pim.LinearMVM", ["x", "w1", "b1"], ["h"], m=1, k=K, n=H, blocks=_blocks(K, H, 4, 0)),
        _op("relu", "vector", "Relu", ["h"], ["r"], ops={"compare": H}),
        _op("fc2", "mvm", "pim.LinearMVM", ["r", "w2", "b2"], ["z"], m=1, k=H, n=N, blocks=_blocks(H, N, 4, 8)),
        _op("sigmoid", "vector", "Sigmoid", ["z"], ["p"], ops={"nonlinear": N}),
    ]
    doc = dict(schema_version=1, tool="hand-written test", arch_sha256=arch.sha256(),
               model=dict(path="tiny.onnx", sha256="0" * 64, name="tiny", opset=18),
               arch=arch.model_dump(mode="json"), strategy="naive", inputs=["x"], outputs=["p"], values=values,
               operators=ops, weights_file=npz.name, weights_sha256=hashlib.sha256(npz.read_bytes()).hexdigest())
    path = directory / "tiny.json"
    write_mapping(mapping_from_dict(doc, "tiny"), path)
    return path


def float_reference(x: np.ndarray, seed: int = 0) -> np.ndarray:
    w = {k: v.astype(np.float64) for k, v in tiny_weights(seed).items()}
    z = np.maximum(x @ w["w1"] + w["b1"], 0) @ w["w2"] + w["b2"]
    return 1.0 / (1.0 + np.exp(-z))


def write_tiny_bmm(directory: Path, implementation: str = "crossbar_write") -> Path:
    """``p = a[3, 8] @ b[8, 4]`` per query as one dynamic_mvm (both operands are graph inputs)."""
    arch = load_arch("default")
    block = dict(tile=0, pe=0, crossbar=0, row_start=0, rows=8, col_start=0, cols=4, slice_start=0, slice_count=4,
                 sign_columns=2)
    op = _op("bmm", "dynamic_mvm", "MatMul", ["a", "b"], ["p"], count=1, m=3, k=8, n=4,
             implementation=implementation, blocks=[block] if implementation == "crossbar_write" else [])
    op["precision"].update(weight_bits=8, adc_bits=8)
    doc = dict(schema_version=1, tool="hand-written test", arch_sha256=arch.sha256(),
               model=dict(path="bmm.onnx", sha256="0" * 64, name="bmm", opset=18),
               arch=arch.model_dump(mode="json"), strategy="naive", inputs=["a", "b"], outputs=["p"],
               values=[dict(name="a", shape=[3, 8], bits=8), dict(name="b", shape=[8, 4], bits=8),
                       dict(name="p", shape=[3, 4], bits=8)], operators=[op])
    path = directory / f"bmm_{implementation}.json"
    write_mapping(mapping_from_dict(doc, "bmm"), path)
    return path
