"""The training loop researchers rely on: device flag, best checkpoint, early stopping, resume, identical bytes,
curves and progress lines without a terminal (issue 22 item 4; issue 20 item 7).

Data: the Criteo-format synthetic generator (``write_synthetic_raw``) with small tables, so every run takes a
second or two; no expected value is hard-coded: each is recomputed from the outputs (the best epoch is the argmin of
the recorded validation losses, the kept checkpoint re-evaluates to the recorded figures, a resumed run equals an
uninterrupted one bit for bit on the CPU).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re

import pytest

torch = pytest.importorskip("torch")

from tests.recsys_models.cli_runner import run_recsys  # noqa: E402
from recsys_models.data import write_synthetic_raw  # noqa: E402

HASH = "300"


_recsys = run_recsys


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return write_synthetic_raw("criteo", tmp_path_factory.mktemp("d") / "train.txt", 3_000, seed=5)


def _train(data, out, *extra, model="dlrm"):
    return _recsys("train", "--model", model, "--dataset", "criteo", "--data", data, "--hash-size", HASH,
                   "--batch-size", 128, "--out", out, *extra)


def test_device_flag(data, tmp_path):
    """``--device cpu`` runs; a GPU torch cannot see is a one-line error; ``auto`` falls back with a note."""
    r = _train(data, tmp_path / "cpu", "--device", "cpu", model="lr")
    assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "cpu" / "metrics.json").read_text())["device_type"] == "cpu"
    r = _train(data, tmp_path / "bad", "--device", "gpu0", model="lr")
    assert r.returncode == 2 and r.stderr.strip() == ("error: recsys train: --device: 'gpu0': expected cpu, cuda, "
                                                      "cuda:N or auto (see recsys train --help)")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the no-GPU messages cannot be checked")
    r = _train(data, tmp_path / "cuda", "--device", "cuda", model="lr")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert r.stderr.startswith("error: --device: cuda: torch sees no CUDA GPU")
    assert not (tmp_path / "cuda").exists()  # nothing written before the check
    r = _train(data, tmp_path / "auto", "--device", "auto", model="lr")
    assert r.returncode == 0 and "note: --device auto: torch sees no CUDA GPU, running on the CPU" in r.stderr


def test_best_epoch_is_kept_and_scored(data, tmp_path):
    """checkpoint.pt is the epoch with the lowest validation log loss (whichever it is: DLRM at lr 3e-2 on 2,400
    rows), it re-evaluates to the recorded figures, and the test figures are that model's."""
    r = _train(data, tmp_path, "--epochs", 3, "--lr", 3e-2)
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())
    val = [h["val_logloss"] for h in m["history"]]
    best = min(range(3), key=val.__getitem__) + 1
    assert m["best_epoch"] == best and m["val_logloss"] == val[best - 1]
    from recsys_models.data import CTRData
    from recsys_models.train import evaluate, load_checkpoint

    model, payload = load_checkpoint(tmp_path / "checkpoint.pt")
    assert payload["metrics"]["epoch"] == best and payload["metrics"]["test_logloss"] == m["test_logloss"]
    split = dict(hash_size=int(HASH), batch_size=4096)
    assert evaluate(model, CTRData("criteo", data, "val", **split))["logloss"] == pytest.approx(val[best - 1],
                                                                                                 abs=1e-6)
    assert evaluate(model, CTRData("criteo", data, "test", **split))["auc"] == pytest.approx(m["test_auc"], abs=1e-9)


def test_patience_stops_after_the_first_worse_epoch(data, tmp_path):
    r = _train(data, tmp_path, "--epochs", 6, "--lr", 3e-2, "--patience", 1)
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())
    val = [h["val_logloss"] for h in m["history"]]
    first_worse = next(i for i in range(1, len(val)) if val[i] >= min(val[:i]))  # 0-based epoch that did not improve
    assert m["epochs_run"] == first_worse + 1 and m["stopped_early"] and "early stop" in r.stderr
    for bad in ("0", "-2"):
        r = _train(data, tmp_path / "x", "--patience", bad)
        assert r.returncode == 2 and r.stderr.strip() == (f"error: recsys train: --patience: {bad}: must be at least 1 "
                                                          "(see recsys train --help)")


