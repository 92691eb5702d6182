"""FLOPs (multiply-accumulates) per inference counted from an exported ONNX graph."""

from __future__ import annotations

import pytest

from recsys_models.oracles.flops import onnx_flops


def test_dlrm_flops_match_a_hand_count(tmp_path):
    """DLRM on Criteo shapes (13 dense, 26 tables, dim 16), bottom 13-512-256-64-16, top 367-512-256-1.

    Hand count: bottom 13*512 + 512*256 + 256*64 + 64*16 = 155,136; interaction bmm 27*27*16 = 11,664;
    top (16 + 27*26/2 = 367) * 512 + 512*256 + 256*1 = 319,232; total 486,032.
    """
    pytest.importorskip("torch")
    from recsys_models.baselines import build_model
    from recsys_models.export.onnx_export import export_model

    model = build_model("dlrm", 13, [10] * 26)
    path = export_model(model, tmp_path / "dlrm.onnx", 13, [10] * 26, batch=1)
    assert onnx_flops(path) == 486_032
