"""Names the command line accepts, importable without torch or numpy (usage errors answer in under 0.5 s).

Each tuple mirrors the registry it names; ``tests/tools/test_cli_conventions.py`` checks they agree.
"""

from __future__ import annotations

import re

BASELINE_NAMES = ("dlrm", "deepfm", "dcnv2", "autoint", "xdeepfm", "widedeep", "lr")
"""``recsys_models.baselines.MODELS``: the hand-crafted models, built from a name alone."""
MODEL_NAMES = (*BASELINE_NAMES, "nasrec_subnet")
"""Every model a checkpoint may hold (``recsys_models.baselines.build_model``): the baselines and one searched
NASRec architecture, whose checkpoint carries the architecture."""
DATASET_NAMES = ("criteo", "avazu", "kdd")
"""``recsys_models.data.specs.DATASETS``."""
NASREC_BEST = ("criteo_full", "criteo_small", "avazu_full", "avazu_small", "kdd_full", "kdd_small")
"""``recsys_models.space.NASREC_BEST``: the six published architectures, accepted by ``--arch`` by name."""
SPACES = ("full", "small")
DEFAULT_WEIGHT_BITS = (2, 4, 8)
"""The weight bit-width menu of the precision search (``recsys_models.space.choices``), here for the CLI defaults."""
DEFAULT_ACT_BITS = (4, 6, 8)
"""The activation bit-width menu (issue 24: 4/6/8; docs/accuracy.md, "Quantisation recipe")."""

MAX_HASH_SIZE = 100_000_000
MAX_HASH_SIZE_WHY = ("rows per embedding table: Criteo's largest table has 10,131,227 rows; 10^8 rows of 16 float32 "
                     "per table are 6.4 GB per table")
MAX_EXPORT_BATCH = 1 << 16
MAX_EXPORT_BATCH_WHY = "a fixed batch is a shape of the exported graph; the compiler maps one query"

DEVICE_PATTERN = re.compile(r"^(cpu|auto|cuda(:\d+)?)$")
"""``--device``: ``cpu``, ``cuda``, ``cuda:N`` or ``auto`` (``recsys_models.train.device``)."""
DEVICE_SYNTAX = "cpu, cuda, cuda:N or auto"
PRECISIONS = ("fp32", "bf16")
"""``--precision`` (``recsys_models.train.device``)."""
