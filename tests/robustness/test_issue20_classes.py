"""One bad input per row of issue 20's table and per input kind, through the real commands.

Issue 20 ran an independent corpus of ~1,225 bad inputs (truncations and bit flips of real
files, mutated configurations, special files, absurd options) and tabulated what went wrong.
Each case here reproduces one row for one input kind, and checks the contract of
docs/robustness.md: exactly one stderr line ``error: <file or flag>: <problem>`` naming the
file or flag given in ``names`` (and the problem, in ``says``), a non-zero exit, no traceback,
no "internal error", and the case's directory unchanged afterwards -- nothing written, nothing
modified, no temporary file left.  Cases with special files or absurd sizes run in a
subprocess with a timeout, so a regression to a hang fails instead of blocking the suite.

``docs/robustness.md`` counts these cases per row (``python -m tests.robustness.corpus_counts``).
Rows whose fix belongs to another part of the project are marked ``xfail(strict=True)`` with the
owner named: when the fix lands, the case passes and the marker must go.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.robustness.conftest import call

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Case:
    row: str
    """The row of issue 20's table (``ROWS``)."""
    kind: str
    """The input kind at fault."""
    argv: tuple[str, ...]
    """``tool arg ...``; ``{d}`` is the case's directory."""
    names: str
    """The file or flag the error line must name."""
    says: str = ""
    """A fragment of the problem the line must state."""
    setup: str = ""
    """A function of this module preparing the case's special inputs (``setup_<name>(d)``)."""
    subprocess: bool = False
    xfail: str = ""
    env: dict = field(default_factory=dict)


ROWS = {
    "internal": "'internal error' instead of a message naming the problem",
    "hang": "hang (no exit within 30-240 s)",
    "killed": "killed by the kernel (out of memory)",
    "absurd": "absurd value accepted",
    "silent": "bad input accepted silently",
    "invalid-onnx": "invalid ONNX compiled into a mapping",
    "nonsense-option": "nonsense options accepted with exit 0",
    "half-written": "half-written output after a failure",
    "overwritten": "input overwritten by an output",
    "wrong-name": "error that names the wrong thing",
}

