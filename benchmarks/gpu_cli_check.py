"""Every ``--device`` command path on a GPU, end to end through the CLI, with wall times (docs/performance.md).

    python benchmarks/gpu_cli_check.py --data criteo_train_head10k.txt.gz --out OUT [--device cuda]

Runs on the Criteo sample: ``recsys train`` (DLRM, 2 epochs, curves) and ``--resume`` to a third epoch;
``recsys supernet train`` with the CPU recipe of docs/supernet.md; ``recsys supernet eval`` of a subnet of that
supernet; ``recsys supernet standalone --precision bf16 -o m.pt``; ``recsys evaluate m.pt``; ``recsys train --init
m.pt``; ``recsys search`` (accuracy objective). Writes OUT/cli_check.json: per command its return code, wall
seconds and the last lines it printed. Run directories go to ``--work``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RECIPE = ["--space", "small", "--steps", "400", "--lr", "0.04", "--warmup-steps", "400", "--dense-widths",
          "16,32,64,128", "--sparse-widths", "16,32", "--hash-size", "2000"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--work", default="/tmp/recsys-cli-check")
    p.add_argument("--device", default="cuda")
    p.add_argument("--recipe-steps", default="400", help="supernet steps (a quick local check: fewer)")
    p.add_argument("--only", default="", help="comma-separated check names to run (default: all)")
    args = p.parse_args(argv)
    recipe = [args.recipe_steps if a == "400" else a for a in RECIPE]
    out, work = Path(args.out), Path(args.work)
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    paths = [str(REPO), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]  # keep carried wheels
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths), PYTHONUNBUFFERED="1")
    dev = ["--device", args.device]
    data = ["--dataset", "criteo", "--data", args.data]
    results = []

    only = {n.strip() for n in args.only.split(",") if n.strip()}

    def run(name: str, argv: list[str], timeout: float = 300) -> None:
        if only and name not in only:
            return
        t0 = time.monotonic()
        try:
            r = subprocess.run([sys.executable, "-m", "recsys_models.cli", *argv], env=env, capture_output=True,
                               text=True, timeout=timeout)
            rec = {"name": name, "returncode": r.returncode, "stdout": r.stdout[-800:], "stderr": r.stderr[-800:]}
        except subprocess.TimeoutExpired:
            rec = {"name": name, "returncode": "timeout"}
        rec.update(wall_s=time.monotonic() - t0, command="recsys " + " ".join(argv))
        results.append(rec)
        (out / "cli_check.json").write_text(json.dumps(results, indent=1) + "\n")
        print(f"{name}: rc {rec['returncode']}, {rec['wall_s']:.1f} s", flush=True)

    run("train dlrm 2 epochs", ["train", "--model", "dlrm", *data, *dev, "--epochs", "2", "--out", str(work / "dlrm"),
                                "--log-dir", str(work / "dlrm_logs"), "--checkpoint-every", "10"])
    run("train resume to 3 epochs", ["train", "--model", "dlrm", *data, *dev, "--epochs", "3", "--out",
                                     str(work / "dlrm"), "--resume", str(work / "dlrm" / "last.pt")])
    run("supernet train (CPU recipe)", ["supernet", "train", *recipe, *data, *dev, "-o", str(work / "sn.pt")])
    run("supernet train (CPU recipe, bf16)", ["supernet", "train", *recipe, *data, *dev, "--precision", "bf16",
                                              "-o", str(work / "sn_bf16.pt")])
    from recsys_models.space import arch_to_json, get_space, sample_arch

    import numpy as np

    space = get_space("small", dense_widths=(16, 32, 64, 128), sparse_widths=(16, 32))
    arch = work / "arch.json"
    arch.write_text(json.dumps(arch_to_json(sample_arch(space, np.random.default_rng(0)))))
    run("supernet eval", ["supernet", "eval", "--supernet", str(work / "sn.pt"), "--arch", str(arch), *data, *dev])
    run("supernet standalone bf16", ["supernet", "standalone", "--arch", str(arch), *data, *dev, "--hash-size", "2000",
                                     "--precision", "bf16", "-o", str(work / "m.pt")])
    run("evaluate", ["evaluate", str(work / "m.pt"), "--data", args.data, *dev])
    run("train --init", ["train", "--init", str(work / "m.pt"), *data, *dev, "--hash-size", "2000", "--out",
                         str(work / "ft"), "--optimizer", "adagrad", "--lr", "0.001"])
    run("search", ["search", "--space", "small", *data, "--supernet", str(work / "sn.pt"), "--budget", "6",
                   "--population", "4", "--sample-size", "2", "--children", "2", "--objective", "accuracy", *dev,
                   "-o", str(work / "search")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