def test_identical_runs_write_identical_bytes(data, tmp_path):
    """Issue 20: same inputs, same bytes for checkpoint.pt and metrics.json; wall clock only in timing.json."""
    for run in ("a", "b"):
        assert _train(data, tmp_path / run, "--epochs", 2).returncode == 0
    for name in ("checkpoint.pt", "metrics.json", "last.pt"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    timing = json.loads((tmp_path / "a" / "timing.json").read_text())
    assert timing["wall_s"] > 0 and [e["epoch"] for e in timing["epochs"]] == [1, 2]
    assert "seconds" not in (tmp_path / "a" / "metrics.json").read_text()
    assert "per_s" not in (tmp_path / "a" / "metrics.json").read_text()


def test_resume_at_an_epoch_boundary_equals_one_run(data, tmp_path):
    """``--epochs 1`` then ``--resume last.pt --epochs 2`` writes the same files as ``--epochs 2``."""
    assert _train(data, tmp_path / "full", "--epochs", 2).returncode == 0
    assert _train(data, tmp_path / "part", "--epochs", 1).returncode == 0
    r = _train(data, tmp_path / "part", "--epochs", 2, "--resume", tmp_path / "part" / "last.pt")
    assert r.returncode == 0, r.stderr
    for name in ("checkpoint.pt", "metrics.json"):
        assert (tmp_path / "full" / name).read_bytes() == (tmp_path / "part" / name).read_bytes(), name


def test_resume_mid_epoch_continues_the_same_batches(data):
    """A run killed between checkpoints (here: 3 batches after the step-5 resume state) continues from that state
    with the same batches in the same order: its final weights equal an uninterrupted run's bit for bit."""
    from recsys_models.baselines import build_model
    from recsys_models.data import CTRData, dataset_spec
    from recsys_models.train.loop import RunOptions, TrainConfig, train_model

    spec = dataset_spec("criteo", int(HASH))
    cfg = TrainConfig(epochs=2, lr=1e-2, schedule="cosine")

    class Killed(Exception):
        pass

    def fresh():
        torch.manual_seed(0)
        return build_model("dlrm", spec.n_int, spec.table_sizes, bottom_mlp=(16,), top_mlp=(16,))

    class Source(CTRData):
        def __len__(self):
            return 19  # 2,400 train rows / 128: the cosine schedule needs the length
        kill_after = None

        def batches(self, epoch=None, skip=0, shard=(0, 1), device=None):
            for k, b in enumerate(super().batches(epoch, skip, shard, device)):
                if self.kill_after is not None and (epoch, skip + k) == self.kill_after:
                    raise Killed
                yield b

    def source():
        return Source("criteo", data, "train", batch_size=128, hash_size=int(HASH), shuffle=True)

    whole = fresh()
    train_model(whole, source(), cfg, progress=False)
    saved = []
    run = RunOptions(checkpoint_every=5, save_state=lambda s: saved.append(
        (copy.deepcopy(s), {k: v.clone() for k, v in killed.state_dict().items()})))
    killed, src = fresh(), source()
    src.kill_after = (1, 8)  # epoch 2, batch 9: steps 20-26 ran after the step-25 state... then the kill
    with pytest.raises(Killed):
        train_model(killed, src, cfg, progress=False, run=run)
    state, weights = saved[-1]
    assert (state["epoch"], state["batch"], state["step"]) == (1, 6, 25)
    resumed = fresh()
    resumed.load_state_dict(weights)
    train_model(resumed, source(), cfg, progress=False, resume=state)
    for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_bad_resume_and_init_files_are_one_line_errors(data, tmp_path):
    assert _train(data, tmp_path / "lr", model="lr").returncode == 0
    corrupt = tmp_path / "corrupt.pt"
    corrupt.write_bytes((tmp_path / "lr" / "last.pt").read_bytes()[:200])
    cases = [
        (["--resume", corrupt], "corrupt.pt: not a readable resume file"),
        (["--resume", tmp_path / "lr" / "checkpoint.pt"], "not a resume file (no training state)"),
        (["--resume", tmp_path / "lr" / "last.pt", "--lr", "0.5"], "resume file is from a different run: lr was"),
    ]
    for extra, needle in cases:
        r = _train(data, tmp_path / "x", *extra, model="lr")
        assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = _train(data, tmp_path / "y", "--resume", tmp_path / "lr" / "last.pt", model="dlrm")
    assert r.returncode == 2 and "model was 'lr', now 'dlrm'" in r.stderr


def test_outputs_never_overwrite_the_data(data, tmp_path):
    """``-o DIR`` holding the data file under an output's name is refused before anything runs: the parser's check
    for checkpoint.pt/metrics.json/timing.json, the command's own for the resume file last.pt."""
    for name in ("checkpoint.pt", "last.pt"):
        inside = tmp_path / name
        inside.write_bytes(data.read_bytes())
        r = _train(inside, tmp_path, model="lr")
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "would overwrite the input" in r.stderr and f"{inside} (--data)" in r.stderr, r.stderr
        assert inside.read_bytes() == data.read_bytes() and not (tmp_path / "metrics.json").exists()


def test_curves_csv_and_tensorboard(data, tmp_path):
    r = _train(data, tmp_path / "o", "--epochs", 2, "--log-dir", tmp_path / "logs", model="lr")
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader((tmp_path / "logs" / "curves.csv").open()))
    tags = {row["tag"] for row in rows}
    assert {"train/logloss", "train/epoch_logloss", "val/logloss", "val/auc", "lr"} <= tags
    m = json.loads((tmp_path / "o" / "metrics.json").read_text())
    val = [float(row["value"]) for row in rows if row["tag"] == "val/logloss"]
    assert val == [h["val_logloss"] for h in m["history"]]  # the curve is the history
    assert list((tmp_path / "logs").glob("events.out.tfevents.*"))


