"""Functional PIM inference speed: the demo DLRM on 2,000 rows through bit-sliced crossbars (target < 10 s).

Workload: ``recsys export dlrm`` (untrained, seed 0) compiled for the ``default``
architecture (``compiler.api.compile_onnx_with_weights``); inputs are the first
2,000 rows of the real Criteo sample (``../shared/data``) or, when absent, the
exporter's seeded example inputs.  Times, in seconds of wall clock: programming
the crossbars (``prepare``) and running the batch (also its CPU seconds: the machine
is shared, so wall time depends on the load), for the mapped precision
(bit-serial, bit-sliced, ADC per partial sum), with device variation, and in
ideal mode.  Results and the exact command are in docs/performance.md.

    .venv/bin/python benchmarks/functional_speed.py --rows 2000
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODEL = REPO / "build" / "functional" / "dlrm.onnx"
CRITEO = REPO.parent / "shared" / "data" / "criteo" / "criteo_train_head10k.txt.gz"


def ensure_model() -> Path:
    if not MODEL.exists():
        MODEL.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(REPO / ".venv" / "bin" / "recsys"), "export", "dlrm", "-o", str(MODEL)], check=True)
    return MODEL


def inputs(rows: int) -> tuple[dict, str]:
    if CRITEO.exists():
        from recsys_models.data.dataset import load_split

        dense, sparse, _ = load_split("criteo", CRITEO, "all", hash_size=10_000)
        return {"dense": dense[:rows].numpy(), "sparse": sparse[:rows].numpy()}, f"Criteo sample, {rows} rows"
    from recsys_models.data.specs import dataset_spec
    from recsys_models.export.onnx_export import example_inputs

    spec = dataset_spec("criteo", 10_000)
    dense, sparse = example_inputs(spec.n_int, spec.table_sizes, rows)
    return {"dense": dense.numpy(), "sparse": sparse.numpy()}, f"example inputs, {rows} rows"


def timed(settings, mapping, constants, batch) -> tuple[float, float, float]:
    """Wall seconds to program, wall seconds to run, CPU seconds to run (all threads)."""
    from pimsim.functional import FunctionalModel

    t0 = time.perf_counter()
    model = FunctionalModel(mapping, constants, settings)
    t1, c1 = time.perf_counter(), time.process_time()
    model.run(batch)
    return t1 - t0, time.perf_counter() - t1, time.process_time() - c1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3, help="runs per setting; the best is reported")
    args = ap.parse_args()
    from compiler.api import compile_onnx_with_weights
    from pimsim.functional import FunctionalSettings
    from pimsim.spec.arch import load_arch

    mapping, constants = compile_onnx_with_weights(str(ensure_model()), load_arch("default"))
    batch, source = inputs(args.rows)
    print(f"demo DLRM on the default arch, {source}")
    for label, settings in (("mapped precision", FunctionalSettings()),
                            ("mapped + variation 5%", FunctionalSettings(variation_sigma=0.05)),
                            ("ideal", FunctionalSettings(ideal=True))):
        best = min((timed(settings, mapping, constants, batch) for _ in range(args.repeat)), key=lambda t: t[1])
        print(f"  {label:<24} program_s={best[0]:.2f} run_s={best[1]:.2f} run_cpu_s={best[2]:.2f}")


if __name__ == "__main__":
    main()
