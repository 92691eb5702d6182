"""Run a mapping functionally: outputs as the bit-sliced crossbars and ADCs compute them.

Reads the graph inputs (each with a leading batch axis) from an ``.npz``, writes
the graph outputs to ``-o outputs.npz`` and prints, per output, the error
against the ideal run (16-bit crossbars, lossless ADCs, float digital ops, no
device errors), which equals the float model within ~1e-5.
"""

from __future__ import annotations

import argparse
import io


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("mapping", help="mapping.json written by pimcompile (its weights .npz next to it)")
    p.add_argument("--inputs", required=True, metavar="NPZ", help="graph inputs by name, leading batch axis")
    p.add_argument("-o", "--output", required=True, metavar="NPZ", help="where to write the graph outputs")
    p.add_argument("--ideal", action="store_true", help="16-bit crossbars, lossless ADCs, float digital ops")
    p.add_argument("--variation-sigma", type=float, default=0.0, help="relative conductance sigma (default 0)")
    p.add_argument("--stuck-at-rate", type=float, default=0.0, help="fraction of cells stuck at 0 or max")
    p.add_argument("--seed", type=int, default=0, help="seed of the device non-idealities (default 0)")
    p.add_argument("--adc-bits", type=int, help="override every crossbar operator's ADC bits")
    p.add_argument("--weight-bits", type=int, help="override every crossbar operator's weight bits")
    p.add_argument("--input-bits", type=int, help="override every crossbar operator's input bits")
    p.add_argument("--adc-range", choices=("clip", "full"), default="clip",
                   help="clip: 1-unit LSB, saturating (default); full: range of the largest possible sum")


def _settings(args: argparse.Namespace):
    from pimsim.functional import FunctionalSettings
    from pimsim.spec.errors import SpecError

    for flag, value in (("--adc-bits", args.adc_bits), ("--weight-bits", args.weight_bits),
                        ("--input-bits", args.input_bits)):
        if value is not None and not 2 <= value <= 16:
            raise SpecError(flag, f"{value}: must be between 2 and 16")
    if args.variation_sigma < 0 or not 0 <= args.stuck_at_rate <= 1:
        raise SpecError("--variation-sigma/--stuck-at-rate", "sigma must be >= 0 and the rate in [0, 1]")
    return FunctionalSettings(ideal=args.ideal, variation_sigma=args.variation_sigma,
                              stuck_at_rate=args.stuck_at_rate, seed=args.seed, weight_bits=args.weight_bits,
                              input_bits=args.input_bits, adc_bits=args.adc_bits, adc_range=args.adc_range)


def _read_inputs(path: str) -> dict:
    import numpy as np

    from pimsim.spec.errors import SpecError

    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except FileNotFoundError:
        raise SpecError(path, "no such file") from None
    except (OSError, ValueError) as exc:
        raise SpecError(path, f"not a readable .npz: {exc}") from None


def main(args: argparse.Namespace) -> int:
    import numpy as np

    from pimsim.functional import FunctionalSettings, load_constants
    from pimsim.functional.execute import FunctionalModel
    from pimsim.spec.io import atomic_write_bytes
    from pimsim.spec.mapping import load_mapping

    settings = _settings(args)
    mapping = load_mapping(args.mapping)
    constants = load_constants(mapping, args.mapping)
    inputs = _read_inputs(args.inputs)
    outputs = FunctionalModel(mapping, constants, settings).run(inputs)
    buf = io.BytesIO()
    np.savez(buf, **outputs)
    atomic_write_bytes(args.output, buf.getvalue())
    rows = len(next(iter(inputs.values()))) if inputs else 0
    print(f"{rows} queries -> {args.output} ({', '.join(outputs)})")
    if not settings.ideal:
        ideal = FunctionalModel(mapping, constants, FunctionalSettings(ideal=True)).run(inputs)
        for name, value in outputs.items():
            err = np.abs(value.astype(np.float64) - ideal[name])
            print(f"  {name}: max_abs_error_vs_ideal={err.max():.3g} mean_abs_error_vs_ideal={err.mean():.3g}")
    return 0
