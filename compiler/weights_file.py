"""The weights sidecar: a deterministic ``.npz`` of constant tensors (key = value name).

Written with fixed zip timestamps so the same model gives the same bytes (and
the same ``weights_sha256``); readable with ``numpy.load``.
"""

from __future__ import annotations

import hashlib
import io
import zipfile

import numpy as np
from pimsim.spec.io import atomic_write_bytes


def weights_bytes(weights: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(weights):
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with zf.open(info, "w", force_zip64=True) as fh:
                np.lib.format.write_array(fh, np.asarray(weights[name], order="C"), allow_pickle=False)
    return buf.getvalue()


def write_weights(path, weights: dict[str, np.ndarray]) -> str:
    """Write atomically; return the file's sha256."""
    data = weights_bytes(weights)
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()
