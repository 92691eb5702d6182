"""Accuracy oracle: supernet-inherited log loss and AUC of a candidate architecture.

NASRec's one-shot estimate (``recsys_search_space.md`` B.1/B.3): the subnet
inherits the supernet's weights, only its logit layer is fine-tuned
(``finetune_steps``, NASRec 500, lr 0.04), then log loss on the validation
split.  The work is ``recsys_models.supernet.evaluate_subnet``; this module
loads the checkpoint and the split once per worker, and checks that the
checkpoint belongs to the space and dataset the search was asked for. ``spec["device"]`` (``recsys search
--device``) places the supernet and the rows: ``cuda`` on a GPU worker, ``auto`` wherever one is seen.
"""

from __future__ import annotations

from recsys_models.errors import UserError

FINETUNE_BATCH = 512  # NASRec's supernet batch (B.2)
EVAL_BATCH = 4096


def load_checked_supernet(path: str, space: str, dataset: str, device=None):
    """The supernet at ``path`` (on ``device``); ``UserError`` naming the checkpoint if it is for another space or
    dataset."""
    from recsys_models.supernet.train import load_supernet

    supernet = load_supernet(path, device)
    if supernet.space.name != space:
        raise UserError(path, f"checkpoint is a NASRec-{supernet.space.name} supernet; the search space is {space}")
    if supernet.dataset_spec.name != dataset:
        raise UserError(path, f"checkpoint was trained on {supernet.dataset_spec.name}; the search is on {dataset}")
    return supernet


class SupernetAccuracy:
    """``arch_json -> {"log_loss", "auc"}`` with a loaded supernet and cached data splits."""

    def __init__(self, spec: dict):
        import torch

        from recsys_models.data.dataset import TensorBatches, load_split

        from recsys_models.train.device import resolve_device

        torch.set_num_threads(1)  # one core per worker; parallelism comes from the executor
        if not spec.get("data"):
            raise UserError("--data", "required with --supernet (the validation rows come from it)")
        self.device = resolve_device(spec.get("device", "cpu"))
        self.supernet = load_checked_supernet(spec["supernet"], spec["space"], spec["dataset"], self.device)
        self.finetune_steps = int(spec.get("finetune_steps", 500))
        hash_size = self.supernet.dataset_spec.hash_size
        train = load_split(spec["dataset"], spec["data"], "train", hash_size=hash_size)
        val = load_split(spec["dataset"], spec["data"], "val", hash_size=hash_size)
        rows = spec.get("eval_rows")
        if rows:
            val = tuple(t[:rows] for t in val)
        if len(val[2]) == 0 or len(train[2]) == 0:
            raise UserError(spec["data"], "the train or validation split is empty")
        self.data = (TensorBatches(*train, batch_size=FINETUNE_BATCH, shuffle=False, device=self.device),
                     TensorBatches(*val, batch_size=EVAL_BATCH, device=self.device))
        self.seed = int(spec.get("seed", 0))
        self.finetune_batches = int(spec.get("finetune_batches", 64))
        if self.finetune_batches < 1:
            raise UserError("--finetune-batches", f"{self.finetune_batches}: must be at least 1")

    def __call__(self, arch_json: dict) -> dict[str, float]:
        from recsys_models.space import ArchError, arch_from_json
        from recsys_models.supernet.subnet import evaluate_subnet

        try:
            arch = arch_from_json(arch_json, self.supernet.space)
        except ArchError as exc:
            raise UserError("candidate", str(exc)) from None
        m = evaluate_subnet(self.supernet, arch, self.data, self.finetune_steps, seed=self.seed,
                            cache_batches=self.finetune_batches)
        return {"log_loss": float(m["logloss"]), "auc": float(m["auc"])}
