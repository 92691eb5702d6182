"""The six NASRec best architectures: decode, build, one training step, ONNX export with QDQ, pimcompile.

Source of the fixtures: facebookresearch/NasRec@c15dae6 ``nasrec/configs/*/ea_*_best_1shot.json`` (copied as data,
with a ``source`` key). Each is exported at mixed precision (dense operators 4-bit weights, sparse operators 8-bit
weights; 8-bit activations) so that the compiled mapping must show both bit widths.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from recsys_models.data.specs import dataset_spec
from recsys_models.export.onnx_export import example_inputs
from recsys_models.space import NASREC_BEST, Arch, OpPrecision, nasrec_best
from recsys_models.supernet import build_standalone, count_qdq, export_subnet_onnx

#: All six are compiled with the default (optimized) strategy, the one that reads QDQ precisions (naive maps
#: everything at 8 bits): about 0.5-1 s each in-process since the optimizer's incremental pricing (it was
#: 60-150 s each, and gated behind RECSYS_SLOW_TESTS, before).  The CLI path is exercised by
#: test_small_arch_compiles_at_its_precisions.


def mixed(arch: Arch) -> Arch:
    blocks = tuple(replace(b, dense_precision=OpPrecision(4, 8), sparse_precision=OpPrecision(8, 8))
                   for b in arch.blocks)
    return Arch(arch.space, blocks)


def _spec(name):
    return dataset_spec(name.split("_")[0], 50)


@pytest.mark.parametrize("name", NASREC_BEST)
def test_builds_and_trains_one_step(name):
    spec = _spec(name)
    model = build_standalone(mixed(nasrec_best(name)), spec, seed=0).train()
    dense, sparse = example_inputs(spec.n_int, spec.table_sizes, 32, seed=1)
    label = (torch.arange(32) % 4 == 0).float()
    opt = torch.optim.Adagrad(model.parameters(), lr=0.1)
    before = model.head.weight.detach().clone()
    loss = torch.nn.functional.binary_cross_entropy_with_logits(model(dense, sparse), label)
    loss.backward()
    opt.step()
    assert torch.isfinite(loss) and not torch.equal(before, model.head.weight)


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """All six exported once (checked against onnxruntime inside export_subnet_onnx) and compiled once
    (``compiler.api.compile_onnx``, default strategy, default arch: what ``pimcompile m.onnx`` does)."""
    from compiler.api import compile_onnx
    from pimsim.spec.arch import load_arch

    out = tmp_path_factory.mktemp("nasrec_best")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # session fixtures run before the function-scoped one_torch_thread (conftest.py)
    results = {}
    for name in NASREC_BEST:
        onnx_path = export_subnet_onnx(mixed(nasrec_best(name)), _spec(name), out / f"{name}.onnx", batch=1)
        mapping = compile_onnx(onnx_path, load_arch("default"))
        results[name] = (onnx_path, mapping.model_dump(mode="json"))
    torch.set_num_threads(threads)
    return results


@pytest.mark.parametrize("name", NASREC_BEST)
def test_exports_with_qdq(exported, name):
    """Checked against onnxruntime inside the export; here: the QDQ pairs and the sub-8-bit Clips are present."""
    q = count_qdq(exported[name][0])
    assert q["QuantizeLinear"] == q["DequantizeLinear"] > 0 and q["Clip"] > 0  # 4-bit weights carry a Clip


@pytest.mark.parametrize("name", NASREC_BEST)
def test_compiles_at_each_precision(exported, name):
    ops = exported[name][1]["operators"]
    bits = {o["precision"]["weight_bits"] for o in ops if o["kind"] == "mvm"}
    assert {4, 8} <= bits  # dense operators mapped at 4 bits, sparse operators (and float layers) at 8
    names_4bit = [o["source_nodes"][0] for o in ops if o["kind"] == "mvm" and o["precision"]["weight_bits"] == 4]
    assert names_4bit and all(any(f"/{op}/" in n for op in ("fc", "dot", "gating", "sum")) for n in names_4bit)


def test_small_arch_compiles_at_its_precisions(tmp_path):
    """Every block FC + EFC in a chain; dense operators 2-bit weights / 4-bit inputs, sparse 8 / 8."""
    from recsys_models.space import BlockArch, get_space

    blocks = tuple(BlockArch((i,), (i,), 0, 0, "fc", "efc", 16, 16, False, False, OpPrecision(2, 4),
                             OpPrecision(8, 8)) for i in range(7))
    arch = Arch("small", blocks)
    assert get_space("small").num_blocks == len(blocks)
    onnx_path = export_subnet_onnx(arch, _spec("criteo_small"), tmp_path / "m.onnx", batch=1)
    # QDQ per block: FC weight + FC input + EFC weight + EFC input = 4; Clips: FC weight (2 b) and input (4 b) = 2
    assert count_qdq(onnx_path) == {"QuantizeLinear": 28, "DequantizeLinear": 28, "Clip": 14}
    mapping = tmp_path / "m.json"
    proc = subprocess.run([str(Path(sys.executable).with_name("pimcompile")), str(onnx_path), "-o", str(mapping)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    mvm = [o for o in json.loads(mapping.read_text())["operators"] if o["kind"] == "mvm"]
    fc = [o["precision"] for o in mvm if "/fc/" in o["source_nodes"][0]]
    efc = [o["precision"] for o in mvm if "/efc/" in o["source_nodes"][0]]
    assert len(fc) == 7 and all(p["weight_bits"] == 2 and p["input_bits"] == 4 for p in fc)
    assert len(efc) == 7 and all(p["weight_bits"] == 8 and p["input_bits"] == 8 for p in efc)
