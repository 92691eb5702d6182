"""Metrics against scikit-learn, the quality floor on the real samples, checkpoints, CLI errors."""

from __future__ import annotations

import contextlib
import io
import json
from types import SimpleNamespace

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from recsys_models.cli import main  # noqa: E402
from recsys_models.train import load_checkpoint, log_loss, roc_auc  # noqa: E402
from tests.conftest import shared_data_file  # noqa: E402



def _recsys(*argv):
    """Run the `recsys` CLI in-process (saves a torch import per call); returns code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def test_metrics_match_sklearn():
    """Expected values from sklearn.metrics (roc_auc_score, log_loss) on the same seeded data, with ties."""
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    y = (rng.random(2_000) < 0.3).astype(float)
    s = np.round(rng.random(2_000) * 0.8 + 0.15 * y, 2)  # rounding creates many ties
    assert roc_auc(y, s) == pytest.approx(sk.roc_auc_score(y, s), abs=1e-9)
    p = np.clip(s, 0.01, 0.99)  # away from our 1e-7 clip, which sklearn does not apply
    assert log_loss(y, p) == pytest.approx(sk.log_loss(y, p), abs=1e-12)
    assert roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75  # hand count: 3 of 4 pairs ordered
    assert np.isnan(roc_auc([1, 1], [0.2, 0.3]))


@pytest.fixture(scope="module")
def criteo_run(tmp_path_factory):
    data = shared_data_file("criteo/criteo_train_head10k.txt.gz")
    out = tmp_path_factory.mktemp("criteo_dlrm")
    r = _recsys("train", "--model", "dlrm", "--dataset", "criteo", "--data", str(data), "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out, json.loads((out / "metrics.json").read_text())


@pytest.mark.needs_data
def test_dlrm_quality_floor_criteo(criteo_run):
    """Issue 7 floor: test AUC >= 0.70 with the defaults (1 epoch, Adam 3e-3, batch 256). Measured
    0.714-0.721 over seeds 0-3; tuned logistic regression reaches 0.70 on the same split (docs/models.md)."""
    _, m = criteo_run
    assert m["test_auc"] >= 0.70
    assert (m["train_rows"], m["val_rows"], m["test_rows"]) == (8000, 1000, 1000)
    assert m["test_logloss"] < 0.5  # the constant predictor at rate 0.218 scores 0.525 (entropy of the rate)
    assert m["malformed_rows"] == 0


@pytest.mark.needs_data
def test_checkpoint_reload_and_export(criteo_run, tmp_path):
    out, m = criteo_run
    payload = torch.load(out / "checkpoint.pt", weights_only=True)
    assert payload["model"] == "dlrm" and payload["dataset"]["name"] == "criteo"
    model, _ = load_checkpoint(out / "checkpoint.pt")
    from recsys_models.data import load_split
    from recsys_models.train import evaluate
    from recsys_models.data import TensorBatches

    test = load_split("criteo", shared_data_file("criteo/criteo_train_head10k.txt.gz"), "test")
    assert evaluate(model, TensorBatches(*test, batch_size=512))["auc"] == pytest.approx(m["test_auc"], abs=1e-6)
    r = _recsys("export", str(out / "checkpoint.pt"), "-o", str(tmp_path / "trained.onnx"))
    assert r.returncode == 0, r.stderr
    assert "from checkpoint" in r.stdout


@pytest.mark.needs_data
def test_dlrm_quality_floor_avazu(tmp_path):
    """Same defaults on the 14,077-row Avazu sample: measured test AUC 0.716-0.722 (seeds 0-1);
    tuned logistic regression 0.715 on the same split (docs/models.md)."""
    data = shared_data_file("avazu/avazu_train_combined14k.csv.gz")
    r = _recsys("train", "--model", "dlrm", "--dataset", "avazu", "--data", str(data), "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert m["test_auc"] >= 0.70 and m["train_rows"] + m["val_rows"] + m["test_rows"] == 14_077


def test_kdd_synthetic_is_learnable():
    """Model-level KDD check on the schema-faithful generator (11 real rows exist): DeepFM beats chance."""
    from recsys_models.baselines import build_model
    from recsys_models.data import TensorBatches, dataset_spec, synthetic_tensors
    from recsys_models.train import TrainConfig, evaluate, train_model

    spec = dataset_spec("kdd", hash_size=2_000)
    tr = [torch.from_numpy(a) for a in synthetic_tensors("kdd", 6_000, seed=0, hash_size=2_000)]
    te = [torch.from_numpy(a) for a in synthetic_tensors("kdd", 2_000, seed=1, hash_size=2_000)]
    torch.manual_seed(0)
    model = build_model("deepfm", spec.n_int, spec.table_sizes, dnn=(64, 64))
    train_model(model, TensorBatches(*tr, batch_size=128, shuffle=True), TrainConfig(epochs=2), progress=False)
    assert evaluate(model, TensorBatches(*te, batch_size=1000))["auc"] > 0.6


def test_cli_bad_data(tmp_path):
    r = _recsys("train", "--model", "dlrm", "--dataset", "criteo", "--data", str(tmp_path / "none.txt"))
    assert r.returncode == 2 and r.stderr.strip().endswith("none.txt: no such file")
    bad = tmp_path / "bad.txt"
    bad.write_text("1\t" * 39 + "1\n" + "0\tx" + "\t1" * 38 + "\n")
    r = _recsys("train", "--model", "lr", "--dataset", "criteo", "--data", str(bad), "--strict",
                "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "bad.txt: line 2: integer field 'x' is not an integer" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "o" / "metrics.json").exists()
    r = _recsys("train", "--model", "nosuch", "--dataset", "criteo", "--data", str(bad))
    assert r.returncode == 2 and "recsys train: --model 'nosuch'; choose from dlrm" in r.stderr


def test_streaming_training_path(tmp_path):
    """Training from CTRData (streaming, tiny chunks) sees exactly the rows of the in-memory split."""
    from recsys_models.baselines import build_model
    from recsys_models.data import CTRData, load_split, write_synthetic_raw
    from recsys_models.train import TrainConfig, evaluate, train_model

    path = write_synthetic_raw("criteo", tmp_path / "c.txt", 1_500, seed=2)
    train = CTRData("criteo", path, "train", batch_size=64, hash_size=500, shuffle=True, chunk_rows=200)
    test = CTRData("criteo", path, "test", batch_size=500, hash_size=500, chunk_rows=200)
    model = build_model("lr", 13, train.spec.table_sizes)
    hist = train_model(model, train, TrainConfig(epochs=2), progress=False)
    assert [h["train_rows"] for h in hist] == [1_200, 1_200]
    assert evaluate(model, test)["rows"] == len(load_split("criteo", path, "test", hash_size=500)[2]) == 150