CASES = [
    # -- "internal error" instead of a message naming the problem --------------------------------------------
    Case("internal", "CTR data (.gz)", ("recsys", "train", "--model", "lr", "--dataset", "criteo", "--data",
         "{d}/cut.txt.gz", "-o", "{d}/run"), "cut.txt.gz", "truncated gzip file"),
    Case("internal", "CTR data (.gz)", ("recsys", "evaluate", "{d}/lr.pt", "--data", "{d}/crc.txt.gz"),
         "crc.txt.gz", "corrupt gzip data: CRC check failed"),
    Case("internal", "CTR data (.gz)", ("pimsim", "infer", "{d}/dlrm.json", "--data", "{d}/cut.txt.gz", "-o",
         "{d}/o.npz"), "cut.txt.gz", "truncated gzip file"),
    Case("internal", "inputs .npz (huge shape)", ("pimsim", "infer", "{d}/m.json", "--inputs", "{d}/huge.npz", "-o",
         "{d}/o.npz"), "huge.npz", "declares an array too large to load", setup="huge_npz", subprocess=True),
    Case("internal", "KDD profile", ("recsys", "train", "--model", "lr", "--dataset", "kdd", "--data",
         "{d}/kdd/training.txt", "-o", "{d}/run"), "userid_profile.txt", "larger than", setup="huge_kdd_user"),
    Case("internal", "arch.yaml", ("pimsim", "area", "{d}/zero_clock.yaml"), "zero_clock.yaml",
         "clock_mhz=0", setup="zero_clock"),
    Case("internal", "arch.yaml", ("pimsim", "area", "{d}/inf.yaml"), "inf.yaml",
         "only finite numbers are allowed", setup="inf_arch"),
    Case("internal", "mapping.json", ("pimsim", "run", "{d}/nan.json"), "nan.json", "NaN is not a finite number",
         setup="nan_mapping"),
    Case("internal", "mapping.json (overflow)", ("pimsim", "run", "{d}/slow_dram.json", "--json"), "slow_dram.json",
         "embedding.dram.latency_ns", setup="slow_dram_mapping", subprocess=True),
    Case("internal", "output path", ("pimcompile", "{d}/tiny.onnx", "-o", "{d}/tiny.onnx/m.json"), "m.json",
         "is a file, not a directory"),
    Case("internal", "output path", ("pimsim", "area", "default", "--plot", "{d}"), "{d}", "is a directory"),
    Case("internal", "output path", ("pimsim", "run", "{d}/m.json", "--trace", "/sys/pim_trace.json"),
         "/sys/pim_trace.json", "cannot write"),
    Case("internal", "mapping.json (long program)", ("pimsim", "run", "{d}/m_long.json", "--batch", "100000"),
         "m_long.json", "more than the simulator's event times hold", setup="long_mapping", subprocess=True),
    Case("internal", "checkpoint", ("recsys", "evaluate", "{d}/no_config.pt", "--data", "{d}/criteo.txt"),
         "no_config.pt", "lacks 'config'", setup="ckpt_no_config"),
    Case("internal", "checkpoint", ("recsys", "export", "{d}/foreign.pt", "-o", "{d}/x.onnx"), "foreign.pt",
         "weights do not fit a lr", setup="ckpt_foreign"),
    Case("internal", "checkpoint", ("recsys", "evaluate", "{d}/supernet.pt", "--data", "{d}/criteo.txt"),
         "supernet.pt", "not a recsys checkpoint", setup="ckpt_supernet"),
    Case("internal", "checkpoint", ("recsys", "supernet", "eval", "--supernet", "{d}/lr.pt", "--arch",
         "criteo_small", "--data", "{d}/criteo.txt"), "lr.pt", "not a supernet checkpoint"),
    Case("internal", "checkpoint", ("recsys", "evaluate", "{d}/cut.pt", "--data", "{d}/criteo.txt"), "cut.pt",
         "not a readable recsys checkpoint", setup="ckpt_cut"),
    Case("internal", "command line (null byte)", ("pimsim", "run", "{d}/m\x00.json"), "--", "null byte"),
    Case("internal", "sweep file (null byte)", ("pimsim", "sweep", "{d}/null.yaml", "-o", "{d}/r.csv"), "null.yaml",
         "null byte", setup="sweep_null"),
    Case("internal", "results table (empty)", ("pimsim", "plot", "{d}/header_only.csv", "-o", "{d}/p.png"),
         "header_only.csv", "no successful point", setup="results_header_only"),
    Case("internal", "hardware space (empty)", ("recsys", "search", "--space", "small", "--dataset", "criteo",
         "--hw-space", "{d}/hw_empty.yaml", "-o", "{d}/s"), "hw_empty.yaml", "give no axis", setup="hw_empty"),
    Case("internal", "ONNX (deep nesting)", ("pimcompile", "{d}/deep.onnx", "-o", "{d}/deep.json"), "deep.onnx",
         setup="deep_onnx", subprocess=True),
    # -- hang -------------------------------------------------------------------------------------------------
    Case("hang", "arch.yaml (FIFO)", ("pimsim", "area", "{d}/fifo.yaml"), "fifo.yaml", "named pipe",
         setup="fifos", subprocess=True),
    Case("hang", "ONNX (FIFO)", ("pimcompile", "{d}/fifo.onnx", "-o", "{d}/x.json"), "fifo.onnx", "named pipe",
         setup="fifos", subprocess=True),
    Case("hang", "hardware space (FIFO)", ("recsys", "search", "--space", "small", "--dataset", "criteo",
         "--hw-space", "{d}/fifo.yaml", "-o", "{d}/s"), "fifo.yaml", "named pipe", setup="fifos", subprocess=True),
    Case("hang", "weights .npz (FIFO)", ("pimsim", "infer", "{d}/m_fifo.json", "--inputs", "{d}/in.npz", "-o",
         "{d}/o.npz"), "fifo.npz", "named pipe", setup="fifo_weights", subprocess=True),
    Case("hang", "CTR data (FIFO)", ("recsys", "train", "--model", "lr", "--dataset", "criteo", "--data",
         "{d}/fifo.gz", "-o", "{d}/run"), "fifo.gz", "named pipe", setup="fifos", subprocess=True),
    Case("hang", "mapping.json (device)", ("pimsim", "run", "/dev/zero"), "/dev/zero", "is a device",
         subprocess=True),
    Case("hang", "mapping.json (2^40 vectors)", ("pimsim", "run", "{d}/m_huge_m.json"), "m_huge_m.json",
         "m=1099511627776: more than 65,536", setup="huge_m", subprocess=True),
    Case("hang", "ONNX (8 x 2M Gemm)", ("pimcompile", "{d}/wide.onnx", "-o", "{d}/wide.json"), "default",
         "even packed", setup="wide_gemm", subprocess=True),
    Case("hang", "command line (--sample)", ("recsys", "space", "--space", "full", "--sample", "1000000000"),
         "--sample", "must be at most 10,000,000"),
    # -- killed by the kernel ---------------------------------------------------------------------------------
    Case("killed", "command line (--batch)", ("pimsim", "run", "{d}/m.json", "--batch", "2147483648"), "--batch",
         "must be at most 1,000,000"),
    Case("killed", "mapping.json (batch x tasks)", ("pimsim", "run", "{d}/dlrm.json", "--batch", "1000000"),
         "--batch", "needs about", subprocess=True),
    Case("killed", "command line (--max-memory-gb)", ("pimcompile", "{d}/dlrm.onnx", "-o", "{d}/x.json",
         "--max-memory-gb", "0.001"), "dlrm.onnx", "more than the 1 MB allowed by --max-memory-gb"),
    # -- absurd value accepted --------------------------------------------------------------------------------
    Case("absurd", "arch.yaml (result overflows)", ("pimsim", "run", "{d}/hot_dram.json", "--json"),
         "hot_dram.json", "embedding.dram.energy_pj_per_bit", setup="hot_dram_mapping"),
    Case("absurd", "sweep file (points)", ("pimsim", "sweep", "{d}/huge_sweep.yaml", "-o", "{d}/r.csv",
         "--dry-run"), "huge_sweep.yaml", "points: more than 100,000", setup="huge_sweep"),
    Case("absurd", "hardware space (values)", ("recsys", "search", "--space", "small", "--dataset", "criteo",
         "--hw-space", "{d}/hw_huge.yaml", "-o", "{d}/s"), "hw_huge.yaml", "more than 1024", setup="hw_huge"),
    Case("absurd", "command line (--trace-limit)", ("pimsim", "run", "{d}/m.json", "--trace", "{d}/t.json",
         "--trace-limit", "1000000"), "--trace-limit", "must be at most 256"),
    Case("absurd", "command line (--area-budget-mm2)", ("pimcompile", "{d}/tiny.onnx", "--area-budget-mm2", "1e30"),
         "--area-budget-mm2", "must be at most 70,000"),
    Case("absurd", "command line (--hash-size)", ("recsys", "export", "dlrm", "-o", "{d}/x.onnx", "--hash-size",
         "1e12"), "--hash-size", "not an integer"),
    # -- bad input accepted silently --------------------------------------------------------------------------
    Case("silent", "arch.yaml (duplicate key)", ("pimsim", "area", "{d}/dup.yaml"), "dup.yaml",
         "duplicate key 'clock_mhz'", setup="dup_arch"),
    Case("silent", "sweep file (duplicate key)", ("pimsim", "sweep", "{d}/dup_sweep.yaml", "-o", "{d}/r.csv"),
         "dup_sweep.yaml", "duplicate key 'vary'", setup="dup_sweep"),
    Case("silent", "hardware space (duplicate key)", ("recsys", "search", "--space", "small", "--dataset", "criteo",
         "--hw-space", "{d}/dup_hw.yaml", "-o", "{d}/s"), "dup_hw.yaml", "duplicate key 'base_arch'", setup="dup_hw"),
    Case("silent", "precision policy (duplicate key)", ("pimcompile", "{d}/tiny.onnx", "--precision",
         "{d}/dup_policy.yaml"), "dup_policy.yaml", "duplicate key", setup="dup_policy"),
    Case("silent", "mapping.json (Infinity)", ("pimsim", "run", "{d}/inf.json"), "inf.json",
         "Infinity is not a finite number", setup="inf_mapping"),
    Case("silent", "arch.yaml (Infinity)", ("pimcompile", "{d}/tiny.onnx", "--arch", "{d}/inf.yaml"), "inf.yaml",
         "only finite numbers", setup="inf_arch"),
    Case("silent", "checkpoint (NaN weights)", ("recsys", "evaluate", "{d}/nan.pt", "--data", "{d}/criteo.txt"),
         "nan.pt", "NaN or infinite", setup="ckpt_nan"),
    Case("silent", "NASRec arch JSON (duplicate-free, wrong kind)", ("recsys", "space", "--space", "small",
         "--check", "{d}/m.json"), "m.json", "this is a mapping.json"),
    # -- invalid ONNX compiled into a mapping (compiler.frontend.validate) -------------------------------------
    Case("invalid-onnx", "ONNX (Gemm alpha=NaN)", ("pimcompile", "{d}/alpha_nan.onnx", "-o", "{d}/x.json"),
         "alpha_nan.onnx", "node y (Gemm): attribute alpha is nan", setup="onnx_alpha_nan"),
    Case("invalid-onnx", "ONNX (NaN Constant)", ("pimcompile", "{d}/const_nan.onnx", "-o", "{d}/x.json"),
         "const_nan.onnx", "node c (Constant): attribute value holds 8 NaN", setup="onnx_const_nan"),
    Case("invalid-onnx", "ONNX (Flatten axis)", ("pimcompile", "{d}/flatten.onnx", "-o", "{d}/x.json"),
         "flatten.onnx", "node y (Flatten): fails ONNX shape inference: Invalid value(5) for attribute 'axis'",
         setup="onnx_flatten_axis"),
    Case("invalid-onnx", "ONNX (Split sizes)", ("pimcompile", "{d}/split.onnx", "-o", "{d}/x.json"),
         "split.onnx", "node y (Split): fails ONNX shape inference: Mismatch between the sum of 'split' (6)",
         setup="onnx_split_sizes"),
    Case("invalid-onnx", "ONNX (bool Relu)", ("pimcompile", "{d}/bool_relu.onnx", "-o", "{d}/x.json"),
         "bool_relu.onnx", "node y (Relu): fails the ONNX type check: input 'x' (X) is tensor(bool)",
         setup="onnx_bool_relu"),
    Case("invalid-onnx", "ONNX (negative external offset)", ("pimcompile", "{d}/neg_offset.onnx", "-o",
         "{d}/x.json"), "neg_offset.onnx", "initializer W: external data offset='-64': must be a non-negative",
         setup="onnx_negative_offset"),
    # -- nonsense options accepted with exit 0 ----------------------------------------------------------------
    Case("nonsense-option", "command line", ("recsys", "search", "--space", "small", "--dataset", "criteo",
         "--budget", "-3", "-o", "{d}/s"), "--budget", "must be at least 1"),
    Case("nonsense-option", "command line", ("pimsim", "sweep", "{d}/sweep.yaml", "-o", "{d}/r.csv", "--workers",
         "0"), "--workers", "must be at least 1"),
    Case("nonsense-option", "command line", ("recsys", "search", "--space", "small", "--dataset", "criteo",
         "--eval-rows", "-1", "-o", "{d}/s"), "--eval-rows", "must be at least 1"),
    Case("nonsense-option", "command line", ("pimsim", "infer", "{d}/m.json", "--inputs", "{d}/in.npz", "-o",
         "{d}/o.npz", "--variation-sigma", "nan"), "--variation-sigma", "must be a finite number"),
    Case("nonsense-option", "command line", ("recsys", "train", "--model", "lr", "--dataset", "criteo", "--data",
         "{d}/criteo.txt", "--lr", "0", "-o", "{d}/run"), "--lr", "must be greater than 0"),
    Case("nonsense-option", "sweep file (workload)", ("pimsim", "sweep", "{d}/bad_workload.yaml", "-o",
         "{d}/r.csv", "--dry-run"), "bad_model.onnx", setup="sweep_bad_workload"),
    # -- half-written output after a failure ------------------------------------------------------------------
    Case("half-written", "ONNX (external data short, --check)", ("pimcompile", "{d}/short.onnx", "-o",
         "{d}/out.json", "--check"), "short.onnx", "external data", setup="short_external"),
    Case("half-written", "command line (--lr inf)", ("recsys", "train", "--model", "lr", "--dataset", "criteo",
         "--data", "{d}/criteo.txt", "--lr", "inf", "-o", "{d}/run"), "--lr", "must be a finite number"),
    Case("half-written", "arch.yaml (I/O bandwidth)", ("pimsim", "run", "{d}/slow_io.json", "--json"),
         "slow_io.json", "chip.io_link.bandwidth_gbps", setup="slow_io_mapping", subprocess=True),
    # -- input overwritten by an output -----------------------------------------------------------------------
    Case("overwritten", "mapping.json", ("pimsim", "run", "{d}/m.json", "--trace", "{d}/m.json"), "--trace",
         "would overwrite the input"),
    Case("overwritten", "inputs .npz", ("pimsim", "infer", "{d}/m.json", "--inputs", "{d}/in.npz", "-o",
         "{d}/in.npz"), "-o/--out", "would overwrite the input"),
    Case("overwritten", "mapping.json", ("pimsim", "infer", "{d}/m.json", "--inputs", "{d}/in.npz", "-o",
         "{d}/m.json"), "-o/--out", "would overwrite the input"),
    Case("overwritten", "weights .npz", ("pimsim", "infer", "{d}/m.json", "--inputs", "{d}/in.npz", "-o",
         "{d}/m.weights.npz"), "-o/--out", "would overwrite the input"),
    Case("overwritten", "checkpoint", ("recsys", "export", "{d}/lr.pt", "-o", "{d}/lr.pt"), "lr.pt",
         "would overwrite the input"),
    Case("overwritten", "CTR data", ("recsys", "supernet", "train", "--space", "small", "--data", "{d}/criteo.txt",
         "-o", "{d}/criteo.txt"), "criteo.txt", "would overwrite the input"),
    Case("overwritten", "ONNX", ("pimcompile", "{d}/tiny.onnx", "-o", "{d}/tiny.onnx"), "tiny.onnx",
         "would overwrite the input"),
    Case("overwritten", "sweep file", ("pimsim", "sweep", "{d}/sweep.yaml", "-o", "{d}/sweep.yaml"), "sweep.yaml",
         "would overwrite the input"),
    # -- error that names the wrong thing ---------------------------------------------------------------------
    Case("wrong-name", "command line", ("pimcompile", "{d}/tiny.onnx", "--arch", ""), "--arch", "empty path"),
    Case("wrong-name", "command line", ("recsys", "evaluate", "{d}/lr.pt", "--data", "{d}/criteo.txt", "--rows",
         "0"), "--rows", "must be at least 1"),
    Case("wrong-name", "command line", ("recsys", "supernet", "train", "--space", "full", "--data", "{d}/criteo.txt",
         "-o", "{d}/s.pt", "--dense-widths", "0"), "--dense-widths", "must be at least 1"),
    Case("wrong-name", "arch.yaml (misspelt key)", ("pimsim", "area", "{d}/rowz.yaml"), "rowz.yaml",
         "pe.crossbar.rowz: unknown key (did you mean rows?)", setup="rowz"),
    Case("wrong-name", "mapping.json (given to area)", ("pimsim", "area", "{d}/m.json"), "m.json",
         "this is a mapping.json, expected an arch.yaml (did you mean `pimsim run`?)"),
    Case("wrong-name", "ONNX (given to run)", ("pimsim", "run", "{d}/tiny.onnx"), "tiny.onnx",
         "this is an ONNX model, expected a mapping.json (did you mean `pimcompile`?)"),
]


