"""``recsys space``: size of the NASRec search spaces (with and without precision choices), samples, validation.

    recsys space --space full --count
    recsys space --space small --count --weight-bits 4,8 --act-bits 8
    recsys space --space full --sample 3 --seed 0        # random architectures as JSON lines
    recsys space --space full --check arch.json          # validate a file (one-line error naming the bad item)
"""

from __future__ import annotations

import argparse

from pimsim.spec.cli_types import InputFile, Int, int_list
from pimsim.spec.limits import MAX_SEED
from recsys_models import registry
from recsys_models.registry import DEFAULT_ACT_BITS, DEFAULT_WEIGHT_BITS

MAX_SAMPLES = 10_000_000
MAX_SAMPLES_WHY = ("architectures are printed as they are drawn (about 2 kB of JSON each for NASRec-Full); 10^7 of "
                   "them are 20 GB")
BITS = int_list(1, 16, why="the crossbars and ADCs model up to 16 bits")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--space", choices=registry.SPACES, required=True, help="NASRec-Full or NASRec-Small")
    p.add_argument("--count", action="store_true", help="print log10 of the number of architectures")
    p.add_argument("--sample", type=Int(1, MAX_SAMPLES, why=MAX_SAMPLES_WHY), metavar="N",
                   help="print N random architectures (JSON lines, streamed)")
    p.add_argument("--check", metavar="ARCH.json", type=InputFile("nasrec-arch"), help="validate an architecture file")
    p.add_argument("--weight-bits", default=",".join(map(str, DEFAULT_WEIGHT_BITS)), type=BITS,
                   help="weight bit-width menu")
    p.add_argument("--act-bits", default=",".join(map(str, DEFAULT_ACT_BITS)), type=BITS,
                   help="activation bit-width menu")
    p.add_argument("--seed", type=Int(0, MAX_SEED.value, why=MAX_SEED.why), default=0, help="sampling seed")


# Sizes the papers state, for comparison (reference A.6): AutoRAC "over 10^54"; the [derived] count of NASRec's
# code encoding is 8.1e43 (Full) and 4.9e39 (Small).
STATED = {"full": "NASRec encoding ~10^43.9 [derived, reference A.6]; AutoRAC abstract: 'over 10^54'",
          "small": "NASRec encoding ~10^39.7 [derived, reference A.6]"}


def main(args: argparse.Namespace) -> int:
    import json
    import sys

    from recsys_models.errors import UserError
    from recsys_models.space import ArchError, arch_to_json, get_space, load_arch, log10_space_size, sample_arch

    if not (args.count or args.sample or args.check):
        raise UserError("recsys space", "give --count, --sample N or --check FILE")
    try:
        space = get_space(args.space, weight_bits=args.weight_bits, act_bits=args.act_bits)
    except ValueError as exc:
        raise UserError("--weight-bits/--act-bits", str(exc)) from None
    if args.count:
        plain = log10_space_size(space, with_precision=False)
        print(f"NASRec-{space.name.capitalize()}: {space.num_blocks} blocks, dense ops {list(space.dense_ops)}, "
              f"sparse ops {list(space.sparse_ops)}")
        print(f"  log10(architectures) without precision: {plain:.2f}")
        if space.has_precision:
            quant = log10_space_size(space, with_precision=True)
            print(f"  log10(architectures) with precision (weights {list(space.weight_bits)}, activations "
                  f"{list(space.act_bits)} per dense and sparse operator): {quant:.2f}")
        print(f"  stated: {STATED[space.name]}")
    if args.sample:
        import numpy as np

        rng = np.random.default_rng(args.seed)
        for _ in range(args.sample):
            sys.stdout.write(json.dumps(arch_to_json(sample_arch(space, rng, quantized=space.has_precision)),
                                        sort_keys=True) + "\n")
    if args.check:
        try:
            load_arch(args.check, space)
        except ArchError as exc:
            raise UserError(args.check, str(exc).removeprefix(f"{args.check}: ")) from None
        print(f"{args.check}: valid {space.name} architecture")
    return 0
