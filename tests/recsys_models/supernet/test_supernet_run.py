"""``recsys supernet train`` as a run researchers can trust: identical bytes, exact resume, best state, patience,
and its progress lines without a terminal (issue 22 items 3-4, issue 20 item 7).

Data: 2,000 synthetic Criteo-format rows (1,600 train / 200 val), 100-row tables, a narrow NASRec-Small space.
"""

from __future__ import annotations

import copy
import json
import re

import pytest

torch = pytest.importorskip("torch")

from tests.recsys_models.cli_runner import run_recsys  # noqa: E402


_recsys = run_recsys


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    from recsys_models.data import write_synthetic_raw

    return write_synthetic_raw("criteo", tmp_path_factory.mktemp("sn") / "d.txt", 2_000, seed=6)


def _train(data, out, *extra):
    return _recsys("supernet", "train", "--space", "small", "--dataset", "criteo", "--data", data, "--hash-size", 100,
                   "--batch", 200, "--dense-widths", "16,32", "--sparse-widths", "16", "--weight-bits", "4,8",
                   "--act-bits", "8", "--threads", 1, "--val-subnets", 2, "-o", out, *extra)


def test_identical_runs_identical_bytes_and_timing_apart(data, tmp_path):
    for run in ("a", "b"):
        r = _train(data, tmp_path / f"{run}.pt", "--steps", 10, "--val-every", 4)
        assert r.returncode == 0, r.stderr
    for name in ("a.pt", "a.last.pt"):
        other = name.replace("a", "b", 1)
        assert (tmp_path / name).read_bytes() == (tmp_path / other).read_bytes(), name
    timing = json.loads((tmp_path / "a.timing.json").read_text())
    assert timing["wall_s"] > 0 and timing["samples_per_s"] > 0 and timing["steps_run"] == 10
    metrics = torch.load(tmp_path / "a.pt", weights_only=True)["metrics"]
    assert not {k for k in metrics if "per_s" in k or "seconds" in k or "wall" in k}


def test_best_state_and_patience(data, tmp_path):
    """-o holds the state of the lowest validation log loss among the validations (steps 2, 4, ...), and with
    --patience 1 the run stops at the first validation that does not improve."""
    r = _train(data, tmp_path / "sn.pt", "--steps", 30, "--val-every", 2, "--patience", 1, "--lr", 0.5)
    assert r.returncode == 0, r.stderr
    vals = [(int(s), float(v)) for s, v in re.findall(r"step (\d+): val logloss ([\d.]+)", r.stdout)]
    best_step, best = min(vals, key=lambda sv: sv[1])
    first_worse = next(i for i in range(1, len(vals)) if vals[i][1] >= min(v for _, v in vals[:i]))
    assert len(vals) == first_worse + 1  # stopped there
    metrics = torch.load(tmp_path / "sn.pt", weights_only=True)["metrics"]
    assert metrics["step"] == best_step and metrics["val_logloss"] == pytest.approx(best, abs=5e-5)
    last = torch.load(tmp_path / "sn.last.pt", weights_only=True)["train_state"]
    assert last["stopped"] and last["step"] == vals[-1][0] < 30


def test_resume_equals_an_uninterrupted_run(data, tmp_path):
    """Killed after step 7 with the last resume state at step 5: resuming from it gives the uninterrupted weights,
    subnet draws and data order (bit for bit on the CPU), including across the epoch boundary at step 8."""
    from recsys_models.data import TensorBatches, dataset_spec, load_all_splits
    from recsys_models.space import get_space
    from recsys_models.supernet.model import Supernet
    from recsys_models.supernet.train import SupernetRun, SupernetTrainConfig, train_supernet

    splits, _ = load_all_splits("criteo", data, hash_size=100)
    space = get_space("small", dense_widths=(16, 32), sparse_widths=(16,), weight_bits=(4, 8), act_bits=(4, 8))
    cfg = SupernetTrainConfig(steps=14, lr=0.1, warmup_steps=4, seed=3)

    def fresh():
        torch.manual_seed(3)
        return Supernet(space, dataset_spec("criteo", 100))

    def batches():
        return TensorBatches(*splits["train"], batch_size=200, shuffle=True, seed=3)

    whole = fresh()
    train_supernet(whole, batches(), cfg, progress=False)

    class Killed(Exception):
        pass

    states = []

    def save_state(s):
        states.append((copy.deepcopy(s), copy.deepcopy(killed.state_dict())))

    class Source(TensorBatches):
        def batches(self, epoch=None, skip=0, shard=(0, 1), device=None):
            for k, b in enumerate(super().batches(epoch, skip, shard, device)):
                if (epoch, skip + k) == (0, 7):  # the 8th batch of the first pass: after step 7
                    raise Killed
                yield b

    killed = fresh()
    with pytest.raises(Killed):
        train_supernet(killed, Source(*splits["train"], batch_size=200, shuffle=True, seed=3), cfg, progress=False,
                       run=SupernetRun(checkpoint_every=5, save_state=save_state))
    state, weights = states[-1]
    assert state["step"] == 5 and (state["epoch"], state["batch"]) == (0, 5)
    resumed = fresh()
    resumed.load_state_dict(weights)
    train_supernet(resumed, batches(), cfg, progress=False, resume=state)
    for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b), name


def test_cli_resume_and_bad_resume_files(data, tmp_path):
    assert _train(data, tmp_path / "a.pt", "--steps", 12, "--checkpoint-every", 4, "--val-every", 6).returncode == 0
    r = _train(data, tmp_path / "b.pt", "--steps", 12, "--checkpoint-every", 4, "--val-every", 6, "--resume",
               tmp_path / "a.last.pt")
    assert r.returncode == 0 and "resumed at step 12" in r.stdout  # a finished run resumes to its end at once
    cases = [
        (["--resume", tmp_path / "a.pt"], "not a resume file (no training state)"),
        (["--resume", tmp_path / "a.last.pt", "--lr", "0.3"], "resume file is from a different run: lr was 0.04"),
        (["--resume", data], "not a readable supernet resume file"),
    ]
    for extra, needle in cases:
        r = _train(data, tmp_path / "c.pt", "--steps", 12, "--checkpoint-every", 4, "--val-every", 6, *extra)
        assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = _train(data, data, "--steps", 2)
    assert r.returncode == 2 and "would overwrite the input" in r.stderr and "(--data)" in r.stderr
    r = _train(data, tmp_path / "d.pt", "--steps", 2, "--device", "cuda:7")
    assert r.returncode == 2 and r.stderr.startswith("error: --device: cuda:7: ")


def test_progress_lines_without_a_terminal(data, tmp_path):
    r = _train(data, tmp_path / "p.pt", "--steps", 6, "--progress-every", 0)
    assert r.returncode == 0
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("supernet: step ")]
    assert len(lines) >= 6
    assert re.fullmatch(r"supernet: step 6/6 \(100\.0 %\), [\d.e+]+ step/s, [\d,]+ rows/s, loss [\d.]+, "
                        r"elapsed \d:\d\d:\d\d, ETA 0:00:00", lines[-1]), lines[-1]
