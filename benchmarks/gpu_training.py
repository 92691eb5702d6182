"""Training speed on a GPU (and the same measurements on the CPU): issue 22's table in docs/performance.md.

    python benchmarks/gpu_training.py --out OUT --sections env,supernet,maxbatch,dlrm --data criteo_10k.txt.gz
    python benchmarks/gpu_training.py --out OUT --sections scale --scale-rows 45000000
    python benchmarks/gpu_training.py --device cpu --out build/cpu --sections supernet --steps 20 --batches 512

Sections (each writes OUT/<section>.json as it goes, so a run cut short keeps what it measured; run directories and
curves go to ``--work``, so OUT holds at most a handful of files):

- ``env``: torch/CUDA versions, the GPU, CPU count.
- ``supernet``: NASRec-Small and NASRec-Full supernets (default menus, 10,000-row tables, synthetic Criteo-schema
  tensors already on the device, so the loader is not measured), fp32 and bf16, at ``--batches``: samples/s of
  single-path steps (``train_supernet`` with no warm-up: one sampled subnet per step, as after NASRec's warm-up) and
  of full-supernet warm-up steps, timed after a few untimed steps; GPU utilisation sampled every 100 ms (NVML)
  during each timed run; peak GPU memory.
- ``maxbatch``: the largest batch (doubling from 1,024) at which a full-supernet warm-up step, the most memory any
  step needs, fits; then the single-path rate at that batch.
- ``dlrm``: ``recsys train --model dlrm`` on the Criteo sample (``--data``), one epoch, on this device: epoch time
  from timing.json.
- ``scale``: a synthetic Criteo-format file of ``--scale-rows`` rows is generated in parallel (not stored anywhere
  else), then ``recsys supernet train`` streams one epoch of its training split on the GPU with ``--loader-workers``
  parse processes: rows/s, peak host memory (the whole process tree, sampled) and peak GPU memory, and the projection
  to the full Criteo training split (36,672,495 rows, reference B.5). The run stops itself after ``--scale-budget-s``
  seconds if the epoch is not done; the rows done and the rate then give the projection.

Timings are wall clock around work the device has finished (``torch.cuda.synchronize``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CRITEO_TRAIN_ROWS = 36_672_495  # reference B.5 (NASRec's 8:1:1 split of the 45.8 M Kaggle rows)


def _save(out: Path, name: str, payload) -> None:
    (out / f"{name}.json").write_text(json.dumps(payload, indent=1, sort_keys=True, default=str) + "\n")


class Utilisation:
    """GPU utilisation (percent of time a kernel ran, NVML) sampled every ``period_s`` in a thread."""

    def __init__(self, index: int = 0, period_s: float = 0.1):
        self.samples: list[tuple[float, int]] = []
        self.period_s, self._stop, self.ok = period_s, threading.Event(), False
        try:
            import pynvml

            pynvml.nvmlInit()
            self._handle, self._nvml, self.ok = pynvml.nvmlDeviceGetHandleByIndex(index), pynvml, True
        except Exception as exc:  # noqa: BLE001 - no NVML (CPU runs): report that, measure the rest
            self.error = f"{type(exc).__name__}: {exc}"
        self._thread = threading.Thread(target=self._run, daemon=True)
        if self.ok:
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            util = self._nvml.nvmlDeviceGetUtilizationRates(self._handle).gpu
            self.samples.append((time.monotonic(), int(util)))
            time.sleep(self.period_s)

    def mean(self, t0: float, t1: float) -> float | None:
        window = [u for t, u in self.samples if t0 <= t <= t1]
        return sum(window) / len(window) if window else None

    def stop(self) -> None:
        self._stop.set()


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _supernet(space_name: str, device, hash_size: int = 10_000):
    import torch

    from recsys_models.data import dataset_spec
    from recsys_models.space import get_space
    from recsys_models.supernet.model import Supernet

    torch.manual_seed(0)
    return Supernet(get_space(space_name), dataset_spec("criteo", hash_size)).to(device)


def _tensors(batch: int, steps: int, device, hash_size: int = 10_000):
    import torch

    from recsys_models.data import TensorBatches, synthetic_tensors

    rows = min(batch * steps, 1 << 20)
    t = [torch.from_numpy(a) for a in synthetic_tensors("criteo", rows, seed=1, hash_size=hash_size)]
    return TensorBatches(*t, batch_size=batch, shuffle=True, device=device)


def single_path_rate(net, batch: int, precision: str, device, steps: int, util: Utilisation | None) -> dict:
    """Samples/s of ``steps`` sampled-subnet steps (after 3 untimed ones), utilisation over the timed window."""
    from recsys_models.supernet.train import SupernetRun, SupernetTrainConfig, train_supernet

    data = _tensors(batch, steps + 3, device)
    run = SupernetRun(device=device, precision=precision)
    train_supernet(net, data, SupernetTrainConfig(steps=3, warmup_steps=0, seed=1), progress=False, run=run)
    _sync(device)
    t0 = time.monotonic()
    run = SupernetRun(device=device, precision=precision)
    train_supernet(net, data, SupernetTrainConfig(steps=steps, warmup_steps=0, seed=2), progress=False, run=run)
    _sync(device)
    t1 = time.monotonic()
    return {"single_path_samples_per_s": batch * steps / (t1 - t0), "single_path_steps": steps,
            "gpu_util_pct": util.mean(t0, t1) if util else None}


def full_step_rate(net, batch: int, precision: str, device, steps: int) -> dict:
    """Seconds per full-supernet warm-up step (forward, backward, Adagrad), after one untimed step."""
    import numpy as np
    import torch

    from recsys_models.supernet.train import full_sample
    from recsys_models.train.device import autocast

    data = next(iter(_tensors(batch, 1, device)))
    opt = torch.optim.Adagrad(net.parameters(), lr=0.01, eps=1e-2)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    rng = np.random.default_rng(0)
    times = []
    for k in range(steps + 1):
        _sync(device)
        t0 = time.monotonic()
        with autocast(device, precision):
            logits = net(data[0], data[1], full_sample(net.space, rng))
        loss = loss_fn(logits.float(), data[2])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        _sync(device)
        if k:
            times.append(time.monotonic() - t0)
    return {"full_step_s": float(np.median(times)), "full_samples_per_s": batch / float(np.median(times))}


def nasrec_epoch_mix(single: float, full: float, batch: int, rows: int = CRITEO_TRAIN_ROWS,
                     warmup_fraction: float = 15_000 / 71_626) -> dict:
    """Samples/s over NASRec's Criteo epoch: warm-up over ``warmup_fraction`` of the steps with full-supernet
    probability 1 - step/warm-up (so half the warm-up steps are full steps on average), the rest single-path."""
    steps = rows / batch
    n_full = steps * warmup_fraction / 2
    seconds = n_full * batch / full + (steps - n_full) * batch / single
    return {"epoch_mix_samples_per_s": rows / seconds, "epoch_projection_s": seconds}


def section_supernet(args, device, util, out: Path) -> list[dict]:
    import torch

    rows = []
    for space in args.spaces:
        net = _supernet(space, device)
        for batch in args.batches:
            for precision in args.precisions:
                rec = {"space": space, "batch": batch, "precision": precision, "device": str(device)}
                try:
                    rec["params"] = sum(p.numel() for p in net.parameters())
                    if device.type == "cuda":
                        torch.cuda.reset_peak_memory_stats(device)
                    rec.update(single_path_rate(net, batch, precision, device, args.steps, util))
                    rec.update(full_step_rate(net, batch, precision, device, args.full_steps))
                    rec.update(nasrec_epoch_mix(rec["single_path_samples_per_s"], rec["full_samples_per_s"], batch))
                    if device.type == "cuda":
                        rec["gpu_peak_alloc_gib"] = torch.cuda.max_memory_allocated(device) / 2**30
                except Exception as exc:  # noqa: BLE001 - record the failure, keep measuring the rest
                    rec["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
                finally:
                    net.zero_grad(set_to_none=True)
                    if device.type == "cuda":
                        torch.cuda.empty_cache()
                rows.append(rec)
                print(json.dumps(rec, default=str), flush=True)
                _save(out, "supernet", rows)
        net = None
    return rows


def section_maxbatch(args, device, util, out: Path) -> list[dict]:
    import torch

    rows = []
    for space in args.spaces:
        net = _supernet(space, device)
        for precision in args.precisions:
            best, rec = None, {"space": space, "precision": precision, "tried": []}
            batch = 1024
            while batch <= args.max_batch:
                try:
                    if device.type == "cuda":
                        torch.cuda.reset_peak_memory_stats(device)
                    r = full_step_rate(net, batch, precision, device, 1)
                    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None
                    rec["tried"].append({"batch": batch, "fits": True, "full_step_s": r["full_step_s"],
                                         "gpu_peak_alloc_gib": peak})
                    best = batch
                except torch.cuda.OutOfMemoryError:
                    rec["tried"].append({"batch": batch, "fits": False, "why": "out of memory"})
                    break
                except RuntimeError as exc:  # e.g. a kernel whose grid cannot cover this batch
                    rec["tried"].append({"batch": batch, "fits": False, "why": f"{type(exc).__name__}: "
                                                                               f"{str(exc).splitlines()[0][:200]}"})
                    break
                finally:
                    net.zero_grad(set_to_none=True)
                    if device.type == "cuda":
                        torch.cuda.empty_cache()
                batch *= 2
            rec["max_batch"] = best
            if best:
                try:
                    if device.type == "cuda":
                        torch.cuda.reset_peak_memory_stats(device)
                    rec.update(single_path_rate(net, best, precision, device, max(5, args.steps // 4), util))
                    rec.update(full_step_rate(net, best, precision, device, 2))
                    rec.update(nasrec_epoch_mix(rec["single_path_samples_per_s"], rec["full_samples_per_s"], best))
                    if device.type == "cuda":
                        rec["gpu_peak_alloc_gib"] = torch.cuda.max_memory_allocated(device) / 2**30
                except Exception as exc:  # noqa: BLE001
                    rec["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
                if device.type == "cuda":
                    torch.cuda.empty_cache()
            rows.append(rec)
            print(json.dumps(rec, default=str), flush=True)
            _save(out, "maxbatch", rows)
        net = None
    return rows


def _recsys(argv: list[str], env_extra: dict | None = None, timeout: float | None = None):
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1", **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "recsys_models.cli", *argv], env=env, capture_output=True,
                          text=True, timeout=timeout)


def section_dlrm(args, device, util, out: Path) -> list[dict]:
    rows = []
    for dev, threads in ((str(device), 1),) + ((("cpu", 1), ("cpu", os.cpu_count() or 1)) if device.type == "cuda"
                                               else ()):
        run_dir = Path(args.work) / f"dlrm_{dev.replace(':', '')}_{threads}"
        t0 = time.monotonic()
        r = _recsys(["train", "--model", "dlrm", "--dataset", "criteo", "--data", args.data, "--device", dev,
                     "--threads", str(threads), "--out", str(run_dir)], timeout=600)
        t1 = time.monotonic()
        rec = {"device": dev, "threads": threads, "returncode": r.returncode, "command_wall_s": t1 - t0,
               "gpu_util_pct": util.mean(t0, t1) if util and dev != "cpu" else None}
        if r.returncode == 0:
            timing = json.loads((run_dir / "timing.json").read_text())
            metrics = json.loads((run_dir / "metrics.json").read_text())
            rec.update(epoch_wall_s=timing["epochs"][0]["train_wall_s"],
                       samples_per_s=timing["epochs"][0]["train_samples_per_s"], val_auc=metrics["val_auc"],
                       test_auc=metrics["test_auc"])
        else:
            rec["stderr"] = r.stderr[-1500:]
        rows.append(rec)
        print(json.dumps(rec), flush=True)
        _save(out, "dlrm", rows)
    return rows


def _generate_part(job) -> str:
    from recsys_models.data import write_synthetic_raw

    path, rows, seed = job
    write_synthetic_raw("criteo", path, rows, seed=seed)
    return path


def _tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (psutil)."""
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def section_scale(args, device, util, out: Path) -> dict:
    from multiprocessing import Pool

    work = Path(args.scale_dir)
    work.mkdir(parents=True, exist_ok=True)
    big = work / "criteo_synthetic.txt"
    rec = {"rows": args.scale_rows, "batch": args.scale_batch, "space": args.scale_space,
           "precision": args.scale_precision, "loader_workers": args.loader_workers, "hash_size": args.scale_hash}
    t0 = time.monotonic()
    procs = os.cpu_count() or 1
    per = -(-args.scale_rows // procs)
    jobs = [(str(work / f"part{i:03d}.txt"), min(per, args.scale_rows - i * per), 1000 + i) for i in range(procs)
            if args.scale_rows - i * per > 0]
    with Pool(len(jobs)) as pool:
        parts = pool.map(_generate_part, jobs)
    with big.open("wb") as dst:
        for part in parts:
            with open(part, "rb") as src:
                while chunk := src.read(1 << 24):
                    dst.write(chunk)
            os.unlink(part)
    rec.update(generate_s=time.monotonic() - t0, file_bytes=big.stat().st_size)
    _save(out, "scale", rec)
    print(json.dumps(rec), flush=True)
    train_rows = args.scale_rows * 8 // 10  # the exact 8:1:1 split (blocks of 10 rows)
    steps = -(-train_rows // args.scale_batch)
    argv = ["supernet", "train", "--space", args.scale_space, "--dataset", "criteo", "--data", str(big),
            "--batch", str(args.scale_batch), "--steps", str(steps),
            "--warmup-steps", str(int(steps * 15_000 / 71_626)),
            "--hash-size", str(args.scale_hash), "--device", str(device), "--precision", args.scale_precision,
            # NASRec's menus and lr (the command's defaults are the CPU recipe for the samples)
            "--dense-widths", "16,32,64,128,256,512,768,1024", "--sparse-widths", "16,32,48,64", "--lr", "0.12",
            "--loader-workers", str(args.loader_workers), "--in-memory", "no", "--val-every", "0",
            "--checkpoint-every", str(steps), "--progress-every", "20", "--log-dir", str(Path(args.work) / "scale_logs"),
            "-o", str(work / "supernet.pt")]
    rec.update(steps=steps, command="recsys " + " ".join(argv))
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1")
    log = (out / "scale_train.log").open("w")
    t0 = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "recsys_models.cli", *argv], env=env, stdout=log,
                             stderr=subprocess.STDOUT)
    peak_rss, killed = 0, False
    while child.poll() is None:
        peak_rss = max(peak_rss, _tree_rss(child.pid))
        if time.monotonic() - t0 > args.scale_budget_s:
            child.terminate()
            killed = True
            child.wait(timeout=60)
            break
        time.sleep(1.0)
    t1 = time.monotonic()
    log.close()
    text = (out / "scale_train.log").read_text()
    rec.update(returncode=child.returncode, stopped_at_budget=killed, wall_s=t1 - t0,
               host_peak_rss_tree_gib=peak_rss / 2**30,
               gpu_util_pct=util.mean(t0, t1) if util else None)
    timing_file = work / "supernet.timing.json"
    if timing_file.exists() and not killed:
        timing = json.loads(timing_file.read_text())
        rec.update(train_rows_per_s=timing["samples_per_s"], train_wall_s=timing["wall_s"],
                   gpu_peak_alloc_gib=timing.get("gpu_peak_alloc_bytes", 0) / 2**30,
                   trainer_peak_rss_gib=timing["host_peak_rss_bytes"] / 2**30, rows_done=train_rows)
    else:  # the last progress line says how far it got
        import re

        lines = re.findall(r"supernet: step (\d+)/\d+ .*?, ([\d,]+) rows/s", text)
        if lines:
            done, rate = lines[-1]
            rec.update(rows_done=int(done) * args.scale_batch, train_rows_per_s=float(rate.replace(",", "")))
    if rec.get("train_rows_per_s"):
        rec["projection_full_criteo_epoch_s"] = CRITEO_TRAIN_ROWS / rec["train_rows_per_s"]
    rec["log_tail"] = text[-3000:]
    _save(out, "scale", rec)
    print(json.dumps({k: v for k, v in rec.items() if k != "log_tail"}), flush=True)
    big.unlink(missing_ok=True)
    return rec