# -- inputs -----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def base_dir(tmp_path_factory, tiny_onnx, tiny_mapping) -> Path:
    """The valid inputs every case starts from (copied into each case's own directory)."""
    from compiler.cli import main as pimcompile
    from recsys_models.baselines import build_model
    from recsys_models.data import dataset_spec, write_synthetic_raw
    from recsys_models.train.checkpoint import save_checkpoint

    d = tmp_path_factory.mktemp("issue20")
    shutil.copy(tiny_onnx, d / "tiny.onnx")
    for name in ("m.json", "m.weights.npz"):
        shutil.copy(tiny_mapping.parent / name.replace("m.", "tiny."), d / name)
    mapping = json.loads((d / "m.json").read_text())
    mapping["weights_file"] = "m.weights.npz"
    (d / "m.json").write_text(json.dumps(mapping))
    np.savez(d / "in.npz", idx=np.zeros((2, 2), np.int64))
    write_synthetic_raw("criteo", d / "criteo.txt", 300)
    data = gzip.compress((d / "criteo.txt").read_bytes(), mtime=0)
    (d / "cut.txt.gz").write_bytes(data[: len(data) // 2])
    crc = bytearray(data)
    crc[-8] ^= 0xFF  # the CRC32 field of the gzip trailer
    (d / "crc.txt.gz").write_bytes(bytes(crc))
    spec = dataset_spec("criteo", 64)
    save_checkpoint(d / "lr.pt", "lr", build_model("lr", spec.n_int, spec.table_sizes), spec, {})
    from tests.robustness.models import mini_dlrm_proto  # noqa: F401 - a DLRM-shaped model for memory cases
    import onnx

    from recsys_models.export.onnx_export import export_model

    torch_model = build_model("dlrm", spec.n_int, spec.table_sizes)
    export_model(torch_model, d / "dlrm.onnx", spec.n_int, spec.table_sizes)
    assert pimcompile([str(d / "dlrm.onnx"), "-o", str(d / "dlrm.json")]) == 0
    sweep = {"schema_version": 1, "name": "s", "workloads": [{"onnx": "tiny.onnx"}], "base_arch": "default",
             "vary": {"pe.adc.bits": [6, 8]}}
    (d / "sweep.yaml").write_text(yaml.safe_dump(sweep))
    onnx.checker.check_model(onnx.load(str(d / "tiny.onnx")))
    return d


def _arch_doc() -> dict:
    return yaml.safe_load((REPO / "pimsim" / "spec" / "presets" / "default.yaml").read_text())


def _with_arch(d: Path, name: str, change) -> None:
    """m.json with its embedded architecture changed (hash recomputed, so only the value is at fault)."""
    from pimsim.spec.arch import ArchSpec

    mapping = json.loads((d / "m.json").read_text())
    change(mapping["arch"])
    try:
        mapping["arch_sha256"] = ArchSpec.model_validate(mapping["arch"]).sha256()
    except ValueError:
        pass  # the schema refuses the value itself: the loader must say so, naming the field
    (d / name).write_text(json.dumps(mapping))


def setup_huge_kdd_user(d: Path) -> None:
    (d / "kdd").mkdir()
    (d / "kdd" / "training.txt").write_text("0\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t5\n")
    (d / "kdd" / "userid_profile.txt").write_text("1000000000000000000\t1\t2\n")


def setup_huge_npz(d: Path) -> None:
    """An .npz whose array header declares 2^58 x 2 int64 ids (4 EiB); the data is 64 bytes."""
    import io
    import zipfile

    from numpy.lib import format as npy

    header = io.BytesIO()
    npy.write_array_header_1_0(header, {"descr": "<i8", "fortran_order": False, "shape": (1 << 58, 2)})
    with zipfile.ZipFile(d / "huge.npz", "w") as archive:
        archive.writestr("idx.npy", header.getvalue() + b"\0" * 64)


def setup_zero_clock(d: Path) -> None:
    doc = _arch_doc()
    doc["clock_mhz"] = 0
    (d / "zero_clock.yaml").write_text(yaml.safe_dump(doc))


def setup_inf_arch(d: Path) -> None:
    text = (REPO / "pimsim" / "spec" / "presets" / "default.yaml").read_text()
    (d / "inf.yaml").write_text(text.replace("power_mw: 10400", "power_mw: .inf", 1))
    assert ".inf" in (d / "inf.yaml").read_text()


def setup_nan_mapping(d: Path) -> None:
    text = (d / "m.json").read_text()
    (d / "nan.json").write_text(text.replace('"clock_mhz": 1200.0', '"clock_mhz": NaN', 1))
    assert "NaN" in (d / "nan.json").read_text()


def setup_inf_mapping(d: Path) -> None:
    text = (d / "m.json").read_text()
    (d / "inf.json").write_text(text.replace('"power_mw": 10400.0', '"power_mw": Infinity', 1))
    assert "Infinity" in (d / "inf.json").read_text()


def setup_slow_dram_mapping(d: Path) -> None:
    _with_arch(d, "slow_dram.json", lambda a: a["embedding"]["dram"].update(latency_ns=1e300))


def setup_hot_dram_mapping(d: Path) -> None:
    _with_arch(d, "hot_dram.json", lambda a: a["embedding"]["dram"].update(energy_pj_per_bit=1e307))


def setup_slow_io_mapping(d: Path) -> None:
    _with_arch(d, "slow_io.json", lambda a: a["chip"]["io_link"].update(bandwidth_gbps=1e-300))


def setup_long_mapping(d: Path) -> None:
    _with_arch(d, "m_long.json", lambda a: a["pe"]["crossbar"].update(read_latency_ns=1e5))
    mapping = json.loads((d / "m_long.json").read_text())
    for op in mapping["operators"]:
        if op["kind"] == "mvm":
            op["m"] = 1 << 16
    (d / "m_long.json").write_text(json.dumps(mapping))


def setup_huge_m(d: Path) -> None:
    mapping = json.loads((d / "m.json").read_text())
    for op in mapping["operators"]:
        if op["kind"] == "mvm":
            op["m"] = 1 << 40
    (d / "m_huge_m.json").write_text(json.dumps(mapping))


def setup_ckpt_no_config(d: Path) -> None:
    import torch

    payload = torch.load(d / "lr.pt", weights_only=True)
    del payload["config"]
    torch.save(payload, d / "no_config.pt")


def setup_ckpt_foreign(d: Path) -> None:
    import torch

    from recsys_models.baselines import build_model
    from recsys_models.data import dataset_spec

    payload = torch.load(d / "lr.pt", weights_only=True)
    spec = dataset_spec("criteo", 64)
    payload["state_dict"] = build_model("dlrm", spec.n_int, spec.table_sizes).state_dict()
    torch.save(payload, d / "foreign.pt")


def setup_ckpt_supernet(d: Path) -> None:
    import torch

    payload = torch.load(d / "lr.pt", weights_only=True)
    payload["format"], payload["model"] = "recsys-supernet", "nasrec-supernet"
    torch.save(payload, d / "supernet.pt")


def setup_ckpt_nan(d: Path) -> None:
    import torch

    payload = torch.load(d / "lr.pt", weights_only=True)
    name = next(iter(payload["state_dict"]))
    payload["state_dict"][name] = torch.full_like(payload["state_dict"][name], float("nan"))
    torch.save(payload, d / "nan.pt")


def setup_ckpt_cut(d: Path) -> None:
    data = (d / "lr.pt").read_bytes()
    (d / "cut.pt").write_bytes(data[: len(data) // 2])


def setup_sweep_null(d: Path) -> None:
    (d / "null.yaml").write_text('schema_version: 1\nname: s\nworkloads: [{onnx: "ti\\0ny.onnx"}]\n'
                                 "base_arch: default\nvary: {pe.adc.bits: [6]}\n")


def setup_results_header_only(d: Path) -> None:
    (d / "header_only.csv").write_text("point_hash,point_index,workload,status\n")


def setup_hw_empty(d: Path) -> None:
    (d / "hw_empty.yaml").write_text("schema_version: 1\nbase_arch: default\nvary: {}\n")


def setup_hw_huge(d: Path) -> None:
    (d / "hw_huge.yaml").write_text(yaml.safe_dump({"schema_version": 1, "base_arch": "default",
                                                    "vary": {"clock_mhz": list(range(1, 2000))}}))


def setup_deep_onnx(d: Path) -> None:
    """If nodes nested as deep as protobuf parses (its limit is 100 message levels, 3 per If): the frontend
    must answer with its one line (a data-dependent If), not recurse into an internal RecursionError."""
    import onnx
    from onnx import TensorProto, helper

    from tests.robustness.models import F, build

    def out():
        return [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])]

    leaf = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "leaf", [], out())
    graph = leaf
    for i in range(30):
        graph = helper.make_graph([helper.make_node("If", ["cond"], ["y"], then_branch=graph, else_branch=leaf)],
                                  f"level{i}", [], out())
    onnx.save(build(list(graph.node), [("x", F, [1, 8]), ("cond", np.bool_, [])], [("y", F, [1, 8])]),
              str(d / "deep.onnx"))


def setup_fifos(d: Path) -> None:
    for name in ("fifo.yaml", "fifo.onnx", "fifo.gz"):
        os.mkfifo(d / name)


def setup_fifo_weights(d: Path) -> None:
    os.mkfifo(d / "fifo.npz")
    mapping = json.loads((d / "m.json").read_text())
    mapping["weights_file"] = "fifo.npz"
    (d / "m_fifo.json").write_text(json.dumps(mapping))


def _external_tensor(name: str, dims: list[int]):
    """A float32 initializer whose data lives in an external file (the caller adds location/offset/length)."""
    from onnx import TensorProto

    tensor = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=dims)
    tensor.data_location = TensorProto.EXTERNAL
    return tensor


