"""Run a mapping functionally: outputs as the bit-sliced crossbars and ADCs compute them.

Reads the graph inputs (each with a leading batch axis) from an ``.npz`` (``--inputs``), or
builds them from a raw CTR file with the project's readers (``--data FILE --rows N``, the
same preprocessing as ``recsys train``/``recsys evaluate``); writes the graph outputs to
``-o outputs.npz`` and prints, per output, the error against the ideal run (16-bit
crossbars, lossless ADCs, float digital ops, no device errors), which equals the float
model within ~1e-5.
"""

from __future__ import annotations

import argparse
import io
import sys

from pimsim.spec import limits
from pimsim.spec.cli_types import InputFile, Int, OutputFile, Real

DATASETS = ("criteo", "avazu", "kdd")
MAX_DATA_ROWS = 10_000_000
MAX_DATA_ROWS_WHY = "10^7 Criteo rows are 2.6 GB of inputs (13 float32 + 26 int64 each) and hours of functional simulation"
BITS = Int(2, 16, why="the functional model's crossbar and ADC numerics hold up to 16 bits")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("mapping", type=InputFile("mapping"), help="mapping.json written by pimcompile (its weights .npz next to it)")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--inputs", metavar="NPZ", type=InputFile("npz"), help="graph inputs by name, leading batch axis")
    source.add_argument("--data", metavar="FILE", type=InputFile(directory_ok=True),
                        help="raw Criteo/Avazu/KDD file (.gz allowed): graph inputs built with the recsys readers")
    p.add_argument("--rows", type=Int(1, MAX_DATA_ROWS, why=MAX_DATA_ROWS_WHY),
                   default=1024, metavar="N", help="with --data: the first N rows of --split")
    p.add_argument("--dataset", choices=DATASETS,
                   help="with --data: the file's format (default: from the mapping's input shapes)")
    p.add_argument("--split", choices=("train", "val", "test", "all"), default="test",
                   help="with --data: the deterministic 8:1:1 split rows come from")
    p.add_argument("--hash-size", type=Int(2, 1 << 31, why="embedding rows are indexed by 32-bit integers"),
                   metavar="ROWS", help="with --data: embedding-table cap the model was built with "
                                        "(default: the mapping's largest table)")
    p.add_argument("-o", "--out", dest="output", required=True, metavar="NPZ", type=OutputFile((".npz",)),
                   help="where to write the graph outputs")
    p.add_argument("--ideal", action="store_true", help="16-bit crossbars, lossless ADCs, float digital ops")
    p.add_argument("--variation-sigma", type=Real(0, limits.MAX_VARIATION_SIGMA.value,
                                                  why=limits.MAX_VARIATION_SIGMA.why),
                   default=0.0, help="relative conductance sigma")
    p.add_argument("--stuck-at-rate", type=Real(0, 1, why="a fraction of the cells"), default=0.0,
                   help="fraction of cells stuck at 0 or max")
    p.add_argument("--seed", type=Int(0, limits.MAX_SEED.value, why=limits.MAX_SEED.why), default=0,
                   help="seed of the device non-idealities")
    p.add_argument("--adc-bits", type=BITS, help="override every crossbar operator's ADC bits")
    p.add_argument("--weight-bits", type=BITS, help="override every crossbar operator's weight bits")
    p.add_argument("--input-bits", type=BITS, help="override every crossbar operator's input bits")
    p.add_argument("--adc-range", choices=("clip", "full"), default="clip",
                   help="clip: 1-unit LSB, saturating; full: range of the largest possible sum")


def _settings(args: argparse.Namespace):
    from pimsim.functional import FunctionalSettings

    return FunctionalSettings(ideal=args.ideal, variation_sigma=args.variation_sigma,
                              stuck_at_rate=args.stuck_at_rate, seed=args.seed, weight_bits=args.weight_bits,
                              input_bits=args.input_bits, adc_bits=args.adc_bits, adc_range=args.adc_range)


def _read_inputs(path: str) -> dict:
    import zipfile

    import numpy as np

    from pimsim.spec.errors import SpecError

    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise SpecError(path, f"not a readable .npz: {' '.join(str(exc).split()) or type(exc).__name__}") from None
    except MemoryError as exc:
        raise SpecError(path, f"declares an array too large to load ({' '.join(str(exc).split())})") from None


