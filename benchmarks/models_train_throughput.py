"""Training throughput (samples/s) and peak memory per baseline model on CPU, Criteo shapes.

Each model runs in its own subprocess so that peak RSS (``ru_maxrss``) is per model. Data are synthetic
tensors with the Criteo schema (13 dense, 26 sparse, tables capped at --hash-size), so the figure is the
model's compute, not the reader's. The first 5 steps are warm-up and not timed.

    .venv/bin/python benchmarks/models_train_throughput.py [--steps 60] [--batch 256] [--threads 1] [--plot PNG]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

MODELS = ("lr", "dlrm", "deepfm", "dcnv2", "autoint", "xdeepfm", "widedeep")
WARMUP = 5


def one(name: str, steps: int, batch: int, threads: int, hash_size: int) -> dict:
    import torch

    from recsys_models.baselines import build_model
    from recsys_models.data import dataset_spec, synthetic_tensors

    torch.set_num_threads(threads)
    spec = dataset_spec("criteo", hash_size)
    dense, sparse, label = (torch.from_numpy(a) for a in synthetic_tensors("criteo", batch * 8, 0, hash_size))
    torch.manual_seed(0)
    model = build_model(name, spec.n_int, spec.table_sizes)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for step in range(WARMUP + steps):
        if step == WARMUP:
            t0 = time.perf_counter()
        i = slice((step % 8) * batch, (step % 8 + 1) * batch)
        opt.zero_grad()
        loss_fn(model(dense[i], sparse[i]).reshape(-1), label[i]).backward()
        opt.step()
    seconds = time.perf_counter() - t0
    params = sum(p.numel() for p in model.parameters())
    return {"model": name, "samples_per_s": steps * batch / seconds, "params": params,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "batch": batch,
            "threads": threads, "steps": steps}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--hash-size", type=int, default=10_000)
    ap.add_argument("--plot", metavar="PNG", help="also draw samples/s and peak RSS per model")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one, a.steps, a.batch, a.threads, a.hash_size)))
        return
    print("| model | params | samples/s | peak RSS (MB) |\n|---|---:|---:|---:|")
    rows = []
    for name in MODELS:
        cmd = [sys.executable, __file__, "--one", name, "--steps", str(a.steps), "--batch", str(a.batch),
               "--threads", str(a.threads), "--hash-size", str(a.hash_size)]
        r = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        print(f"| {name} | {r['params']:,} | {r['samples_per_s']:,.0f} | {r['peak_rss_mb']:.0f} |", flush=True)
        rows.append(r)
    if a.plot:
        _plot(rows, a.plot)


def _plot(rows: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [r["model"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.2))
    ax1.bar(names, [r["samples_per_s"] for r in rows])
    ax1.set_yscale("log")
    ax1.set_ylabel("training samples/s (log)")
    ax2.bar(names, [r["peak_rss_mb"] for r in rows])
    ax2.set_ylabel("peak RSS (MB)")
    for ax in (ax1, ax2):
        ax.tick_params(axis="x", rotation=45)
    fig.suptitle(f"CPU training, Criteo shapes, batch {rows[0]['batch']}, {rows[0]['threads']} thread(s)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


if __name__ == "__main__":
    main()
