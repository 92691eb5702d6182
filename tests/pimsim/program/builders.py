"""Hand-built mappings for the simulator's validation cases (the compiler is not involved).

All use the ``default`` preset (1200 MHz; 128x128 crossbars of 2-bit cells; 8-bit weights -> 4
slices; differential -> 2 columns per slice; 8-bit inputs through 1-bit DACs -> 8 input slices).
"""

from __future__ import annotations

from pimsim.spec.arch import arch_from_dict, load_arch
from pimsim.spec.mapping import mapping_from_dict


def arch_doc(**changes) -> dict:
    """The default preset as a dict, with ``changes`` given as dotted paths (``pe.adc.per_crossbar=2``)."""
    doc = load_arch("default").model_dump(mode="json")
    for path, value in changes.items():
        cur = doc
        keys = path.split("__")
        for k in keys[:-1]:
            cur = cur[k]
        cur[keys[-1]] = value
    return doc


def mvm(name, x, y, k, n, tile, xbars, m=1):
    """One mvm of k x n weights (k <= 128, n * 8 <= 128 so it fits one crossbar) per (tile, pe, crossbar) in xbars."""
    blocks = [dict(tile=t, pe=pe, crossbar=xb, row_start=0, rows=k, col_start=0, cols=n, slice_start=0,
                   slice_count=4, sign_columns=2) for (t, pe, xb) in xbars[:1]]
    return {"kind": "mvm", "name": name, "op_type": "Gemm", "inputs": [x], "outputs": [y], "tile": tile,
            "precision": {"weight_bits": 8, "input_bits": 8, "output_bits": 8, "adc_bits": 8},
            "m": m, "k": k, "n": n, "blocks": blocks}


def chain_mapping(placements, arch=None, k0=128, width=16):
    """A chain of mvm layers: layer 0 is k0 x width, the others width x width.

    ``placements`` lists (home tile, (tile, pe, crossbar)) per layer.
    """
    arch = arch or arch_doc()
    values = [{"name": "v0", "shape": [k0], "bits": 8}]
    ops = []
    for i, (home, where) in enumerate(placements):
        values.append({"name": f"v{i + 1}", "shape": [width], "bits": 8})
        ops.append(mvm(f"fc{i}", f"v{i}", f"v{i + 1}", k0 if i == 0 else width, width, home, [where]))
    doc = {
        "schema_version": 2, "tool": "hand-built test mapping",
        "model": {"path": "test.onnx", "sha256": "0" * 64, "name": "chain", "opset": 18},
        "arch_sha256": arch_from_dict(arch, "arch").sha256(), "arch": arch, "strategy": "naive",
        "inputs": ["v0"], "outputs": [f"v{len(placements)}"], "values": values, "operators": ops,
    }
    return mapping_from_dict(doc, "test-mapping")
