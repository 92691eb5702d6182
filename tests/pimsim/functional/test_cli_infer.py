"""``pimsim infer`` on the hand-written MLP mapping: output file equals the API's result."""

from __future__ import annotations

import numpy as np

from pimsim.cli import main
from pimsim.functional import infer
from tests.pimsim.functional.tiny_mlp import K, write_tiny_mlp


def test_infer_writes_outputs_and_reports_error(tmp_path, capsys):
    mapping = write_tiny_mlp(tmp_path)
    x = np.random.default_rng(0).standard_normal((10, K)).astype(np.float32)
    np.savez(tmp_path / "in.npz", x=x)
    rc = main(["infer", str(mapping), "--inputs", str(tmp_path / "in.npz"), "-o", str(tmp_path / "o.npz"),
               "--adc-bits", "5", "--variation-sigma", "0.02", "--seed", "1"])
    assert rc == 0
    with np.load(tmp_path / "o.npz") as out:
        got = out["p"]
    want = infer(mapping, {"x": x}, adc_bits=5, variation_sigma=0.02, seed=1)["p"]
    np.testing.assert_array_equal(got, want)
    assert "p: max_abs_error_vs_ideal=" in capsys.readouterr().out


def test_bad_inputs_are_one_line_errors(tmp_path, capsys):
    mapping = write_tiny_mlp(tmp_path)
    np.savez(tmp_path / "in.npz", y=np.zeros((2, K), np.float32))
    rc = main(["infer", str(mapping), "--inputs", str(tmp_path / "in.npz"), "-o", str(tmp_path / "o.npz")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: --inputs: graph input x is missing") and err.count("\n") == 1
    assert not (tmp_path / "o.npz").exists()
    rc = main(["infer", str(mapping), "--inputs", str(tmp_path / "in.npz"), "-o", "o.npz", "--adc-bits", "40"])
    assert rc == 2 and "--adc-bits: 40: must be at most 16" in capsys.readouterr().err


def test_infer_builds_inputs_from_a_data_file(tmp_path, capsys):
    """``--data FILE --rows N``: the graph inputs are the first N rows of the split, preprocessed as training does
    (``recsys_models.data.load_split``), with the tables' cap read from the mapping; the outputs equal the API's
    on those tensors."""
    from compiler.cli import main as pimcompile
    from recsys_models.cli import main as recsys
    from recsys_models.data import load_split, write_synthetic_raw

    raw = tmp_path / "train.txt"
    write_synthetic_raw("criteo", raw, 400)
    assert recsys(["export", "dlrm", "--hash-size", "64", "-o", str(tmp_path / "d.onnx")]) == 0
    assert pimcompile([str(tmp_path / "d.onnx"), "-o", str(tmp_path / "d.json")]) == 0
    capsys.readouterr()
    assert main(["infer", str(tmp_path / "d.json"), "--data", str(raw), "--rows", "20", "--ideal",
                 "-o", str(tmp_path / "o.npz")]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {tmp_path / 'o.npz'}: 20 queries (prob)")
    dense, sparse, _ = load_split("criteo", raw, "test", hash_size=64)
    want = infer(str(tmp_path / "d.json"), {"dense": dense[:20].numpy(), "sparse": sparse[:20].numpy()}, ideal=True)
    with np.load(tmp_path / "o.npz") as out:
        np.testing.assert_array_equal(out["prob"], want["prob"])
    rc = main(["infer", str(tmp_path / "d.json"), "--data", str(raw), "--hash-size", "1000", "-o",
               str(tmp_path / "x.npz")])
    assert rc == 2 and "--hash-size: 1000: gives criteo tables of" in capsys.readouterr().err
