"""Large-model limit (issue 12, item 5): a model whose embedding tables exceed protobuf's 2 GiB
limit, stored as ONNX external data, compiles without loading its tables; peak memory reported.

The model is DLRM-shaped (``onnx_and_ecosystem.md`` 1.5.3 on external data): a 13 -> 64 -> 16
bottom MLP, ``--tables`` embedding tables of ``--rows`` x 16 float32 in one external-data file,
a concatenation and a 16 * (tables + 1) -> 1 top layer with a sigmoid.  Defaults: 4 tables of
10M rows = 4 x 640 MB = 2.56 GB of tables.  It is generated on the fly into a temporary
directory (nothing large is committed) with real bytes on disk (``--sparse`` writes a sparse
file instead, for a quick run).

Measured per step, in a fresh child process each (``os.wait4`` rusage, Linux ``ru_maxrss``):
peak resident memory (``VmHWM``) and wall time of ``pimcompile model.onnx -o mapping.json`` and
of ``pimsim run mapping.json --json``; the same for a baseline model with 1000-row tables, so the
difference is what the large tables cost (target: far below their size).  A control,
``onnx.load`` with the external data, shows the meter sees the tables when they are loaded.

    .venv/bin/python benchmarks/large_model_compile.py            # 2.56 GB, real data
    .venv/bin/python benchmarks/large_model_compile.py --rows 1000000 --sparse   # quick
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DIM, DENSE = 16, 13


def _mlp_nodes(helper, inits, x: str, sizes: list[int], prefix: str, rng) -> tuple[list, str]:
    nodes = []
    for i, (k, n) in enumerate(zip(sizes, sizes[1:])):
        w, b, y = f"{prefix}{i}_W", f"{prefix}{i}_b", f"{prefix}{i}_y"
        inits.append(helper.make_tensor(w, 1, [k, n], (rng.standard_normal((k, n)) / np.sqrt(k)).astype(np.float32)
                                        .ravel().tolist()))
        inits.append(helper.make_tensor(b, 1, [n], [0.0] * n))
        nodes.append(helper.make_node("Gemm", [x, w, b], [y], name=f"{prefix}{i}"))
        x = y
    return nodes, x


def write_external_model(directory: Path, rows: int, tables: int = 4, sparse: bool = False) -> Path:
    """``model.onnx`` + ``model.data`` (all tables, float32, back to back) in ``directory``."""
    import onnx
    from onnx import TensorProto, helper

    rng = np.random.default_rng(0)
    inits: list = []
    bottom_nodes, bottom = _mlp_nodes(helper, inits, "dense", [DENSE, 64, DIM], "bot", rng)
    nodes = list(bottom_nodes)
    table_bytes = rows * DIM * 4
    for t in range(tables):
        table = TensorProto(name=f"T{t}", data_type=TensorProto.FLOAT, dims=[rows, DIM],
                            data_location=TensorProto.EXTERNAL)
        for key, value in (("location", "model.data"), ("offset", str(t * table_bytes)),
                           ("length", str(table_bytes))):
            table.external_data.add(key=key, value=value)
        inits.append(table)
        nodes.append(helper.make_node("Gather", [f"T{t}", f"idx{t}"], [f"e{t}"], name=f"emb{t}"))
    nodes.append(helper.make_node("Concat", [bottom] + [f"e{t}" for t in range(tables)], ["cat"], name="cat", axis=1))
    top_nodes, top = _mlp_nodes(helper, inits, "cat", [DIM * (tables + 1), 1], "top", rng)
    nodes += top_nodes + [helper.make_node("Sigmoid", [top], ["p"], name="prob")]
    inputs = [helper.make_tensor_value_info("dense", TensorProto.FLOAT, ["B", DENSE])]
    inputs += [helper.make_tensor_value_info(f"idx{t}", TensorProto.INT64, ["B"]) for t in range(tables)]
    graph = helper.make_graph(nodes, "large_dlrm", inputs, [helper.make_tensor_value_info("p", 1, ["B", 1])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 9
    directory.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(directory / "model.onnx"))
    _write_data(directory / "model.data", tables * table_bytes, sparse)
    return directory / "model.onnx"


def _write_data(path: Path, size: int, sparse: bool) -> None:
    with open(path, "wb") as fh:
        if sparse:
            fh.truncate(size)
            return
        chunk = np.random.default_rng(1).standard_normal(1 << 24).astype(np.float32).tobytes()  # 64 MB
        left = size
        while left > 0:
            left -= fh.write(chunk[: min(left, len(chunk))])


PEAK = ("import atexit, sys\n"
        "def _peak():\n"
        "    line = next(l for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
        "    sys.stderr.write('PEAK_KB ' + line.split()[1] + '\\n')\n"
        "atexit.register(_peak)\n")
"""Prefix of every measured child: report VmHWM (peak resident set of this exec'd image) at exit.

``ru_maxrss`` from ``wait4`` would not do: Linux keeps the forking parent's high-water mark
across ``execve``, so every child would report at least this script's own size."""

TOOLS = {"pimcompile": "from compiler.cli import main", "pimsim": "from pimsim.cli import main",
         "onnx.load": "import onnx\nmain = lambda argv: onnx.load(argv[0]) and 0"}


def measure(tool: str, args: list[str], cwd: Path) -> dict:
    """Wall time and peak resident memory (MB) of ``tool args`` in a fresh Python process."""
    code = PEAK + TOOLS[tool] + "\nsys.exit(main(sys.argv[1:]))\n"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} {' '.join(args)} failed: {proc.stderr[-500:]}")
    peak_kb = int(next(l for l in proc.stderr.splitlines() if l.startswith("PEAK_KB")).split()[1])
    return {"wall_s": round(seconds, 2), "peak_rss_mb": round(peak_kb / 1024, 1), "stdout": proc.stdout}


