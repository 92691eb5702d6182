"""A searched model from the command line, end to end (issue 24 item 1): ``recsys supernet standalone -o m.pt``
writes a ``nasrec_subnet`` checkpoint in the format every model uses, and ``recsys export``, ``recsys evaluate
[--pim mapping.json]`` and ``recsys train --init`` take it.

The architecture is a seeded random NASRec-Small subnet with 4/8-bit weights and 8-bit activations (so the export
carries QDQ pairs and the mapping mixed precisions); data: 3,000 synthetic Criteo-format rows, 200-row tables.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tests.recsys_models.cli_runner import run_recsys  # noqa: E402


_recsys = run_recsys


@pytest.fixture(scope="module")
def searched(tmp_path_factory):
    from recsys_models.data import write_synthetic_raw
    from recsys_models.space import arch_to_json, get_space, sample_arch

    d = tmp_path_factory.mktemp("searched")
    space = get_space("small", dense_widths=(16, 32), sparse_widths=(16,), weight_bits=(4, 8), act_bits=(8,))
    arch = arch_to_json(sample_arch(space, np.random.default_rng(4)))
    (d / "arch.json").write_text(json.dumps(arch))
    data = write_synthetic_raw("criteo", d / "d.txt", 3_000, seed=2)
    r = _recsys("supernet", "standalone", "--arch", d / "arch.json", "--dataset", "criteo", "--data", data,
                "--hash-size", 200, "--batch", 128, "--threads", 1, "-o", d / "m.pt")
    assert r.returncode == 0, r.stderr
    return SimpleNamespace(dir=d, data=data, arch=arch)


def test_checkpoint_is_the_common_format(searched):
    from recsys_models.supernet.model import SubnetModel
    from recsys_models.train.checkpoint import load_checkpoint

    payload = torch.load(searched.dir / "m.pt", weights_only=True)
    assert payload["format"] == "recsys-checkpoint-v1" and payload["model"] == "nasrec_subnet"
    assert payload["config"] == {"arch": searched.arch, "layernorm": False}
    model, _ = load_checkpoint(searched.dir / "m.pt")
    assert isinstance(model, SubnetModel)


def test_export_compile_and_evaluate_on_the_mapping(searched):
    d = searched.dir
    r = _recsys("export", d / "m.pt", "-o", d / "m.onnx")
    assert r.returncode == 0, r.stderr
    # every quantised operator's weights and inputs as QuantizeLinear/DequantizeLinear pairs; 4-bit weights also
    # get a Clip (docs/supernet.md)
    n_qdq = int(r.stdout.split(" QuantizeLinear/DequantizeLinear pairs")[0].rsplit(" ", 1)[1])
    assert n_qdq > 0 and "checked against onnxruntime" in r.stdout
    from compiler.api import compile_onnx_with_weights, write_compiled
    from pimsim.spec.arch import load_arch

    mapping, weights = compile_onnx_with_weights(str(d / "m.onnx"), load_arch("default"))
    write_compiled(mapping, d / "m.json", weights)
    ops = json.loads((d / "m.json").read_text())["operators"]
    bits = {op["precision"]["weight_bits"] for op in ops if op["kind"] == "mvm"}
    assert 4 in bits  # the searched precisions reach the crossbars
    r = _recsys("evaluate", d / "m.pt", "--data", searched.data, "--pim", d / "m.json", "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    recorded = torch.load(d / "m.pt", weights_only=True)["metrics"]
    # the float model scored by `recsys evaluate` is the one standalone scored on the same test split
    assert result["float"]["logloss"] == pytest.approx(recorded["test_logloss"], abs=1e-6)
    assert result["rows"] == recorded["test_rows"] and 0 < result["pim"]["logloss"] < 5


def test_finetune_with_train_init(searched, tmp_path):
    r = _recsys("train", "--init", searched.dir / "m.pt", "--dataset", "criteo", "--data", searched.data,
                "--hash-size", 200, "--optimizer", "adagrad", "--lr", 1e-3, "--out", tmp_path)
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["model"] == "nasrec_subnet" and m["model_config"]["arch"] == searched.arch
    r = _recsys("train", "--init", searched.dir / "m.pt", "--dataset", "criteo", "--data", searched.data,
                "--hash-size", 300, "--out", tmp_path / "x")
    assert r.returncode == 2 and "checkpoint was trained on criteo with tables 200 rows" in r.stderr


def test_a_supernet_checkpoint_is_named_not_crashed_on(searched, tmp_path):
    from recsys_models.data import dataset_spec
    from recsys_models.space import get_space
    from recsys_models.supernet.model import Supernet
    from recsys_models.supernet.train import save_supernet

    sn = tmp_path / "sn.pt"
    save_supernet(sn, Supernet(get_space("small", dense_widths=(16,), sparse_widths=(16,)), dataset_spec("criteo", 100)))
    for argv in (["export", sn, "-o", tmp_path / "x.onnx"], ["evaluate", sn, "--data", searched.data],
                 ["train", "--init", sn, "--dataset", "criteo", "--data", searched.data, "--out", tmp_path / "o"]):
        r = _recsys(*argv)
        assert r.returncode == 2 and r.stderr.startswith(f"error: {sn}: ") and "nasrec_supernet" in r.stderr, argv
        assert len(r.stderr.strip().splitlines()) == 1
