"""Names the command line accepts, importable without torch or numpy (usage errors answer in under 0.5 s).

Each tuple mirrors the registry it names; ``tests/tools/test_cli_conventions.py`` checks they agree.
"""

from __future__ import annotations

MODEL_NAMES = ("dlrm", "deepfm", "dcnv2", "autoint", "xdeepfm", "widedeep", "lr")
"""``recsys_models.baselines.MODELS``."""
DATASET_NAMES = ("criteo", "avazu", "kdd")
"""``recsys_models.data.specs.DATASETS``."""
NASREC_BEST = ("criteo_full", "criteo_small", "avazu_full", "avazu_small", "kdd_full", "kdd_small")
"""``recsys_models.space.NASREC_BEST``: the six published architectures, accepted by ``--arch`` by name."""
SPACES = ("full", "small")

MAX_HASH_SIZE = 100_000_000
MAX_HASH_SIZE_WHY = ("rows per embedding table: Criteo's largest table has 10,131,227 rows; 10^8 rows of 16 float32 "
                     "per table are 6.4 GB per table")
MAX_EXPORT_BATCH = 1 << 16
MAX_EXPORT_BATCH_WHY = "a fixed batch is a shape of the exported graph; the compiler maps one query"
