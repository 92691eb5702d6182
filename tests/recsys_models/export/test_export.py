"""ONNX export: graph contract (inputs, opset, no Loop), onnxruntime == PyTorch, CLI behaviour.

Each model is exported once per session (fixture); expected values come from PyTorch itself, evaluated
on the same inputs (onnxruntime must match within ATOL = 1e-5).
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import onnx  # noqa: E402
ort = pytest.importorskip("onnxruntime")

from recsys_models.baselines import MODELS, build_model  # noqa: E402
from recsys_models.cli import main  # noqa: E402
from recsys_models.data.specs import dataset_spec  # noqa: E402
from recsys_models.errors import UserError  # noqa: E402
from recsys_models.export.onnx_export import OPSET, example_inputs, export_model, verify_onnx  # noqa: E402

# Small tables keep the exports fast; the graph structure does not depend on table rows.
SPEC = dataset_spec("criteo", hash_size=50)


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """Every registered model exported once with the TorchScript exporter at a symbolic batch."""
    out = {}
    root = tmp_path_factory.mktemp("onnx")
    for name in MODELS:
        torch.manual_seed(0)
        model = build_model(name, SPEC.n_int, SPEC.table_sizes).eval()
        out[name] = (model, export_model(model, root / f"{name}.onnx", SPEC.n_int, SPEC.table_sizes))
    return out


@pytest.mark.parametrize("name", sorted(MODELS))
def test_export_matches_torch_and_has_no_loop(exported, name):
    model, path = exported[name]
    diff = verify_onnx(model, path, SPEC.n_int, SPEC.table_sizes)  # batch 7, not the traced 4
    assert diff <= 1e-5
    proto = onnx.load(str(path))
    ops = collections.Counter(n.op_type for n in proto.graph.node)
    assert "Loop" not in ops and "GatherND" not in ops
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", OPSET)]
    dims = [[d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in proto.graph.input]
    assert dims == [["B", 13], ["B", 26]]
    assert [o.name for o in proto.graph.output] == ["prob"]


def test_dlrm_graph_is_gather_gemm_matmul(exported):
    """26 table lookups = 26 Gather on initializers + 26 column Gather + 1 triangle Gather (hand count);
    7 Gemm = bottom MLP 13-512-256-64-16 (4) + top MLP 367-512-256-1 (3); 1 MatMul = the bmm interaction."""
    proto = onnx.load(str(exported["dlrm"][1]))
    ops = collections.Counter(n.op_type for n in proto.graph.node)
    assert ops["Gemm"] == 7 and ops["MatMul"] == 1 and ops["Gather"] == 53 and ops["Sigmoid"] == 1
    inits = {i.name: tuple(i.dims) for i in proto.graph.initializer}
    assert inits["inner.embedding.tables.2.weight"] == (50, 16)
    assert inits["inner.top.0.weight"] == (512, 16 + 27 * 26 // 2)


def test_fixed_batch_export(tmp_path):
    torch.manual_seed(0)
    model = build_model("dlrm", SPEC.n_int, SPEC.table_sizes)
    path = export_model(model, tmp_path / "b3.onnx", SPEC.n_int, SPEC.table_sizes, batch=3)
    assert verify_onnx(model, path, SPEC.n_int, SPEC.table_sizes, batch=3) <= 1e-5
    dims = [d.dim_value for d in onnx.load(str(path)).graph.input[1].type.tensor_type.shape.dim]
    assert dims == [3, 26]


def test_verify_rejects_wrong_model(exported):
    """Verifying the DLRM file against a differently seeded DLRM must fail (outputs differ by > 1e-5)."""
    torch.manual_seed(123)
    other = build_model("dlrm", SPEC.n_int, SPEC.table_sizes)
    with pytest.raises(UserError, match="differs from PyTorch"):
        verify_onnx(other, exported["dlrm"][1], SPEC.n_int, SPEC.table_sizes)


def test_example_inputs_respect_table_sizes():
    dense, sparse = example_inputs(SPEC.n_int, SPEC.table_sizes, 64)
    assert dense.dtype == torch.float32 and sparse.dtype == torch.int64
    assert np.all(sparse.numpy() < np.array(SPEC.table_sizes)) and sparse.min() >= 0


def _recsys(*argv):
    """Run the `recsys` CLI in-process (saves a torch import per call); returns code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def test_cli_demo_dlrm(tmp_path):
    """The `make demo` model: Criteo shapes, tables capped at 10,000 rows (C3 has 10,131,227 -> 10,000)."""
    out = tmp_path / "model.onnx"
    r = _recsys("export", "dlrm", "-o", str(out))
    assert r.returncode == 0, r.stderr
    inits = {i.name: tuple(i.dims) for i in onnx.load(str(out)).graph.initializer}
    assert inits["inner.embedding.tables.2.weight"] == (10_000, 16)
    assert inits["inner.embedding.tables.0.weight"] == (1461, 16)
    assert inits["inner.bottom.0.weight"] == (512, 13)


def test_cli_bad_inputs(tmp_path):
    r = _recsys("export", "nosuchmodel", "-o", str(tmp_path / "x.onnx"))
    assert r.returncode == 2 and r.stderr.startswith("error: nosuchmodel:") and "Traceback" not in r.stderr
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    r = _recsys("export", str(bad), "-o", str(tmp_path / "x.onnx"))
    assert r.returncode == 2 and "not a readable recsys checkpoint" in r.stderr
    assert not (tmp_path / "x.onnx").exists()


def test_dynamo_export_matches_torch(tmp_path):
    """The optional dynamo exporter: symbolic batch via Dim("B"), weights inline, same op contract."""
    pytest.importorskip("onnxscript")
    torch.manual_seed(0)
    model = build_model("dlrm", SPEC.n_int, SPEC.table_sizes)
    path = export_model(model, tmp_path / "d.onnx", SPEC.n_int, SPEC.table_sizes, exporter="dynamo")
    assert verify_onnx(model, path, SPEC.n_int, SPEC.table_sizes) <= 1e-5
    assert not list(tmp_path.glob("*.data"))  # external_data=False: one self-contained file
    ops = {n.op_type for n in onnx.load(str(path)).graph.node}
    assert "GatherND" not in ops and "Loop" not in ops


def test_every_export_compiles_with_pimcompile(exported):
    """Each export is accepted by the compiler (one subprocess running pimcompile's main on every file)."""
    files = [str(p) for _, p in exported.values()]
    code = ("import sys; from compiler.cli import main; "
            "sys.exit(max(main([f, '-o', f + '.mapping.json']) or 0 for f in sys.argv[1:]))")
    r = subprocess.run([sys.executable, "-c", code, *files], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    mapping = json.loads(Path(str(exported["dlrm"][1]) + ".mapping.json").read_text())
    kinds = collections.Counter(op["kind"] for op in mapping["operators"])
    # DLRM by hand: 26 table lookups, 7 Linear layers (4 bottom + 3 top), 1 activation x activation bmm
    assert (kinds["embedding"], kinds["mvm"], kinds["dynamic_mvm"]) == (26, 7, 1)