def setup_wide_gemm(d: Path) -> None:
    """8 x 2,097,152 float32 weights (64 MB) in a sparse external-data file.  At 8 bits on 2-bit cells with
    differential columns a weight takes 8 cells, so 134 M cells are needed, twice the 4,096 crossbars x 16,384
    cells of ``default`` (hand calculation): refused before any packing (issue 20's 8 x 16.7M Gemm hung there)."""
    import onnx
    from onnx import TensorProto, helper

    weight = _external_tensor("W", [8, 1 << 21])
    for key, value in (("location", "wide.data"), ("offset", "0"), ("length", str(8 * 4 << 21))):
        weight.external_data.add(key=key, value=value)
    with open(d / "wide.data", "wb") as handle:
        handle.truncate(8 * 4 << 21)
    graph = helper.make_graph([helper.make_node("Gemm", ["x", "W"], ["y"], name="wide")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1 << 21])], [weight])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(d / "wide.onnx"))


def setup_huge_sweep(d: Path) -> None:
    (d / "huge_sweep.yaml").write_text(yaml.safe_dump({
        "schema_version": 1, "name": "s", "workloads": [{"onnx": "tiny.onnx"}], "base_arch": "default",
        "vary": {"clock_mhz": list(range(100, 2100)), "tile.pes": list(range(1, 65)), "pe.adc.bits": [4, 6, 8]}}))


