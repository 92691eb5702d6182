"""Interruption without loss: SIGKILL at seeded random moments, then the same command again.

- search: the evolution + JSONL history (recsys_models.search) on the analytic toy problem of
  tests/recsys_models/search/toy.py, killed three times; every finished candidate is in the
  history exactly once, every line parses, and the resumed search ends with exactly the
  candidates of an uninterrupted run (resume is deterministic);
- sweep: the real ``pimsim sweep`` CLI (compile + simulate per point, 16 points), killed once mid-way,
  re-run: every point exactly once, status ok, the table equal to an uninterrupted run's;
- Ctrl-C (SIGINT): exit 130 and a one-line summary of what is on disk.

The API-level sweep kill test (pool workers do not outlive the sweep) is
tests/pimsim/sweep/test_kill.py; the torn-tail repair of the history is
tests/recsys_models/search/test_engine.py::test_history_torn_tail_is_repaired_and_corruption_named.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.robustness.test_determinism import SWEEP

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(REPO)}
SEARCH = """
import json, sys, time
from recsys_models.search import engine, objectives
from recsys_models.search.engine import EvolutionConfig, Scorer
from recsys_models.search.history import HistoryWriter
from tests.recsys_models.search import toy

def slow(cands):
    time.sleep(0.02 * len(cands))  # long enough for a kill to land mid-search
    return [toy.toy_metrics(c) for c in cands]

cfg = EvolutionConfig(population=16, generations=30, children=4, sample_size=8, seed=5)
obj = objectives.parse_objective("accuracy")
with HistoryWriter(sys.argv[1], {"seed": 5, "space": "toy"}) as hist:
    scorer = Scorer(toy.ToyProblem(), slow, obj.fitness, hist.known_metrics(),
                    lambda e: hist.append(e.key, e.generation, e.candidate, e.metrics), hist.sync)
    state = engine.regularized_evolution(toy.ToyProblem(), scorer, cfg)
