"""The co-design problem on the real NASRec space and hardware space, driven by the real engine."""

from __future__ import annotations

import random

import pytest

from recsys_models.search import engine
from recsys_models.search.engine import EvolutionConfig, Scorer
from recsys_models.search.hw_space import load_hw_space
from recsys_models.search.problem import CoDesignProblem
from recsys_models.space import arch_from_json, get_space

from tests.conftest import REPO


@pytest.fixture(scope="module")
def problem():
    return CoDesignProblem(get_space("full"), load_hw_space(REPO / "configs/search/hw_small.yaml"))


def test_candidates_are_valid_and_keys_stable(problem):
    rng = random.Random(0)
    cand = problem.sample(rng)
    arch = arch_from_json(cand["arch"], get_space("full"))
    assert arch.quantized and len(arch.blocks) == 7  # per-operator precisions drawn; NASRec's 7 blocks
    assert set(cand["hw"]) == {p for _, steps in problem.hw_space.axes for p in steps[0]}
    assert problem.key(cand) == problem.key({"arch": dict(cand["arch"]), "hw": dict(cand["hw"])})
    child = problem.mutate(cand, rng)
    assert problem.key(child) != problem.key(cand)
    # exactly one half changed: the model or the hardware point
    assert (child["arch"] == cand["arch"]) != (child["hw"] == cand["hw"])


def test_float_search_stays_float():
    prob = CoDesignProblem(get_space("small"), None, quantized=False)
    rng = random.Random(1)
    cand = prob.sample(rng)
    for _ in range(30):
        cand = prob.mutate(cand, rng)
        assert not arch_from_json(cand["arch"]).quantized and cand["hw"] == {}


def test_evolution_over_the_real_space_with_an_analytic_score(problem):
    """Widths are known per candidate, so 'prefer narrow models' must drive the population's mean width down."""
    def width(c):
        return sum(m["dense_in_dims"] for m in c["arch"]["micro"]) / 7.0

    scorer = Scorer(problem, lambda cs: [{"log_loss": width(c)} for c in cs], lambda m: m["log_loss"])
    state = engine.regularized_evolution(problem, scorer, EvolutionConfig(16, 12, 8, 8, seed=0))
    first = [e.metrics["log_loss"] for e in state.evaluated[:16]]
    last = [e.metrics["log_loss"] for e in state.evaluated[-16:]]
    assert sum(last) / 16 < 0.7 * sum(first) / 16  # uniform widths average 350; selection must pull it down


def _recsys(capsys, *args):
    from recsys_models.cli import main

    code = main(["search", *args])
    return code, capsys.readouterr().err


def test_cli_bad_inputs_are_one_line_errors(tmp_path, capsys):
    from recsys_models.data.specs import dataset_spec
    from recsys_models.supernet.model import Supernet
    from recsys_models.supernet.train import save_supernet

    small_ckpt = tmp_path / "small.pt"  # a tiny (untrained) NASRec-Small supernet: only its space matters here
    save_supernet(small_ckpt, Supernet(get_space("small", dense_widths=(16,), sparse_widths=(16,)),
                                       dataset_spec("criteo", 100)))
    hw = tmp_path / "hw.yaml"
    hw.write_text("schema_version: 1\nbase_arch: default\nvary:\n  pe.adc.bitz: [6]\n")
    cases = [
        (["--objective", "scalar:speed=1@2"], "unknown metric 'speed'"),
        (["--hw-space", str(hw)], "vary.pe.adc.bitz"),
        (["--scheduler", "10.1.1.1"], "--scheduler"),
        (["--supernet", str(small_ckpt)], "checkpoint is a NASRec-small supernet; the search space is full"),
    ]
    for extra, needle in cases:
        code, err = _recsys(capsys, "--space", "full", "--dataset", "criteo", "-o", str(tmp_path / "o"), *extra)
        assert code == 2, err
        assert err.startswith("error: ") and needle in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1


def test_candidate_key_embeds_the_space_arch_hash(problem):
    """The fast key hashes the arch dict directly; it must equal recsys_models.space.arch_hash of the decoded arch."""
    from recsys_models.space import arch_hash

    cand = problem.sample(random.Random(5))
    assert problem.key(cand).split("-")[0] == arch_hash(arch_from_json(cand["arch"]))


def test_seed_arch_outside_the_space_is_named(tmp_path, capsys):
    """NASRec's published Criteo-Small architecture uses widths (256, 1024, ...) that a 16-wide space lacks."""
    from recsys_models.data.specs import dataset_spec
    from recsys_models.supernet.model import Supernet
    from recsys_models.supernet.train import save_supernet

    ckpt = tmp_path / "small.pt"
    save_supernet(ckpt, Supernet(get_space("small", dense_widths=(16,), sparse_widths=(16,)),
                                 dataset_spec("criteo", 100)))
    seed = REPO / "recsys_models/configs/nasrec/criteo_small.json"
    code, err = _recsys(capsys, "--space", "small", "--dataset", "criteo", "--supernet", str(ckpt),
                        "--seed-arch", str(seed), "-o", str(tmp_path / "o"))
    assert code == 2 and err.startswith(f"error: {seed}: micro[0].dense_in_dims"), err