def setup_dup_arch(d: Path) -> None:
    text = (REPO / "pimsim" / "spec" / "presets" / "default.yaml").read_text()
    (d / "dup.yaml").write_text(text + "clock_mhz: 800\n")


def setup_dup_sweep(d: Path) -> None:
    (d / "dup_sweep.yaml").write_text((d / "sweep.yaml").read_text() + "vary: {pe.adc.bits: [4]}\n")


def setup_dup_hw(d: Path) -> None:
    (d / "dup_hw.yaml").write_text("schema_version: 1\nbase_arch: default\nvary: {pe.adc.bits: [6, 8]}\n"
                                   "base_arch: isaac\n")


def setup_dup_policy(d: Path) -> None:
    (d / "dup_policy.yaml").write_text("default: {weight_bits: 8}\ndefault: {weight_bits: 4}\n")


def setup_rowz(d: Path) -> None:
    text = (REPO / "pimsim" / "spec" / "presets" / "default.yaml").read_text()
    (d / "rowz.yaml").write_text(text.replace("    rows:", "    rowz:", 1))


def setup_sweep_bad_workload(d: Path) -> None:
    (d / "bad_model.onnx").write_bytes(b"not a model")
    (d / "bad_workload.yaml").write_text((d / "sweep.yaml").read_text().replace("tiny.onnx", "bad_model.onnx"))


