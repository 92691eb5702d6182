"""``pimsim``: simulate mappings, roll up area and power, sweep design spaces.

This is the only pimsim module allowed to reach the compiler (for sweeps that
recompile each design point); the library below it never does.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Sequence

from pimsim import __version__
from pimsim.spec.cli_support import dispatch

SUBCOMMANDS = {
    "run": ("pimsim.cli.run", "simulate a mapping.json and report latency, energy, area and power"),
    "area": ("pimsim.cli.area", "area and peak-power roll-up of an architecture"),
    "sweep": ("pimsim.cli.sweep", "compile and simulate every point of a design-space sweep into one table"),
    "plot": ("pimsim.cli.plot", "scatter two metrics of sweep results with the Pareto front highlighted"),
    "infer": ("pimsim.cli.infer", "run a mapping functionally: outputs through bit-sliced crossbars and ADCs"),
    "compare": ("pimsim.cli.compare", "compare two mappings or reports: speedup, area, energy, power-efficiency ratios"),
}


def main(argv: Sequence[str] | None = None) -> int:
    code = dispatch("pimsim", "Cycle-level ReRAM PIM simulator for recommender models.", SUBCOMMANDS, argv,
                    version=__version__)
    if argv is None and os.path.basename(sys.argv[0]) == "pimsim" and sys.argv[1:2] == ["run"]:
        _end_process(code)
    return code


def _end_process(code: int) -> None:
    """End a ``pimsim run`` console process once its output is out, skipping the interpreter's teardown.

    Everything the run produces is written and closed by now (report on stdout, ``--trace`` written atomically);
    what the teardown would still do is free the process's objects one by one, most of them numba's and llvmlite's:
    0.15-0.3 s measured at load ~4-7 (docs/performance.md, engine section), 0.4-1.0 s at load ~2.7 with
    VGG-8 ``--batch 100`` on the cited chip.  The atexit handlers still run (numba's and llvmlite's shutdown flags,
    numba's ``NUMBA_CHROME_TRACE`` writer, logging's flush).  Only for the installed ``pimsim`` script's ``run``
    (no threads, no child processes): ``main(argv)`` called by a program or a test returns as usual.
    """
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    raise SystemExit(main())
