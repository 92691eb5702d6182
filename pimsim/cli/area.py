"""Area, peak-power and leakage roll-up of an architecture, per PE, tile (kind) and chip; the I/O link apart."""

from __future__ import annotations

import argparse

from pimsim.spec.cli_types import InputFile, OutputFile, preset_names

IMAGE_SUFFIXES = (".png", ".pdf", ".svg")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("arch", type=InputFile("arch", presets=preset_names),
                   help="preset name (isaac, default, puma, neurosim_rram) or arch.yaml path")
    p.add_argument("--json", action="store_true", help="print one JSON object with the stable keys")
    p.add_argument("--plot", metavar="FILE", type=OutputFile(IMAGE_SUFFIXES),
                   help="also write a stacked-bar area/power breakdown (png, pdf, svg)")


def main(args: argparse.Namespace) -> int:
    import sys

    from pimsim.components import ComponentError
    from pimsim.components.rollup import area_rollup, format_rollup
    from pimsim.spec.arch import load_arch
    from pimsim.spec.errors import SpecError
    from pimsim.spec.io import json_text, require_finite

    arch = load_arch(args.arch)
    try:
        rollup = area_rollup(arch)
    except ComponentError as exc:  # a parameter the models cannot price: bad input, not a crash
        raise SpecError(args.arch, str(exc)) from None
    figures = rollup.to_json_dict()
    require_finite(figures, args.arch)
    print(json_text(figures, args.arch) if args.json else format_rollup(rollup))
    if args.plot:
        from pimsim.components.rollup_plot import plot_breakdown

        plot_breakdown(rollup, args.plot)
        print(f"wrote {args.plot}", file=sys.stderr if args.json else sys.stdout)
    return 0
