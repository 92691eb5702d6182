"""A zoo of exporters (issue 19 item 4): every baseline and a NASRec model, as PyTorch's exporters write them.

Each model (DLRM, DeepFM, DCN-v2, AutoInt, xDeepFM and NASRec's best Criteo-Small architecture; Criteo shapes:
13 dense + 26 sparse fields, tables capped at 20 rows to keep the exports small) is exported with
- TorchScript (``dynamo=False``) at opsets 13 and 17 and dynamo (``dynamo=True``) at opset 18,
- a symbolic batch (``dynamic_axes`` / ``torch.export.Dim``) and a static batch of 4,
- weights inline and in an external ``.onnx.data`` file,
then compiled and checked against onnxruntime (``pimcompile --check``, the mapping executed on seeded inputs,
within 1e-5 x max(1, |output|)).  Dynamo writes external data itself (its default); TorchScript writes it only
above 2 GiB, so its external-data variants are the same export re-saved by ``onnx.save_model(...,
save_as_external_data=True)``; dynamo's inline/static pairs are exported natively (``external_data=False``,
no ``dynamic_shapes``) and the remaining two combinations re-saved the same way.  Dynamo takes 6-16 s per export
on 2 cores, so each model is exported once per session (about 2.5 min for the zoo).
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from pathlib import Path

import pytest
import yaml

from compiler.cli import main
from tests.compiler.helpers import batched_arch_dict

MODELS = ("dlrm", "deepfm", "dcnv2", "autoint", "xdeepfm", "nasrec")
VARIANTS = [(e, b, x) for e in ("torchscript13", "torchscript17", "dynamo18") for b in ("dynamic", "static")
            for x in ("inline", "external")]
TABLE_ROWS = 20
STATIC_BATCH = 4


def _model(name: str):
    import torch

    from recsys_models.baselines import build_model
    from recsys_models.export.onnx_export import _with_sigmoid

    torch.manual_seed(0)
    if name == "nasrec":
        from recsys_models.space import nasrec_best
        from recsys_models.supernet.model import SubnetModel, resolve_dataset_spec

        spec = resolve_dataset_spec("criteo", TABLE_ROWS)
        return _with_sigmoid(SubnetModel(nasrec_best("criteo_small"), spec)), spec.n_int, spec.table_sizes
    tables = [TABLE_ROWS] * 26
    return _with_sigmoid(build_model(name, 13, tables)), 13, tables


def _export(wrapped, args, path: Path, exporter: str, static: bool, external: bool) -> None:
    import torch

    names = {"input_names": ["dense", "sparse"], "output_names": ["prob"]}
    if exporter.startswith("torchscript"):
        axes = None if static else {"dense": {0: "B"}, "sparse": {0: "B"}, "prob": {0: "B"}}
        torch.onnx.export(wrapped, args, str(path), dynamic_axes=axes, opset_version=int(exporter[-2:]),
                          dynamo=False, **names)
        return
    batch = torch.export.Dim("B", min=2, max=1 << 20)
    shapes = None if static else {"dense": {0: batch}, "sparse": {0: batch}}
    torch.onnx.export(wrapped, args, str(path), dynamic_shapes=shapes, opset_version=18, dynamo=True,
                      external_data=external, **names)


def _resave(src: Path, dst: Path, external: bool) -> None:
    import onnx

    model = onnx.load(str(src))
    if external:
        onnx.save_model(model, str(dst), save_as_external_data=True, all_tensors_to_one_file=True,
                        location=f"{dst.name}.data")
    else:
        onnx.save_model(model, str(dst))


@pytest.fixture(scope="session")
def zoo(tmp_path_factory):
    """(model, exporter, batch, data) -> path, exported on first use (each model's exports at once)."""
    from recsys_models.export.onnx_export import example_inputs

    root = tmp_path_factory.mktemp("zoo")
    paths: dict[tuple, Path] = {}

    def get(model: str, exporter: str, batch: str, data: str) -> Path:
        if (model, exporter, batch, data) not in paths:
            wrapped, n_int, tables = _model(model)
            args = example_inputs(n_int, tables, STATIC_BATCH)
            torch_log = logging.getLogger("torch.onnx")
            level = torch_log.level
            torch_log.setLevel(logging.ERROR)
            try:
                with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
                    warnings.simplefilter("ignore")
                    _export_all(model, wrapped, args, root, paths)
            finally:
                torch_log.setLevel(level)
        return paths[(model, exporter, batch, data)]

    return get


def _export_all(model: str, wrapped, args, root: Path, paths: dict) -> None:
    for exporter in ("torchscript13", "torchscript17", "dynamo18"):
        for batch in ("dynamic", "static"):
            native_external = exporter == "dynamo18" and batch == "dynamic"  # dynamo's default
            native = root / model / exporter / batch / ("external" if native_external else "inline") / "model.onnx"
            native.parent.mkdir(parents=True)
            _export(wrapped, args, native, exporter, batch == "static", native_external)
            other = "inline" if native_external else "external"
            derived = native.parents[1] / other / "model.onnx"
            derived.parent.mkdir()
            _resave(native, derived, external=other == "external")
            for data, path in (("external" if native_external else "inline", native), (other, derived)):
                paths[(model, exporter, batch, data)] = path


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("exporter, batch, data", VARIANTS, ids=["-".join(v) for v in VARIANTS])
def test_export_compiles_and_matches_onnxruntime(zoo, capsys, model, exporter, batch, data, tmp_path):
    path = zoo(model, exporter, batch, data)
    assert (path.parent / "model.onnx.data").exists() == (data == "external")
    arch = tmp_path / "batched.yaml"  # a static export holds STATIC_BATCH queries per value (conftest)
    arch.write_text(yaml.safe_dump(batched_arch_dict()))
    code = main([str(path), "--check", "--strategy", "naive", "--arch", str(arch)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    expected_batch = STATIC_BATCH if batch == "static" else 1
    assert f"(batch {expected_batch}, seed 0)" in out
