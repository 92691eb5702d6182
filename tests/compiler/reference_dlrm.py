"""A small DLRM with the reference implementation's interface, exported the way its ``--save-onnx`` does.

facebookresearch/dlrm ``dlrm_s_pytorch.py`` (written from its public description, no code copied):
``forward(dense_x, lS_o, lS_i)`` with one ``nn.EmbeddingBag(mode="sum")`` per table, called as
``E(lS_i[k], lS_o[k])``.  Its ONNX export names the inputs ``dense_x``, ``offsets``/``indices`` (one tensor each,
``[num_tables, batch]``: the single-hot Criteo form) or ``offsets_k``/``indices_k`` (one 1-D tensor per table: the
multi-hot form, ``indices_k`` holding every id of the batch), and labels every one of them ``batch_size``
(``dynamic_axes``: ``dense_x`` axis 0, tensor ``offsets``/``indices`` axis 1, list ``offsets_k``/``indices_k``
axis 0).  The reference exports opset 11, as the tests do (and 13 and 17).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

TABLES, ROWS, DIM, DENSE = 3, 20, 4, 13


def _model():
    import torch
    from torch import nn

    class ReferenceStyleDLRM(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb_l = nn.ModuleList(nn.EmbeddingBag(ROWS, DIM, mode="sum") for _ in range(TABLES))
            self.bot_l = nn.Sequential(nn.Linear(DENSE, DIM), nn.ReLU())
            self.top_l = nn.Sequential(nn.Linear(DIM * (TABLES + 1), 1), nn.Sigmoid())

        def forward(self, dense_x, lS_o, lS_i):
            x = self.bot_l(dense_x)
            ly = [emb(lS_i[k], lS_o[k]) for k, emb in enumerate(self.emb_l)]
            return self.top_l(torch.cat([x, *ly], dim=1))

    torch.manual_seed(0)
    return ReferenceStyleDLRM().eval()


def export(path: Path, multi_hot: bool, opset: int) -> Path:
    """Export with TorchScript as the reference does (example batch 4; multi-hot: 2 ids per bag)."""
    import torch

    batch = 4
    dense = torch.randn(batch, DENSE)
    if multi_hot:
        offsets = [torch.arange(batch) * 2 for _ in range(TABLES)]
        indices = [torch.randint(0, ROWS, (2 * batch,)) for _ in range(TABLES)]
        names = ["dense_x", *(f"offsets_{k}" for k in range(TABLES)), *(f"indices_{k}" for k in range(TABLES))]
        axes = {name: {0: "batch_size"} for name in names}
    else:
        offsets = torch.arange(batch).repeat(TABLES, 1)
        indices = torch.randint(0, ROWS, (TABLES, batch))
        names = ["dense_x", "offsets", "indices"]
        axes = {"dense_x": {0: "batch_size"}, "offsets": {1: "batch_size"}, "indices": {1: "batch_size"}}
    quiet = contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO())
    with warnings.catch_warnings(), quiet[0], quiet[1]:
        warnings.simplefilter("ignore")
        torch.onnx.export(_model(), (dense, offsets, indices), str(path), dynamo=False, opset_version=opset,
                          input_names=names, output_names=["pred"], dynamic_axes={**axes, "pred": {0: "batch_size"}})
    return path
