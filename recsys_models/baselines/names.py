"""Names of the registered models, without importing torch (argument checks run before any heavy import).

``tests/recsys_models/baselines`` checks that ``BASELINE_NAMES`` equals the keys of ``recsys_models.baselines.MODELS``.
"""

BASELINE_NAMES = ("dlrm", "deepfm", "dcnv2", "autoint", "xdeepfm", "widedeep", "lr")
MODEL_NAMES = (*BASELINE_NAMES, "nasrec_subnet")