def section_env(args, device, util, out: Path) -> dict:
    import torch

    rec = {"torch": torch.__version__, "cuda": torch.version.cuda, "cpus": os.cpu_count(), "device": str(device),
           "python": sys.version.split()[0], "nvml": util.ok if util else None}
    if device.type == "cuda":
        rec["gpu"] = torch.cuda.get_device_name(device)
        rec["gpu_mem_gib"] = torch.cuda.get_device_properties(device).total_memory / 2**30
    _save(out, "env", rec)
    print(json.dumps(rec), flush=True)
    return rec


SECTIONS = {"env": section_env, "supernet": section_supernet, "maxbatch": section_maxbatch, "dlrm": section_dlrm,
            "scale": section_scale}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cuda")
    p.add_argument("--sections", default="env,supernet,maxbatch,dlrm")
    p.add_argument("--spaces", default="small,full")
    p.add_argument("--batches", default="512")
    p.add_argument("--precisions", default="fp32,bf16")
    p.add_argument("--steps", type=int, default=60, help="timed single-path steps per configuration")
    p.add_argument("--full-steps", type=int, default=3, help="timed full-supernet steps per configuration")
    p.add_argument("--max-batch", type=int, default=262_144)
    p.add_argument("--data", default=str(REPO / ".." / "shared" / "data" / "criteo" / "criteo_train_head10k.txt.gz"))
    p.add_argument("--scale-rows", type=int, default=45_000_000)
    p.add_argument("--scale-batch", type=int, default=8192)
    p.add_argument("--scale-space", default="full")
    p.add_argument("--scale-precision", default="bf16")
    p.add_argument("--scale-hash", type=int, default=500_000, help="NASRec's table cap during search (0.5 M)")
    p.add_argument("--scale-dir", default="/tmp/recsys-scale")
    p.add_argument("--work", default="/tmp/recsys-bench", help="scratch outputs (run directories, curves)")
    p.add_argument("--scale-budget-s", type=float, default=420.0)
    p.add_argument("--loader-workers", type=int, default=max(1, (os.cpu_count() or 2) - 2))
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args(argv)
    args.spaces = args.spaces.split(",")
    args.batches = [int(b) for b in args.batches.split(",")]
    args.precisions = args.precisions.split(",")
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    device = torch.device(args.device)
    util = Utilisation(device.index or 0) if device.type == "cuda" else None
    t0 = time.monotonic()
    for name in args.sections.split(","):
        ts = time.monotonic()
        try:
            SECTIONS[name](args, device, util, out)
        except Exception as exc:  # noqa: BLE001 - a failed section must not lose the others
            import traceback

            _save(out, f"{name}_error", {"error": traceback.format_exc()})
            print(f"section {name} failed: {type(exc).__name__}: {exc}", flush=True)
        print(f"section {name}: {time.monotonic() - ts:.1f} s", flush=True)
    if util:
        util.stop()
    print(f"total {time.monotonic() - t0:.1f} s; modules: pydantic={'pydantic' in sys.modules}, "
          f"distributed={'distributed' in sys.modules}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
