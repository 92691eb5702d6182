"""Reading rate (rows/s) of the Criteo reader and its peak memory as the input file grows.

Writes synthetic raw Criteo TSV files (same format as Kaggle ``train.txt``) of growing size into --dir,
then reads each in a fresh subprocess through ``CTRData(..., split="train")`` (parse + hash + split
selection + batching into torch tensors) and reports rows/s and peak RSS. Bounded memory means the
peak RSS stays flat while the file grows.

    .venv/bin/python benchmarks/models_reader.py [--rows 50000 200000 800000] [--dir /tmp/recsys_reader_bench]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def one(path: str) -> dict:
    from recsys_models.data import CTRData

    t0, c0 = time.perf_counter(), time.process_time()
    data = CTRData("criteo", path, "train", batch_size=256)
    batches = sum(1 for _ in data)
    seconds, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return {"rows": data.stats.rows_read, "batches": batches, "seconds": seconds, "cpu_s": cpu_s,
            "rows_per_s": data.stats.rows_read / seconds, "rows_per_cpu_s": data.stats.rows_read / cpu_s,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[50_000, 200_000, 800_000])
    ap.add_argument("--dir", default="/tmp/recsys_reader_bench")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one)))
        return
    from recsys_models.data import write_synthetic_raw

    print("| rows | file (MB) | rows/s (wall) | rows per CPU-s | peak RSS (MB) |\n|---:|---:|---:|---:|---:|")
    for n in a.rows:
        path = Path(a.dir) / f"criteo_{n}.txt"
        if not path.exists():
            write_synthetic_raw("criteo", path, n, seed=0)
        r = json.loads(subprocess.run([sys.executable, __file__, "--one", str(path)], capture_output=True,
                                      text=True, check=True).stdout)
        print(f"| {r['rows']:,} | {path.stat().st_size / 1e6:.0f} | {r['rows_per_s']:,.0f} | {r['rows_per_cpu_s']:,.0f} | "
              f"{r['peak_rss_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