print(json.dumps([e.key for e in state.evaluated]))
"""


def _default_sigint():
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a background shell may have set SIG_IGN


def _popen(args, cwd):
    return subprocess.Popen(args, cwd=cwd, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_default_sigint)


def _history_keys(path: Path) -> list[str]:
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"", "history ends in a torn line after a resume"
    records = [json.loads(line) for line in lines[:-1]]  # every line parses
    assert records[0]["kind"] == "header"
    return [r["key"] for r in records[1:]]


def test_search_killed_three_times_resumes_to_the_uninterrupted_result(tmp_path):
    reference = subprocess.run([sys.executable, "-c", SEARCH, str(tmp_path / "ref.jsonl")], cwd=REPO, env=ENV,
                               capture_output=True, timeout=300)
    assert reference.returncode == 0, reference.stderr.decode()[-2000:]
    history = tmp_path / "history.jsonl"
    rng = random.Random(12)
    kills = 0
    for _ in range(3):
        proc = _popen([sys.executable, "-c", SEARCH, str(history)], REPO)
        before = len(_history_keys(history)) if history.exists() else 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:  # wait for progress, then a random delay
            if history.exists() and len(history.read_bytes().split(b"\n")) > before + 2:
                break
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.4))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate()
        keys = _history_keys(history) if history.exists() else []
        assert len(keys) == len(set(keys)), "a candidate recorded twice"
    assert kills >= 2, "the search finished before it could be killed: the test would not mean anything"
    final = subprocess.run([sys.executable, "-c", SEARCH, str(history)], cwd=REPO, env=ENV, capture_output=True,
                           timeout=300)
    assert final.returncode == 0, final.stderr.decode()[-2000:]
    assert json.loads(final.stdout) == json.loads(reference.stdout)
    keys = _history_keys(history)
    assert len(keys) == len(set(keys)) and set(keys) == set(_history_keys(tmp_path / "ref.jsonl"))


def _sweep_cmd(*extra):
    return [sys.executable, "-c", "import sys; from pimsim.cli import main; sys.exit(main())", "sweep", "sweep.yaml",
            "-o", "results.csv", "--workers", "1", *extra]


def _prepare(workdir: Path, model: Path) -> None:
    workdir.mkdir()
    (workdir / "model.onnx").write_bytes(model.read_bytes())
    text = SWEEP.replace("[6, 8]", "[5, 6, 7, 8]").replace("  pe.crossbar.rows: [64, 128]\n",
                                                             "  pe.crossbar.rows: [64, 128]\n"
                                                             "  pe.adc.per_crossbar: [1, 2]\n")
    assert text.count("\n  pe.") == 3
    (workdir / "sweep.yaml").write_text(text)  # 4 x 2 x 2 = 16 points


def _wait_rows(csv: Path, rows: int, proc, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and proc.poll() is None:
        if csv.exists() and len(csv.read_bytes().split(b"\n")) > rows + 1:
            return
        time.sleep(0.05)


def test_sweep_cli_sigkill_then_rerun(tmp_path, dlrm_onnx):
    from pimsim.sweep.results import read_results

    work = tmp_path / "run"
    _prepare(work, dlrm_onnx)
    proc = _popen(_sweep_cmd(), work)
    _wait_rows(work / "results.csv", 2, proc)
    time.sleep(random.Random(3).uniform(0.0, 0.3))
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    partial = read_results(work / "results.csv")
    assert 1 <= len(partial) < 16, "kill mid-way for the test to mean anything"
    done = subprocess.run(_sweep_cmd(), cwd=work, env=ENV, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    rows = read_results(work / "results.csv")
    hashes = [r["point_hash"] for r in rows]
    assert len(hashes) == 16 == len(set(hashes)) and all(r["status"] == "ok" for r in rows)
    raw = (work / "results.csv").read_text().splitlines()
    assert len(raw) - 1 == 16, "a point journaled twice"
    by_hash = {r["point_hash"]: r for r in partial}
    for r in rows:  # points finished before the kill were kept, not redone
        if r["point_hash"] in by_hash:
            assert r["point_wall_s"] == by_hash[r["point_hash"]]["point_wall_s"]


def test_sweep_ctrl_c_exits_130_with_a_summary(tmp_path, dlrm_onnx):
    work = tmp_path / "run"
    _prepare(work, dlrm_onnx)
    proc = _popen(_sweep_cmd(), work)
    _wait_rows(work / "results.csv", 1, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err.decode()
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err.decode(), err.decode()
    assert lines[0].startswith("error: interrupted: ") and "of 16 points recorded in results.csv" in lines[0]


def test_search_ctrl_c_summary(tmp_path, capsys, monkeypatch):
    """``recsys search`` interrupted after two recorded candidates: exit 130 and one line saying so.
    (The run itself is replaced by one that records two candidates and is then interrupted: a real
    search needs a trained supernet, too slow here.)"""
    from recsys_models.search import runner
    from recsys_models.search.history import HistoryWriter
    from tests.robustness.conftest import call

    out = tmp_path / "search"

    def interrupted(opts):
        with HistoryWriter(out / "history.jsonl", {"seed": 0}) as hist:
            hist.append("a", 0, {"x": [1]}, {"log_loss": 0.5})
            hist.append("b", 0, {"x": [2]}, {"log_loss": 0.4})
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_search", interrupted)
    result = call(capsys, "recsys", "search", "--space", "small", "--dataset", "criteo", "-o", out)
    assert result.code == 130
    assert result.err.strip() == (f"error: interrupted: 2 candidates recorded in {out / 'history.jsonl'}; "
                                  "re-run the same command to resume")
    assert not (out / "summary.json").exists()


def test_pimcompile_killed_at_random_moments_never_leaves_a_torn_mapping(tmp_path, dlrm_onnx):
    """mapping.json and its weights npz are written to a temporary file and renamed: after a SIGKILL
    at any moment, the previous complete pair (or the new one) is what is on disk, never half a file."""
    from pimsim.spec.mapping import load_mapping

    (tmp_path / "model.onnx").write_bytes(dlrm_onnx.read_bytes())
    cmd = [sys.executable, "-c", "import sys; from compiler.cli import main; sys.exit(main())", "model.onnx",
           "-o", "mapping.json"]
    first = subprocess.run(cmd, cwd=tmp_path, env=ENV, capture_output=True, timeout=300)
    assert first.returncode == 0, first.stderr.decode()[-2000:]
    reference = (tmp_path / "mapping.json").read_bytes(), (tmp_path / "mapping.weights.npz").read_bytes()
    rng = random.Random(7)
    for _ in range(4):
        proc = _popen(cmd, tmp_path)
        time.sleep(rng.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        now = (tmp_path / "mapping.json").read_bytes(), (tmp_path / "mapping.weights.npz").read_bytes()
        assert now == reference  # same input, same bytes: old or new, both complete
        load_mapping(tmp_path / "mapping.json")
