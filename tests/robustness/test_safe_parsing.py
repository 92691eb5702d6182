"""Safe parsing: YAML only through the safe loader, checkpoints only with ``weights_only=True``,
no pickle anywhere a user file is read, Dask clusters the tools start bound to loopback; a
checkpoint carrying code is refused without running it.

The static checks walk the syntax tree of every module in the three packages (and benchmarks/),
so a new unsafe call fails this test wherever it is added.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.robustness.conftest import assert_clean_error, call

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("pimsim", "compiler", "recsys_models", "benchmarks")


def _calls():
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    yield path.relative_to(REPO), node


def _name(func) -> str:
    if isinstance(func, ast.Attribute):
        return f"{_name(func.value)}.{func.attr}"
    return func.id if isinstance(func, ast.Name) else "?"


def _kw(call: ast.Call, key: str):
    for kw in call.keywords:
        if kw.arg == key:
            return kw.value
    return None


def _is_const(node, value) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


ALL_CALLS = list(_calls())


def test_scan_covers_the_code():
    assert len(ALL_CALLS) > 1000 and any(str(p).startswith("compiler") for p, _ in ALL_CALLS)


def test_yaml_is_only_loaded_safely():
    bad = [f"{p}:{c.lineno}" for p, c in ALL_CALLS
           if _name(c.func) in {"yaml.load", "yaml.load_all", "yaml.full_load", "yaml.unsafe_load",
                                "yaml.unsafe_load_all", "yaml.full_load_all"}]
    assert not bad, f"unsafe YAML loading at {bad}"


def test_torch_load_is_weights_only():
    loads = [(p, c) for p, c in ALL_CALLS if _name(c.func) == "torch.load"]
    assert loads, "no torch.load found: the scan is looking in the wrong place"
    bad = [f"{p}:{c.lineno}" for p, c in loads if not _is_const(_kw(c, "weights_only"), True)]
    assert not bad, f"torch.load without weights_only=True at {bad}"


def test_no_pickle_of_user_files():
    bad = [f"{p}:{c.lineno}" for p, c in ALL_CALLS
           if _name(c.func) in {"pickle.load", "pickle.loads", "cloudpickle.load", "dill.load", "joblib.load"}
           or (_name(c.func) in {"np.load", "numpy.load"} and _is_const(_kw(c, "allow_pickle"), True))]
    assert not bad, f"unpickling at {bad}"


def test_local_dask_clusters_listen_on_loopback():
    clusters = [(p, c) for p, c in ALL_CALLS if _name(c.func).endswith("LocalCluster")]
    bad = []
    for p, c in clusters:
        host = _kw(c, "host")
        ok = (isinstance(host, ast.Constant) and host.value in ("127.0.0.1", "localhost")) or (
            isinstance(host, ast.Name) and host.id == "LOOPBACK")
        if not ok:
            bad.append(f"{p}:{c.lineno}")
    assert not bad, f"LocalCluster without a loopback host at {bad}"
    from pimsim.sweep.executor import LOOPBACK

    assert LOOPBACK == "127.0.0.1"


@pytest.fixture
def evil_checkpoint(tmp_path):
    """A torch file whose unpickling would create ``PWNED`` (a harmless stand-in for running code)."""
    torch = pytest.importorskip("torch")
    marker = tmp_path / "PWNED"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))

    path = tmp_path / "evil.pt"
    torch.save({"format": "recsys-checkpoint", "payload": Evil()}, path)
    return path, marker


def test_checkpoint_with_code_is_refused_by_evaluate(tmp_path, capsys, evil_checkpoint):
    path, marker = evil_checkpoint
    data = tmp_path / "data.txt"
    data.write_text("0\t1\n")
    line = assert_clean_error(call(capsys, "recsys", "evaluate", path, "--data", data), str(path))
    assert "refused" in line and "weights_only=False" not in line
    assert not marker.exists(), "the checkpoint's code ran"


def test_checkpoint_with_code_is_refused_by_export(tmp_path, capsys, evil_checkpoint):
    path, marker = evil_checkpoint
    out = tmp_path / "m.onnx"
    assert_clean_error(call(capsys, "recsys", "export", path, "-o", out), str(path), outputs=(out,))
    assert not marker.exists(), "the checkpoint's code ran"


def test_yaml_python_tags_are_not_constructed(tmp_path, capsys):
    marker = tmp_path / "PWNED"
    path = tmp_path / "arch.yaml"
    path.write_text(f"!!python/object/apply:pathlib.Path.touch [{str(marker)!r}]\n")
    assert_clean_error(call(capsys, "pimsim", "area", path), str(path))
    assert not marker.exists()


def test_sweep_paths_resolve_relative_to_the_sweep_file(tmp_path, capsys, monkeypatch, tiny_onnx):
    """Run from another directory: the workload, policy and base arch named in the sweep file are
    found next to the file, not in the working directory."""
    import yaml

    from pimsim.spec.arch import load_arch

    sweeps = tmp_path / "sweeps"
    sweeps.mkdir()
    (sweeps / "tiny.onnx").write_bytes(tiny_onnx.read_bytes())
    (sweeps / "policy.yaml").write_text("default: {weight_bits: 8}\n")
    (sweeps / "base.yaml").write_text(yaml.safe_dump(load_arch("default").model_dump(mode="json")))
    (sweeps / "s.yaml").write_text(yaml.safe_dump({
        "schema_version": 1, "name": "rel", "workloads": [{"onnx": "tiny.onnx"}], "base_arch": "base.yaml",
        "vary": {"pe.adc.bits": [6, 8]}, "compile": {"precision_policy": "policy.yaml"}}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = call(capsys, "pimsim", "sweep", "../sweeps/s.yaml", "-o", "out.csv", "--dry-run")
    assert result.code == 0, result.err
    assert result.out.startswith("2 points: 1 workload(s), 2 architectures")


def test_hw_space_base_resolves_relative_to_the_file(tmp_path, monkeypatch):
    import yaml

    from pimsim.spec.arch import load_arch
    from recsys_models.search.hw_space import load_hw_space

    spaces = tmp_path / "spaces"
    spaces.mkdir()
    arch = load_arch("default").model_dump(mode="json")
    arch["chip"]["tiles"] = 32
    (spaces / "mine.yaml").write_text(yaml.safe_dump(arch))
    (spaces / "hw.yaml").write_text(yaml.safe_dump({"schema_version": 1, "base_arch": "mine.yaml",
                                                   "vary": {"pe.adc.bits": [6, 8]}}))
    monkeypatch.chdir(tmp_path)
    space = load_hw_space("spaces/hw.yaml")
    assert space.size() == 2 and space.apply({"pe.adc.bits": 6})["chip"]["tiles"] == 32