def setup_short_external(d: Path) -> None:
    """A Gemm whose external data file is shorter than the tensor it holds: --check needs the data."""
    import onnx
    from onnx import TensorProto, helper

    weight = _external_tensor("W", [8, 8])
    for key, value in (("location", "short.data"), ("offset", "0"), ("length", "256")):
        weight.external_data.add(key=key, value=value)
    (d / "short.data").write_bytes(b"\0" * 100)
    graph = helper.make_graph([helper.make_node("Gemm", ["x", "W"], ["y"], name="fc")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])], [weight])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(d / "short.onnx"))


def _save_onnx(d: Path, name: str, model) -> None:
    import onnx

    onnx.save(model, str(d / name))


def setup_onnx_alpha_nan(d: Path) -> None:
    from onnx import helper

    from tests.robustness.models import F, build

    _save_onnx(d, "alpha_nan.onnx", build([helper.make_node("Gemm", ["x", "W"], ["y"], alpha=float("nan"))],
                                          [("x", F, [1, 8])], [("y", F, [1, 8])], [("W", np.ones((8, 8), F))]))


def setup_onnx_const_nan(d: Path) -> None:
    from onnx import helper, numpy_helper

    from tests.robustness.models import F, build

    c = helper.make_node("Constant", [], ["c"], value=numpy_helper.from_array(np.full(8, np.nan, F)))
    _save_onnx(d, "const_nan.onnx", build([c, helper.make_node("Add", ["x", "c"], ["y"])], [("x", F, [1, 8])],
                                          [("y", F, [1, 8])]))


