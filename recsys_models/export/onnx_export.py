"""Export a model to ONNX and check it: onnx checker, no ``Loop``, onnxruntime equals PyTorch within 1e-5.

The TorchScript exporter (``dynamo=False``) is the default: it exports the demo DLRM in well under a second,
where dynamo takes 6-40 s (``onnx_and_ecosystem.md`` 1.3). The dynamo exporter is available with
``exporter="dynamo"``; it is given a named ``torch.export.Dim("B")`` (without it the batch freezes) and
``external_data=False`` (its default writes a ``.onnx.data`` side file).
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from pathlib import Path

import numpy as np

from recsys_models.errors import UserError
from recsys_models.io import atomic_path

#: The one opset every export uses (pimcompile accepts 13-21).
OPSET = 18
#: ORT vs PyTorch tolerance on the output probabilities.
ATOL = 1e-5
INPUT_NAMES = ("dense", "sparse")
OUTPUT_NAME = "prob"
FORBIDDEN_OPS = ("Loop", "If", "Scan", "SequenceEmpty", "ConcatFromSequence")


def _with_sigmoid(model):
    from torch import nn

    class Probabilities(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, dense, sparse):
            return self.inner(dense, sparse).sigmoid()

    return Probabilities(model).eval()


def example_inputs(n_int: int, table_sizes, batch: int, seed: int = 0):
    """Seeded ``(dense [batch, n_int] float32, sparse [batch, n_cat] int64)`` with valid ids per table."""
    import torch

    g = torch.Generator().manual_seed(seed)
    dense = torch.rand(batch, n_int, generator=g) * 5.0
    sparse = torch.stack([torch.randint(0, int(n), (batch,), generator=g) for n in table_sizes], dim=1)
    return dense, sparse


def _export_torchscript(wrapped, args, path: str, batch: int | None) -> None:
    import torch

    axes = None if batch else {"dense": {0: "B"}, "sparse": {0: "B"}, OUTPUT_NAME: {0: "B"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapped, args, path, input_names=list(INPUT_NAMES), output_names=[OUTPUT_NAME],
                          dynamic_axes=axes, opset_version=OPSET, dynamo=False)


def _export_dynamo(wrapped, args, path: str, batch: int | None) -> None:
    import torch

    shapes = None
    if not batch:
        b = torch.export.Dim("B", min=2, max=1 << 20)
        shapes = {"dense": {0: b}, "sparse": {0: b}}
    # dynamo prints progress lines and warnings on stdout; keep the CLI output to our own lines.
    torch_logger = logging.getLogger("torch.onnx")
    level = torch_logger.level
    torch_logger.setLevel(logging.ERROR)  # "torchvision is not installed" notices are noise here
    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(wrapped, args, path, input_names=list(INPUT_NAMES), output_names=[OUTPUT_NAME],
                              dynamic_shapes=shapes, opset_version=OPSET, dynamo=True, external_data=False)
    finally:
        torch_logger.setLevel(level)


def export_model(model, path, n_int: int, table_sizes, batch: int | None = None,
                 exporter: str = "torchscript") -> Path:
    """Export ``sigmoid(model(dense, sparse))`` to ``path`` atomically; returns the path.

    ``batch=None`` gives a symbolic batch axis ``B``; an integer fixes it.
    """
    import torch

    if exporter not in ("torchscript", "dynamo"):
        raise ValueError(f"exporter must be 'torchscript' or 'dynamo', got {exporter!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapped = _with_sigmoid(model.eval())
    args = example_inputs(n_int, table_sizes, batch or 4)
    with atomic_path(path, suffix=".onnx") as tmp, torch.no_grad():
        (_export_dynamo if exporter == "dynamo" else _export_torchscript)(wrapped, args, tmp, batch)
    return path


def verify_onnx(model, path, n_int: int, table_sizes, batch: int | None = None, seed: int = 1) -> float:
    """Check the exported file; returns the max |ORT - torch| difference on the probabilities.

    Raises ``UserError`` if the checker fails, a forbidden control-flow op (Loop, ...) appears, the graph
    inputs are not ``dense``/``sparse``, or onnxruntime differs from PyTorch by more than ``ATOL``.
    A symbolic-batch export is run at batch 7, a size it was not traced with.
    """
    import onnx
    import onnxruntime as ort
    import torch

    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    bad = sorted({n.op_type for n in proto.graph.node if n.op_type in FORBIDDEN_OPS})
    if bad:
        raise UserError(path, f"export contains control-flow ops {bad}; the compiler cannot map them")
    names = [i.name for i in proto.graph.input]
    if names != list(INPUT_NAMES):
        raise UserError(path, f"graph inputs are {names}, expected {list(INPUT_NAMES)}")
    dense, sparse = example_inputs(n_int, table_sizes, batch or 7, seed)
    with torch.no_grad():
        want = _with_sigmoid(model.eval())(dense, sparse).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run([OUTPUT_NAME], {"dense": dense.numpy(), "sparse": sparse.numpy()})[0]
    diff = float(np.max(np.abs(got - want)))
    if got.shape != want.shape or not diff <= ATOL:
        raise UserError(path, f"onnxruntime output differs from PyTorch by {diff:.3g} (tolerance {ATOL})")
    return diff


def _resolve_model(args):
    """A checkpoint path or a registered name -> (model, n_int, table_sizes, description)."""
    import torch

    from recsys_models.baselines import MODELS, build_model
    from recsys_models.data.specs import dataset_spec
    from recsys_models.train.checkpoint import load_checkpoint

    target = str(args.model)
    if target.lower() in MODELS:
        spec = dataset_spec(getattr(args, "dataset", "criteo"), getattr(args, "hash_size", None) or 10_000)
        torch.manual_seed(args.seed)
        model = build_model(target, spec.n_int, spec.table_sizes)
        return model.eval(), spec, f"{target.lower()} ({spec.name} shapes, untrained, seed {args.seed})"
    if target.endswith(".pt") or Path(target).exists():
        model, payload = load_checkpoint(target)
        from recsys_models.data.specs import DatasetSpec

        spec = DatasetSpec.from_dict(payload["dataset"])
        return model, spec, f"{payload['model']} from checkpoint {target}"
    raise UserError(target, f"neither a checkpoint file nor a known model ({', '.join(MODELS)})")


def export_cli(args) -> int:
    """``recsys export NAME|CHECKPOINT -o model.onnx [--batch N] [--exporter dynamo|torchscript]``."""
    import time

    model, spec, what = _resolve_model(args)
    t0 = time.perf_counter()
    # Exported and checked under a temporary name: a failing check leaves no file and an earlier export intact.
    with atomic_path(args.output, suffix=".onnx") as tmp:
        export_model(model, tmp, spec.n_int, spec.table_sizes, args.batch, args.exporter)
        seconds = time.perf_counter() - t0
        try:
            diff = verify_onnx(model, tmp, spec.n_int, spec.table_sizes, args.batch)
        except UserError as exc:  # name the file the user asked for, not the temporary one
            raise UserError(args.output, exc.message) from None
    out = Path(args.output)
    size_mb = out.stat().st_size / 1e6
    batch = args.batch if args.batch else "B (symbolic)"
    print(f"wrote {out}: {what} ({size_mb:.1f} MB, opset {OPSET}, {args.exporter}, {seconds:.1f} s)")
    print(f"  inputs: dense float32 [{batch}, {spec.n_int}], sparse int64 [{batch}, {spec.n_cat}]; "
          f"output: prob float32 [{batch}, 1]; onnxruntime vs torch max diff {diff:.2g}")
    return 0
