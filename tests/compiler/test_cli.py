"""``pimcompile`` end to end: writes mapping + weights, reports, checks."""

from __future__ import annotations

from compiler.cli import main


def test_compile_report_check(project_models, tmp_path, capsys):
    out = tmp_path / "dlrm.json"
    code = main([str(project_models["dlrm"]), "-o", str(out), "--report", "--check", "--batch", "2",
                 "--strategy", "naive"])
    text = capsys.readouterr().out
    assert code == 0 and out.exists() and (tmp_path / "dlrm.weights.npz").exists()
    # DLRM: 7 Linear layers -> 267 crossbars (hand count in test_passes), 26 tables, 1 bmm
    assert "crossbars used: 267 of 4096" in text
    assert "embedding 26" in text and "mvm 7" in text and "dynamic_mvm 1" in text
    assert "/inner/top/top.0/Gemm" in text and "367x512 w8/a8 bits" in text
    assert "check: largest |mapping - onnxruntime| =" in text and "(batch 2, seed 0)" in text


def test_compile_without_output_says_nothing_written(project_models, capsys):
    assert main([str(project_models["deepfm"])]) == 0
    assert "nothing written" in capsys.readouterr().out