def test_progress_lines_without_a_terminal(data, tmp_path):
    """stderr is not a TTY here: the loop prints plain status lines (every --progress-every seconds)."""
    r = _train(data, tmp_path, "--progress-every", 0, model="lr")
    assert r.returncode == 0
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("epoch 1/1: batch ")]
    assert len(lines) >= 19  # one per batch at interval 0 (2,400 rows / 128)
    assert re.fullmatch(r"epoch 1/1: batch 19/19 \(100\.0 %\), [\d.e+]+ batch/s, [\d,]+ rows/s, "
                        r"(loss [\d.]+, )?elapsed \d:\d\d:\d\d, ETA 0:00:00", lines[-1]), lines[-1]


def test_progress_line_format_and_interval():
    """A fake clock: lines only once ``every_s`` has passed, with rate, rows/s, fields and the ETA of the rest."""
    from recsys_models.train.progress import Progress

    now = [0.0]
    stream = io.StringIO()
    bar = Progress("supernet", 100, "step", every_s=10, stream=stream, tty=False, clock=lambda: now[0])
    for _ in range(20):
        now[0] += 1.0
        bar.update(1, rows=512, fields_fn=lambda: {"loss": 0.5})
    bar.close()
    lines = stream.getvalue().splitlines()
    # at t = 10 s and t = 20 s (20 steps of 1 s: 1 step/s, 512 rows/s), then the closing line at t = 20 s
    assert lines[0] == ("supernet: step 10/100 (10.0 %), 1 step/s, 512 rows/s, loss 0.5000, elapsed 0:00:10, "
                        "ETA 0:01:30")
    assert lines[1] == ("supernet: step 20/100 (20.0 %), 1 step/s, 512 rows/s, loss 0.5000, elapsed 0:00:20, "
                        "ETA 0:01:20")
    assert len(lines) == 3 and lines[2] == lines[1]