def run(rows: int, tables: int, sparse: bool, workdir: Path, control: bool = False) -> dict:
    write_external_model(workdir, rows, tables, sparse)
    compile_ = measure("pimcompile", ["model.onnx", "-o", "mapping.json"], workdir)
    simulate = measure("pimsim", ["run", "mapping.json", "--json"], workdir)
    report = json.loads(simulate.pop("stdout").splitlines()[-1])
    compile_.pop("stdout")
    out = {"rows": rows, "tables": tables, "table_bytes": rows * DIM * 4 * tables,
           "data_file_bytes": (workdir / "model.data").stat().st_size, "sparse": sparse,
           "onnx_bytes": (workdir / "model.onnx").stat().st_size, "pimcompile": compile_, "pimsim_run": simulate,
           "latency_ns": report["latency_ns"], "energy_per_inference_pj": report["energy_per_inference_pj"]}
    if control:  # the meter's sanity check: loading the tables shows up in full
        out["onnx_load_with_data"] = {k: v for k, v in measure("onnx.load", ["model.onnx"], workdir).items()
                                      if k != "stdout"}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=10_000_000, help="rows per table (default 10M: 640 MB each)")
    p.add_argument("--tables", type=int, default=4)
    p.add_argument("--sparse", action="store_true", help="sparse data file (no real bytes written)")
    p.add_argument("--no-control", action="store_true", help="skip the onnx.load-with-data control measurement")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="large_model_") as tmp:
        t0 = time.perf_counter()
        base = run(1000, args.tables, False, Path(tmp) / "baseline")
        large_dir = Path(tmp) / "large"
        large = run(args.rows, args.tables, args.sparse, large_dir, control=not args.no_control)
        result = {"baseline": base, "large": large, "generate_and_run_s": round(time.perf_counter() - t0, 1),
                  "extra_peak_rss_mb": round(large["pimcompile"]["peak_rss_mb"] - base["pimcompile"]["peak_rss_mb"], 1)}
    print(json.dumps(result, indent=1))
    gb = large["table_bytes"] / 1e9
    print(f"tables {gb:.2f} GB ({'sparse' if args.sparse else 'real'} data file): pimcompile peak RSS "
          f"{large['pimcompile']['peak_rss_mb']} MB vs {base['pimcompile']['peak_rss_mb']} MB for 1000-row tables, "
          f"{large['pimcompile']['wall_s']} s; pimsim run peak {large['pimsim_run']['peak_rss_mb']} MB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
