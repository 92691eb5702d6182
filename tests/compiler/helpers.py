"""Build small ONNX models with onnx.helper for the tests."""

from __future__ import annotations

from pathlib import Path



def make_model(path: Path, nodes, inputs, outputs, initializers=(), opset: int = 20, domains=()) -> Path:
    """Save a small model to ``path``; ``inputs``/``outputs``: (name, numpy dtype, shape with 'B' symbolic)."""
    import onnx

    from tests.robustness.models import build

    onnx.save(build(nodes, inputs, outputs, initializers, opset, domains, name="test"), str(path))
    return path
