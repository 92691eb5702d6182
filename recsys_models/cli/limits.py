"""Argument types of the ``recsys`` subcommands, with the upper bound of every quantity and its reason.

The types are those of :mod:`pimsim.spec.cli_types` (checked while parsing, before torch is
imported); the bounds are listed in docs/robustness.md next to the simulator's
(:data:`pimsim.spec.limits.LIMITS`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from pimsim.spec.cli_types import InputFile, Int, OutputDir, OutputFile, Real, int_list
from pimsim.spec.limits import MAX_BATCH, MAX_SEED, MAX_VARIATION_SIGMA, MAX_WORKERS, Limit
from recsys_models import registry

LIMITS: list[Limit] = []


def _limit(name: str, value: float, why: str) -> Limit:
    limit = Limit(name, value, why)
    LIMITS.append(limit)
    return limit


def _int(limit: Limit, lo: int = 1) -> Int:
    return Int(lo, limit.value, why=limit.why)


EPOCHS_LIMIT = _limit("training epochs (`--epochs`)", 1000,
                      "NASRec trains one epoch; the 10k-row samples overfit from the second (docs/models.md)")
BATCH_ROWS_LIMIT = _limit("rows per batch (`--batch-size`, `--batch`)", 1 << 20,
                          "a batch of 2^20 Criteo rows is 272 MB of inputs (13 float32 + 26 int64 per row) before any activation")
LR_LIMIT = _limit("learning rate (`--lr`)", 10.0,
                  "Adam and Adagrad diverge within a step far below 10 (NASRec uses 0.12-0.2)")
EMBEDDING_DIM_LIMIT = _limit("embedding dimension (`--embedding-dim`)", 4096,
                             "published CTR models use 4-64; 4096 x 10,000 rows x 26 tables is 4.3 GB")
THREADS_LIMIT = _limit("torch threads (`--threads`)", 1024, "threads on one machine; beyond the cores they only spin")
HASH_SIZE_LIMIT = _limit("rows per embedding table (`--hash-size`)", registry.MAX_HASH_SIZE,
                         registry.MAX_HASH_SIZE_WHY)
STEPS_LIMIT = _limit("training steps (`--steps`, `--finetune-steps`, `--warmup-steps`, `--val-every`, "
                     "`--checkpoint-every`)", 10_000_000,
                     "NASRec's supernet trains ~71,600 steps on all of Criteo; 10^7 is 140 times that")
SEARCH_SIZE_LIMIT = _limit("search sizes (`--budget`, `--population`, `--generations`, `--children`, "
                           "`--sample-size`)", 1_000_000,
                           "NASRec evaluates 128 + 240 x 8 = 2,048 candidates; 10^6 is days of supernet scoring")
LOG_LOSS_LIMIT = _limit("log-loss bounds (`--max-logloss`, `--logloss-slack`, `--logloss-reference`)", 100.0,
                        "a constant 0.5 predictor scores ln 2 = 0.69 nats; 100 is a typo")
ROWS_LIMIT = _limit("rows evaluated (`--rows`, `--eval-rows`, `--val-rows`)", 100_000_000,
                    "Criteo's full training set has 45.8 M rows")
VERIFY_LIMIT = _limit("designs re-priced exactly (`--verify-top`, `--top`)", 1000,
                      "each is a whole-model compile and simulation (seconds to minutes)")
PATIENCE_LIMIT = _limit("validations without improvement before stopping (`--patience`)", 10_000_000,
                        "a run validates at most once per step, and runs at most 10^7 steps (`--steps`)")
VAL_SUBNETS_LIMIT = _limit("subnets averaged per supernet validation (`--val-subnets`)", 1024,
                           "each is a forward pass over the validation rows; the recipe uses 8")
CLIP_NORM_LIMIT = _limit("gradient-norm clip (`--clip-norm`)", 1e6,
                         "a gradient norm above 10^6 means the run has diverged; a larger threshold clips nothing")
PROGRESS_EVERY_LIMIT = _limit("seconds between progress lines (`--progress-every`)", 86_400,
                              "one line a day; longer is no progress report")
LOADER_WORKERS_LIMIT = _limit("data-parsing processes (`--loader-workers`)", 256,
                              "processes parsing one file on one host; no host has the cores for more")

EPOCHS = _int(EPOCHS_LIMIT)
BATCH_ROWS = _int(BATCH_ROWS_LIMIT)
LR = Real(0, LR_LIMIT.value, lo_open=True, why=LR_LIMIT.why)
EMBEDDING_DIM = _int(EMBEDDING_DIM_LIMIT)
THREADS = _int(THREADS_LIMIT)
HASH_SIZE = Int(2, HASH_SIZE_LIMIT.value, why=HASH_SIZE_LIMIT.why)
SEED = Int(0, MAX_SEED.value, why=MAX_SEED.why)
STEPS = _int(STEPS_LIMIT)
STEPS0 = _int(STEPS_LIMIT, lo=0)
SEARCH_SIZE = _int(SEARCH_SIZE_LIMIT)
ROWS = _int(ROWS_LIMIT)
VAL_ROWS = _int(ROWS_LIMIT)
VERIFY = _int(VERIFY_LIMIT, lo=0)
TOP = _int(VERIFY_LIMIT)
WORKERS = Int(1, MAX_WORKERS.value, why=MAX_WORKERS.why)
SIM_BATCH = Int(1, MAX_BATCH.value, why=MAX_BATCH.why)
SIGMA = Real(0, MAX_VARIATION_SIGMA.value, why=MAX_VARIATION_SIGMA.why)
FRACTION = Real(0, 1, why="a fraction")
BITS = Int(2, 16, why="the functional model's crossbar and ADC numerics hold up to 16 bits")
BITS_MENU = int_list(1, 16, why="the crossbars and ADCs model up to 16 bits")
EXPORT_BATCH = Int(1, registry.MAX_EXPORT_BATCH, why=registry.MAX_EXPORT_BATCH_WHY)
WIDTH_MENU = int_list(1, 65536, why="layer widths; NASRec's largest is 1024", allow_empty=False)
PATIENCE = _int(PATIENCE_LIMIT)
VAL_SUBNETS = _int(VAL_SUBNETS_LIMIT)
CLIP_NORM = Real(0, CLIP_NORM_LIMIT.value, lo_open=True, why=CLIP_NORM_LIMIT.why)
PROGRESS_EVERY = Real(0, PROGRESS_EVERY_LIMIT.value, why=PROGRESS_EVERY_LIMIT.why)
LOADER_WORKERS = _int(LOADER_WORKERS_LIMIT, lo=0)
LOG_LOSS = Real(0, LOG_LOSS_LIMIT.value, lo_open=True, why=LOG_LOSS_LIMIT.why)
LOG_LOSS_SLACK = Real(0, LOG_LOSS_LIMIT.value, why=LOG_LOSS_LIMIT.why)


def DEVICE(text: str) -> str:  # noqa: N802 - an argparse type, named like the others
    """``--device``: the syntax only (``cpu``, ``cuda``, ``cuda:N``, ``auto``); whether torch sees that GPU is
    checked when the command starts (``recsys_models.train.device.resolve_device``)."""
    if not registry.DEVICE_PATTERN.match(text):
        raise argparse.ArgumentTypeError(f"{text!r}: expected {registry.DEVICE_SYNTAX}")
    return text


DATA = InputFile(directory_ok=True)
CHECKPOINT = InputFile("checkpoint")
MAPPING = InputFile("mapping")
NASREC_ARCH = InputFile("nasrec-arch", presets=registry.NASREC_BEST, preset_noun="NASRec architecture")
HW_SPACE = InputFile("hw-space", also=("sweep",))  # a sweep file's design space is accepted


def out_dir(*files: str) -> OutputDir:
    """An output directory the command fills with ``files``."""
    return OutputDir(files)


def out_file(*suffixes: str, derived: Callable[[str], list[str]] | None = None) -> OutputFile:
    """An output file with one of ``suffixes``; ``derived(value)`` names the files written beside it."""
    return OutputFile(suffixes, derived)