def setup_onnx_flatten_axis(d: Path) -> None:
    from onnx import helper

    from tests.robustness.models import F, build

    _save_onnx(d, "flatten.onnx", build([helper.make_node("Flatten", ["x"], ["y"], axis=5)], [("x", F, [1, 8])],
                                        [("y", F, [1, 8])]))


def setup_onnx_split_sizes(d: Path) -> None:
    from onnx import helper

    from tests.robustness.models import F, build

    _save_onnx(d, "split.onnx", build([helper.make_node("Split", ["x", "s"], ["y", "z"], axis=1)], [("x", F, [1, 8])],
                                      [("y", F, [1, 3]), ("z", F, [1, 3])], [("s", np.array([3, 3], np.int64))]))


def setup_onnx_bool_relu(d: Path) -> None:
    from onnx import helper

    from tests.robustness.models import build

    _save_onnx(d, "bool_relu.onnx", build([helper.make_node("Relu", ["x"], ["y"])], [("x", np.bool_, [1, 8])],
                                          [("y", np.bool_, [1, 8])]))


def setup_onnx_negative_offset(d: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    weight = _external_tensor("W", [8, 8])
    for key, value in (("location", "neg.data"), ("offset", "-64"), ("length", "256")):
        weight.external_data.add(key=key, value=value)
    (d / "neg.data").write_bytes(b"\0" * 512)
    graph = helper.make_graph([helper.make_node("Gemm", ["x", "W"], ["y"], name="fc")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8])], [weight])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(d / "neg_offset.onnx"))


