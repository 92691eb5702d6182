"""``recsys evaluate``: float metrics of a checkpoint, and (when the compiler is present) the same
model as executed by its PIM mapping.

Expected float metrics are recomputed with the models helper's own ``predict``/metrics; the PIM run
is checked against the float one (ideal mode within 1e-4, mapped precision close in AUC).
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from recsys_models.cli import main

CONFIG = dict(bottom_mlp=[32, 16], top_mlp=[32])
HASH = 100


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small DLRM trained one epoch on 3000 synthetic Criteo-format rows (train split)."""
    from recsys_models.baselines import build_model
    from recsys_models.data.dataset import CTRData
    from recsys_models.data.specs import dataset_spec
    from recsys_models.data.synthetic import write_synthetic_raw
    from recsys_models.train.checkpoint import save_checkpoint
    from recsys_models.train.loop import TrainConfig, train_model

    d = tmp_path_factory.mktemp("eval")
    data = write_synthetic_raw("criteo", d / "train.txt", 3000, seed=1)
    spec = dataset_spec("criteo", HASH)
    model = build_model("dlrm", spec.n_int, spec.table_sizes, **CONFIG)
    train_model(model, CTRData("criteo", data, "train", batch_size=128, hash_size=HASH), TrainConfig(lr=3e-3),
                progress=False)
    save_checkpoint(d / "ck.pt", "dlrm", model, spec, CONFIG)
    save_checkpoint(d / "other.pt", "dlrm", build_model("dlrm", spec.n_int, spec.table_sizes, **CONFIG), spec,
                    CONFIG)
    return d


def _compile(d, checkpoint: str):
    """``recsys export`` the checkpoint and compile it for the default arch (mapping + weights sidecar)."""
    from compiler.api import compile_onnx_with_weights, write_compiled
    from pimsim.spec.arch import load_arch

    onnx_path, mapping_path = d / f"{checkpoint}.onnx", d / f"{checkpoint}.json"
    if not mapping_path.exists():
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["export", str(d / f"{checkpoint}.pt"), "-o", str(onnx_path)]) == 0
        mapping, weights = compile_onnx_with_weights(str(onnx_path), load_arch("default"))
        write_compiled(mapping, mapping_path, weights)
    return mapping_path


def _run(capsys, *argv) -> tuple[int, str, str]:
    rc = main(["evaluate", *map(str, argv)])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_float_metrics_match_the_training_code(trained, capsys):
    from recsys_models.data.dataset import CTRData
    from recsys_models.train.checkpoint import load_checkpoint
    from recsys_models.train.loop import evaluate

    rc, out, _ = _run(capsys, trained / "ck.pt", "--data", trained / "train.txt", "--json")
    assert rc == 0
    got = json.loads(out)
    model, _ = load_checkpoint(trained / "ck.pt")
    want = evaluate(model, CTRData("criteo", trained / "train.txt", "test", hash_size=HASH))
    assert got["rows"] == want["rows"] > 100
    assert got["float"]["auc"] == pytest.approx(want["auc"], abs=1e-12)
    assert got["float"]["logloss"] == pytest.approx(want["logloss"], abs=1e-9)


def test_missing_checkpoint_is_one_line_error(trained, capsys):
    rc, _, err = _run(capsys, trained / "nope.pt", "--data", trained / "train.txt")
    assert rc == 2 and err.strip() == f"error: {trained / 'nope.pt'}: no such file"


def test_pim_metrics_next_to_float(trained, capsys):
    """PIM log loss/AUC equal those of pim_forward's probabilities (recomputed here with the models
    helper's metrics); at the mapping's 8-bit precision they stay close to the float model's."""
    from recsys_models.data.dataset import load_split
    from recsys_models.oracles.hardware_cost import pim_forward
    from recsys_models.train.metrics import log_loss, roc_auc

    mapping = _compile(trained, "ck")
    rc, out, _ = _run(capsys, trained / "ck.pt", "--data", trained / "train.txt", "--pim", mapping, "--json")
    assert rc == 0
    got = json.loads(out)
    dense, sparse, label = load_split("criteo", trained / "train.txt", "test", hash_size=HASH)
    p = pim_forward(mapping, dense.numpy(), sparse.numpy())
    assert got["pim"]["auc"] == pytest.approx(roc_auc(label.numpy(), p), abs=1e-12)
    assert got["pim"]["logloss"] == pytest.approx(log_loss(label.numpy(), p), abs=1e-9)
    assert abs(got["pim"]["auc"] - got["float"]["auc"]) < 0.02
    assert 0 < got["pim"]["max_abs_prob_diff"] < 0.05


def test_mapping_of_another_model_is_refused(trained, capsys):
    mapping = _compile(trained, "other")
    rc, _, err = _run(capsys, trained / "ck.pt", "--data", trained / "train.txt", "--pim", mapping)
    assert rc == 2 and "ideal-mode outputs differ from the checkpoint's float model" in err


def test_precision_overrides_reach_the_pim_run(trained, capsys):
    """--adc-bits 2 saturates 128-row bit-sliced sums (top code 3): the PIM probabilities move
    much further from the float ones than at the mapping's 8 bits."""
    mapping = _compile(trained, "ck")
    args = [trained / "ck.pt", "--data", trained / "train.txt", "--pim", mapping, "--json"]
    base = json.loads(_run(capsys, *args)[1])["pim"]["max_abs_prob_diff"]
    low = json.loads(_run(capsys, *args, "--adc-bits", "2")[1])["pim"]["max_abs_prob_diff"]
    assert low > 3 * base
