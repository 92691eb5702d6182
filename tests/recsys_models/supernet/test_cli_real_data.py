"""End to end on the real Criteo sample: a short supernet run through the CLI, then eval and export from it."""

from __future__ import annotations

import json

import numpy as np
import torch

from recsys_models.cli import main
from recsys_models.space import arch_to_json, get_space, sample_arch
from tests.conftest import shared_data_file


def test_supernet_cli_on_criteo_sample(tmp_path, capsys):
    data = shared_data_file("criteo/criteo_train_head10k.txt.gz")
    ckpt = tmp_path / "sn.pt"
    common = ["--dataset", "criteo", "--data", str(data), "--batch", "128", "--hash-size", "1000"]
    assert main(["supernet", "train", "--space", "small", *common, "--steps", "12", "--warmup-steps", "3",
                 "--dense-widths", "16,32", "--sparse-widths", "16", "--threads", "1",
                 "--checkpoint-every", "6", "-o", str(ckpt)]) == 0
    out = capsys.readouterr().out
    assert "12 steps, 1536 rows" in out  # 12 steps x 128 rows
    # one validation (the default interval, a pass over 8,000 rows = 63 steps, exceeds the run): at the last step,
    # so the best state saved to -o is the step-12 state, and the resume file is beside it
    payload = torch.load(ckpt, weights_only=True)
    assert payload["metrics"]["step"] == 12 and 0 < payload["metrics"]["val_logloss"] < 5
    last = torch.load(tmp_path / "sn.last.pt", weights_only=True)
    assert last["train_state"]["step"] == 12 and last["metrics"] == {}
    assert all(torch.equal(a, b) for a, b in zip(payload["state_dict"].values(), last["state_dict"].values()))
    arch = tmp_path / "arch.json"
    space = get_space("small", dense_widths=(16, 32), sparse_widths=(16,))
    arch.write_text(json.dumps(arch_to_json(sample_arch(space, np.random.default_rng(2)))))
    capsys.readouterr()
    assert main(["supernet", "eval", "--supernet", str(ckpt), "--arch", str(arch), *common[:-2],
                 "--finetune-steps", "20"]) == 0  # eval reads the rows with the supernet's own table sizes
    line = capsys.readouterr().out
    loss = float(line.split("val logloss ")[1].split(",")[0])
    assert 0.2 < loss < 1.0  # label rate 0.218 -> the constant predictor scores 0.52 (hand: H(0.218) in nats)
    onnx_path = tmp_path / "m.onnx"
    assert main(["supernet", "export", "--supernet", str(ckpt), "--arch", str(arch), "-o", str(onnx_path)]) == 0
    assert "QuantizeLinear/DequantizeLinear pairs" in capsys.readouterr().out and onnx_path.exists()


def test_export_bad_arch_is_one_line_error(tmp_path, capsys):
    bad = tmp_path / "a.json"
    bad.write_text('{"config": "xlarge", "macro": 3}')
    assert main(["supernet", "export", "--arch", str(bad), "-o", str(tmp_path / "m.onnx")]) == 2
    assert capsys.readouterr().err.strip() == f"error: {bad}: macro: expected a list of 7 blocks"
    assert not (tmp_path / "m.onnx").exists()