def _dataset_of(mapping, names: list[str]) -> str:
    """The dataset whose (dense, sparse) widths match the mapping's two graph inputs."""
    from pimsim.spec.errors import SpecError
    from recsys_models.data.specs import dataset_spec

    widths = tuple(mapping.value(n).shape[-1] if mapping.value(n).shape else 1 for n in names)
    for name in DATASETS:
        spec = dataset_spec(name)
        if widths == (spec.n_int, spec.n_cat):
            return name
    raise SpecError("--data", f"the mapping's inputs {names} have widths {list(widths)}, which match no dataset "
                              f"(criteo 13+26, avazu 1+24, kdd 3+10); give --dataset")


def _input_names(mapping) -> list[str]:
    from pimsim.spec.errors import SpecError

    names = list(mapping.inputs)
    if len(names) != 2:
        raise SpecError("--data", f"--data needs a model with two graph inputs (dense, sparse), found {names}")
    if set(names) == {"dense", "sparse"}:
        return ["dense", "sparse"]
    kinds = [mapping.value(n).dtype.startswith("int") for n in names]
    return names if kinds == [False, True] else names[::-1]


def inputs_from_data(args: argparse.Namespace, mapping) -> dict:
    """The first ``--rows`` rows of ``--split`` of ``--data``, preprocessed as training does, as graph inputs.

    The embedding-table cap defaults to the mapping's largest table (tables are ``min(cardinality, cap)``
    rows), so ids land in the tables the model was exported with; a cap that gives other table sizes is refused.
    """
    import numpy as np

    from pimsim.spec.errors import SpecError
    from recsys_models.data import CTRData
    from recsys_models.data.specs import dataset_spec
    from recsys_models.errors import UserError

    names = _input_names(mapping)
    name = args.dataset or _dataset_of(mapping, names)
    tables = sorted(op.rows for op in mapping.operators if op.kind == "embedding")
    hash_size = args.hash_size or (max(tables) if tables else 10_000)
    spec = dataset_spec(name, hash_size)
    if tables and sorted(spec.table_sizes) != tables:
        raise SpecError("--hash-size", f"{hash_size}: gives {name} tables of {sorted(set(spec.table_sizes))} rows, "
                                       f"the mapping has {sorted(set(tables))}; give the cap the model was built with")
    dense, sparse, rows = [], [], 0
    try:
        for d, s, _ in CTRData(name, args.data, args.split, hash_size=hash_size).chunks():
            dense.append(d[: args.rows - rows])
            sparse.append(s[: args.rows - rows])
            rows += len(dense[-1])
            if rows >= args.rows:
                break
    except UserError as exc:
        raise SpecError(exc.path, exc.message) from None
    if rows == 0:
        raise SpecError(args.data, f"the {args.split} split has no rows")
    return {names[0]: np.concatenate(dense).astype(np.float32), names[1]: np.concatenate(sparse)}


def _refuse_overwriting_weights(args, mapping) -> None:
    from pathlib import Path

    from pimsim.spec.cli_support import same_file
    from pimsim.spec.errors import SpecError

    if mapping.weights_file and same_file(args.output, str(Path(args.mapping).parent / mapping.weights_file)):
        raise SpecError("-o/--out", f"{args.output}: would overwrite the input {mapping.weights_file} "
                                    "(the mapping's weights)")


def main(args: argparse.Namespace) -> int:
    import numpy as np

    from pimsim.functional import FunctionalSettings, load_constants
    from pimsim.functional.execute import FunctionalModel
    from pimsim.spec.io import atomic_write_bytes
    from pimsim.spec.mapping import load_mapping

    settings = _settings(args)
    from pimsim.spec.mapping_limits import check_mapping_limits

    mapping = load_mapping(args.mapping)
    check_mapping_limits(mapping, args.mapping)
    _refuse_overwriting_weights(args, mapping)
    constants = load_constants(mapping, args.mapping)
    inputs = inputs_from_data(args, mapping) if args.data else _read_inputs(args.inputs)
    outputs = FunctionalModel(mapping, constants, settings).run(inputs)
    buf = io.BytesIO()
    np.savez(buf, **outputs)  # type: ignore[arg-type]  # numpy's stub checks **kwds against allow_pickle
    atomic_write_bytes(args.output, buf.getvalue())
    rows = len(next(iter(inputs.values()))) if inputs else 0
    print(f"wrote {args.output}: {rows} queries ({', '.join(outputs)})")
    if not settings.ideal:
        ideal = FunctionalModel(mapping, constants, FunctionalSettings(ideal=True)).run(inputs)
        for name, value in outputs.items():
            err = np.abs(value.astype(np.float64) - ideal[name])
            print(f"  {name}: max_abs_error_vs_ideal={err.max():.3g} mean_abs_error_vs_ideal={err.mean():.3g}")
    sys.stdout.flush()
    return 0
