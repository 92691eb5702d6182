"""--area-budget-mm2 and precision-policy errors (issue 6 'bad input'), and packing under a tight budget."""

from __future__ import annotations

import pytest


def test_budget_too_small_for_one_tile(project_models, arch):
    """default: the I/O link alone is 22.88 mm2 (chip.io_link.area_mm2), so 20 mm2 holds no tile."""
    from compiler.api import compile_onnx
    from pimsim.spec.errors import SpecError

    with pytest.raises(SpecError, match=r"--area-budget-mm2.*too small for even one tile"):
        compile_onnx(project_models["dlrm"], arch, area_budget_mm2=20.0, weights=False)


def test_budget_too_small_for_the_model(project_models, arch):
    """DLRM's 7 MLP layers need 267 crossbars unpacked (5 tiles of 64); one tile (23.3 mm2) cannot hold them."""
    from compiler.api import compile_onnx
    from compiler.cost.area import chip_area_mm2
    from pimsim.spec.errors import SpecError

    with pytest.raises(SpecError, match=r"too small for one copy of the model.*holds 1 tiles"):
        compile_onnx(project_models["dlrm"], arch, area_budget_mm2=chip_area_mm2(arch, 1) + 0.01, weights=False)


def test_tight_budget_packs_and_fits(project_models, arch):
    """Five tiles (320 crossbars) hold DLRM's 267 blocks only densely (7 layers on own tiles need 8): the mapping
    stays within 5 tiles and simulates."""
    from compiler.api import compile_onnx
    from compiler.cost.area import chip_area_mm2
    from pimsim.report.compare import tiles_used

    m = compile_onnx(project_models["dlrm"], arch, area_budget_mm2=chip_area_mm2(arch, 5) + 0.01, weights=False)
    assert len({b.tile for op in m.operators for b in getattr(op, "blocks", [])}) <= 5
    assert len(tiles_used(m)) <= 5


def test_policy_unknown_operator(project_models, arch):
    from compiler.api import compile_onnx
    from pimsim.spec.errors import SpecError

    policy = {"operators": {"/no/such/layer": {"weight_bits": 4}}}
    with pytest.raises(SpecError, match=r"'/no/such/layer' matches no operator"):
        compile_onnx(project_models["dlrm"], arch, precision_policy=policy, weights=False)


def test_policy_unsupported_bits(project_models, arch):
    from compiler.api import compile_onnx
    from pimsim.spec.errors import SpecError

    with pytest.raises(SpecError, match=r"weight_bits=32: must be an integer from 1 to 16"):
        compile_onnx(project_models["dlrm"], arch, precision_policy={"default": {"weight_bits": 32}}, weights=False)


def test_policy_mixed_precision_reaches_the_mapping(project_models, arch):
    """4-bit weights on the top MLP: 2 slices of 2-bit cells instead of 4, so top.0 takes half the columns."""
    from compiler.api import compile_onnx

    m = compile_onnx(project_models["dlrm"], arch, precision_policy={"operators": {"*top.0*": {"weight_bits": 4}}},
                     weights=False)
    top0 = next(op for op in m.operators if op.kind == "mvm" and "top.0" in op.name)
    assert top0.precision.weight_bits == 4
    assert {b.slice_count for b in top0.blocks} == {2}
