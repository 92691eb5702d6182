"""Symbolic dimensions bound by --batch, --dim and --inputs (issue 19 item 1), on the reference DLRM's exports.

Expected numbers: onnxruntime through --check (the mapping against onnxruntime on the same inputs), and lookup
counts by hand (ids of the batch / batch, as the docstrings say).
"""

from __future__ import annotations

import numpy as np
import pytest

from compiler.cli import main
from tests.compiler.reference_dlrm import export


@pytest.fixture(scope="module")
def dlrm_exports(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference_dlrm")
    return {(form, opset): export(out / f"{form}{opset}.onnx", form == "multi", opset)
            for form in ("single", "multi") for opset in (11, 13, 17)}


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("opset", [11, 13, 17])
def test_single_hot_batch_on_axis_1(dlrm_exports, capsys, tmp_path, opset):
    """offsets/indices are [3 tables, batch_size]: the batch sits on axis 1.  The id list of each bag shares the
    batch symbol, so pimcompile asks for its length; with one id per bag (4 ids for batch 4) the mapping matches
    onnxruntime, prices 1 lookup per query per table, and offsets keep the batch as their axis 1."""
    from pimsim.spec.mapping import load_mapping

    path = dlrm_exports[("single", opset)]
    code, _, err = _run(capsys, path, "--batch", "4")
    assert code == 2 and err.count("\n") == 1
    assert ("input indices dimension 1 (batch_size) is the id list of EmbeddingBag" in err
            and "shares the symbol batch_size with dense_x, offsets" in err and "--dim 'indices[1]=N'" in err)
    mapping = tmp_path / "m.json"
    code, out, err = _run(capsys, path, "--batch", "4", "--dim", "indices[1]=4", "--check", "--strategy", "naive",
                          "--report", "-o", mapping)
    assert code == 0, err
    assert "(batch 4, seed 0)" in out and out.count("1 lookups/query") == 3
    values = {v.name: v for v in load_mapping(mapping).values}
    assert values["offsets"].batch_axis == 1 and values["offsets"].shape == [3]
    assert values["dense_x"].batch_axis == 0 and values["dense_x"].shape == [13]
    # an EmbeddingBag pools one bag per offset: its [bags, 4] output has the batch on axis 0 (per query 4
    # values), so the Concat view of the bottom MLP's 4 and the three bags' 4 is 16 = 4 + 3 x 4
    assert values["/emb_l.0/Loop_output_0"].batch_axis == 0 and values["/emb_l.0/Loop_output_0"].shape == [4]


@pytest.mark.parametrize("opset", [11, 13, 17])
def test_multi_hot_lookup_counts_from_dim(dlrm_exports, capsys, opset):
    """indices_k hold every id of the batch but carry the symbol batch_size: refused until bound per input.
    8, 12 and 20 ids for a batch of 4 are 2, 3 and 5 lookups per query."""
    path = dlrm_exports[("multi", opset)]
    code, _, err = _run(capsys, path, "--batch", "4")
    assert code == 2 and "input indices_0 dimension 0 (batch_size) is the id list" in err
    assert "--dim 'indices_0[0]=N'" in err and "--inputs sample.npz" in err
    code, out, err = _run(capsys, path, "--dim", "batch_size=4", "--dim", "indices_0[0]=8", "--dim", "indices_1[0]=12",
                          "--dim", "indices_2[0]=20", "--check", "--report", "--strategy", "naive")
    assert code == 0, err
    assert [n for n in (2, 3, 5) if f"{n} lookups/query" in out] == [2, 3, 5]
    assert "(batch 4, seed 0)" in out


def test_multi_hot_sizes_and_check_inputs_from_sample(dlrm_exports, capsys, tmp_path):
    """--inputs binds every symbolic axis from the sample and --check runs on its arrays (ragged bags, an empty
    bag included): 10 ids for a batch of 5 is 2 lookups per query."""
    rng = np.random.default_rng(5)
    sample = {"dense_x": rng.standard_normal((5, 13)).astype(np.float32)}
    for k in range(3):
        sample[f"offsets_{k}"] = np.array([0, 1, 1, 4, 7], np.int64)  # bag 1 is empty
        sample[f"indices_{k}"] = rng.integers(0, 20, 10).astype(np.int64)
    npz = tmp_path / "sample.npz"
    np.savez(npz, **sample)
    code, out, err = _run(capsys, dlrm_exports[("multi", 13)], "--inputs", npz, "--check", "--report",
                          "--strategy", "naive")
    assert code == 0, err
    assert f"(batch 5, inputs from {npz})" in out and out.count("2 lookups/query") == 3
    code, _, err = _run(capsys, dlrm_exports[("multi", 13)], "--inputs", npz, "--batch", "4")
    assert code == 2 and "error: --inputs: the sample's batch is 5, not 4" in err


@pytest.mark.parametrize("flags, message", [
    (["--dim", "seq_len=8"], "error: --dim: seq_len: the model has no symbolic dimension seq_len (its symbols: "
                             "batch_size)"),
    (["--dim", "batch_size=0"], "error: --dim: batch_size=0: sizes must be >= 1"),
    (["--dim", "batch_size=-3"], "error: --dim: batch_size=-3: sizes must be >= 1"),
    (["--dim", "batch_size=4", "--dim", "batch_size=8"], "error: --dim: batch_size bound twice with different sizes "
                                                         "(4 and 8)"),
    (["--dim", "batch_size=4", "--batch", "8"], "error: --dim: batch_size=4 disagrees with --batch 8"),
    (["--dim", "batch_size=4294967296"], "exceeds the largest accepted size 2147483648"),
    (["--dim", "dense_x[1]=12"], "error: --dim: dense_x[1]=12: that dimension is fixed to 13 in the model"),
    (["--dim", "dense[0]=4"], "error: --dim: dense[0]: the model has no input dense (inputs: dense_x, offsets, "
                              "indices)"),
    (["--dim", "indices[2]=4"], "error: --dim: indices[2]: input indices has 2 dimension(s)"),
    (["--dim", "batch_size"], "error: --dim: batch_size: expected NAME=N or INPUT[AXIS]=N"),
    (["--dim", "batch_size=four"], "error: --dim: batch_size=four: the size must be an integer"),
])
def test_bad_dim_flags_are_one_line_errors(dlrm_exports, capsys, flags, message):
    code, out, err = _run(capsys, dlrm_exports[("single", 13)], *flags)
    assert code == 2 and message in err and err.count("\n") == 1 and not out


def test_bad_sample_files(dlrm_exports, capsys, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    code, _, err = _run(capsys, dlrm_exports[("multi", 13)], "--inputs", bad)
    assert code == 2 and f"error: {bad}: not a NumPy .npz of arrays" in err
    extra = tmp_path / "extra.npz"
    np.savez(extra, dense=np.zeros((2, 13), np.float32))
    code, _, err = _run(capsys, dlrm_exports[("multi", 13)], "--inputs", extra)
    assert code == 2 and "error: --inputs: array dense: the model has no input dense" in err
    code, _, err = _run(capsys, dlrm_exports[("multi", 13)], "--inputs", tmp_path / "absent.npz")
    assert code == 2 and "absent.npz: no such file" in err


def test_name_is_file_stem_unless_given(dlrm_exports, capsys, tmp_path):
    """Every exporter calls its graph main_graph/torch_jit: reports and mappings use the file's stem instead."""
    from pimsim.spec.mapping import load_mapping

    path = dlrm_exports[("single", 13)]
    for extra, name in (([], "single13"), (["--name", "dlrm-criteo"], "dlrm-criteo")):
        code, _, err = _run(capsys, path, "--batch", "2", "--dim", "indices[1]=2", "-o", tmp_path / "m.json", *extra)
        assert code == 0, err
        assert load_mapping(tmp_path / "m.json").model.name == name


def test_custom_embedding_bag_with_offsets_shares_the_check(tmp_path, capsys):
    """pim::EmbeddingBag(table, ids[batch_size], offsets[batch_size]): the same refusal as the Loop form; bound,
    12 ids for a batch of 3 are 4 lookups per query."""
    from onnx import helper

    from tests.compiler.helpers import make_model

    node = helper.make_node("EmbeddingBag", ["T", "ids", "off"], ["y"], domain="pim", name="bag", mode="sum")
    table = np.random.default_rng(0).standard_normal((30, 4)).astype(np.float32)
    path = make_model(tmp_path / "bag.onnx", [node], [("ids", np.int64, ["batch_size"]),
                                                       ("off", np.int64, ["batch_size"])],
                      [("y", np.float32, ["batch_size", 4])], [("T", table)], 20, domains=("pim",))
    code, _, err = _run(capsys, path, "--batch", "3")
    assert code == 2 and "input ids dimension 0 (batch_size) is the id list of EmbeddingBag bag" in err
    code, out, err = _run(capsys, path, "--batch", "3", "--dim", "ids[0]=12", "--report", "--strategy", "naive")
    assert code == 0 and "4 lookups/query" in out, err
