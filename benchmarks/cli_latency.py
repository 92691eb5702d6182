"""How fast the three commands answer a usage error or ``--help`` (target: under 0.5 s each, issue 21).

Every case is a fresh process (`python -c "from <tool> import main; ..."`, what the console script does),
run ``--repeat`` times; the table gives the median and the maximum wall time and the machine's load
average, and the script exits 1 when a case's median exceeds the target or its exit status is not the expected
one (2 for a usage error, 0 for ``--help``).  Usage errors are answered by the
argument types while parsing (``pimsim.spec.cli_types``), before numba, torch, onnx or numpy is imported.

    .venv/bin/python benchmarks/cli_latency.py            # the figures quoted in docs/cli.md
    .venv/bin/python benchmarks/cli_latency.py --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 0.5
MAINS = {"pimsim": "pimsim.cli", "pimcompile": "compiler.cli", "recsys": "recsys_models.cli"}


HELP = "--help"


def cases(tmp: Path) -> list[tuple[str, list[str]]]:
    """The issue's examples, one per kind of check (choice, bound, file, file kind, flag, subcommand), the training
    run flags (device syntax, patience) and the help of the largest parsers."""
    mapping = tmp / "m.json"
    mapping.write_text('{"arch": {}, "arch_sha256": "x", "operators": []}')
    return [
        ("recsys", ["train", "--model", "dlrm", "--dataset", "criteo", "--data", str(mapping), "--epochs", "-1"]),
        ("recsys", ["train", "--model", "dlmr", "--dataset", "criteo", "--data", str(mapping)]),
        ("recsys", ["train", "--model", "dlrm", "--dataset", "criteo", "--data", "missing.txt"]),
        ("recsys", ["search", "--space", "small", "--dataset", "critea", "-o", str(tmp / "out")]),
        ("recsys", ["evaluate", str(mapping), "--data", str(mapping)]),
        ("recsys", ["supernet", "train", "--space", "full", "--data", str(mapping), "-o", "s.pt", "--lr", "inf"]),
        ("recsys", ["train", "--model", "dlrm", "--dataset", "criteo", "--data", str(mapping), "--device", "gpu"]),
        ("recsys", ["supernet", "train", "--space", "small", "--data", str(mapping), "-o", "s.pt", "--patience", "0"]),
        ("recsys", ["train", HELP]),
        ("recsys", ["supernet", "train", HELP]),
        ("pimsim", ["sweep", HELP]),
        ("pimsim", ["run", str(mapping), "--btach", "3"]),
        ("pimsim", ["rn", str(mapping)]),
        ("pimsim", ["area", str(mapping)]),
        ("pimsim", ["run", str(mapping), "--batch", "0"]),
        ("pimcompile", [str(mapping)]),
        ("pimcompile", ["model.onnx", "--strategy", "fast"]),
    ]


def time_case(tool: str, argv: list[str], repeat: int) -> tuple[list[float], int, str]:
    code = f"import sys; from {MAINS[tool]} import main; sys.exit(main())"
    times, status, line = [], 0, ""
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=REPO)
        times.append(time.perf_counter() - t0)
        status, line = proc.returncode, (proc.stderr.strip().splitlines() or [""])[0]
    return times, status, line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (default 5)")
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    slow = 0
    print(f"usage-error latency, {args.repeat} fresh processes per case, {os.cpu_count()} CPUs, "
          f"load average {load:.1f} at the start")
    print(f"{'median s':>9} {'max s':>7}  status  command -> first stderr line")
    with tempfile.TemporaryDirectory() as tmp:
        for tool, case in cases(Path(tmp)):
            times, status, line = time_case(tool, case, args.repeat)
            median = statistics.median(times)
            slow += median > TARGET_S or status != (0 if HELP in case else 2)
            shown = " ".join(a if len(a) < 40 else "..." + a[-20:] for a in case)
            print(f"{median:9.3f} {max(times):7.3f}  {status:6d}  {tool} {shown}"
                  + ("" if HELP in case else f" -> {line[:110]}"))
    print(f"load average {os.getloadavg()[0]:.1f} at the end; target: median under {TARGET_S} s, status 2 (0 for --help): "
          f"{'met' if not slow else f'{slow} case(s) missed'}")
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