# -- the contract -----------------------------------------------------------------------------------------------

def snapshot(d: Path) -> dict[str, tuple]:
    """Every entry under ``d``: kind and, for regular files, size and SHA-256 (special files are never read)."""
    out = {}
    for p in sorted(d.rglob("*")):
        st = p.lstat()
        if p.is_file() and not p.is_symlink() and not p.is_fifo():
            out[str(p.relative_to(d))] = ("file", st.st_size, hashlib.sha256(p.read_bytes()).hexdigest())
        else:
            out[str(p.relative_to(d))] = ("dir" if p.is_dir() else "special", 0, "")
    return out


MAINS = {"pimsim": "pimsim.cli", "pimcompile": "compiler.cli", "recsys": "recsys_models.cli"}
TIMEOUT_S = 240


def _run(case: Case, argv: list[str], d: Path, capsys):
    if not case.subprocess:
        result = call(capsys, argv[0], *argv[1:])
        return result.code, result.err
    code = f"import sys; from {MAINS[argv[0]]} import main; sys.exit(main())"
    try:
        proc = subprocess.run([sys.executable, "-c", code, *argv[1:]], capture_output=True, text=True, cwd=d,
                              timeout=TIMEOUT_S, env={**os.environ, "PYTHONPATH": str(REPO), **case.env})
    except subprocess.TimeoutExpired:
        pytest.fail(f"hang: no exit within {TIMEOUT_S} s")
    return proc.returncode, proc.stderr


def _id(case: Case) -> str:
    return f"{case.row}:{case.kind}:{' '.join(case.argv[:2])}".replace(" ", "_")


@pytest.mark.parametrize("case", [pytest.param(c, id=_id(c), marks=[pytest.mark.xfail(reason=c.xfail, strict=True)]
                                               if c.xfail else []) for c in CASES])
def test_issue20_case(case, base_dir, tmp_path, capsys):
    d = tmp_path / "case"
    shutil.copytree(base_dir, d)
    if case.setup:
        globals()[f"setup_{case.setup}"](d)
    before = snapshot(d)
    argv = [a.format(d=d) for a in case.argv]
    code, err = _run(case, argv, d, capsys)
    lines = err.strip().splitlines()
    assert code not in (0, 1) and code > 0, f"exit {code}: {err[-800:]}"
    assert "Traceback" not in err and len(lines) == 1, err[-1500:]
    assert lines[0].startswith("error: ") and "internal error" not in lines[0], lines[0]
    names = case.names.format(d=d)
    assert names in lines[0], f"{names!r} not named in {lines[0]!r}"
    assert case.says in lines[0], f"{case.says!r} not in {lines[0]!r}"
    after = snapshot(d)
    assert after == before, {k: (before.get(k), after.get(k)) for k in set(before) | set(after)
                             if before.get(k) != after.get(k)}


def test_every_row_and_the_main_input_kinds_are_covered():
    assert {c.row for c in CASES} == set(ROWS)
    kinds = {c.kind.split(" (")[0] for c in CASES}
    assert {"arch.yaml", "mapping.json", "ONNX", "sweep file", "hardware space", "precision policy",
            "results table", "CTR data", "checkpoint", "inputs .npz", "weights .npz", "command line",
            "NASRec arch JSON", "output path"} <= kinds
