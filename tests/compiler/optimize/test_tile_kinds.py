"""The tile-kind placement rule (``compiler.passes.optimize.kinds``), on the default crossbar (128 rows, 1-bit
DACs, 2-bit cells) in two kinds listed high first: ``high`` (8-bit ADC) and ``low`` (4-bit ADC).

Hand calculation: a column sum of r rows reaches r x (2^1 - 1) x (2^2 - 1) = 3r, so it needs ceil(log2(3r + 1))
bits: 128 rows -> log2(385) -> 9; 64 rows -> log2(193) -> 8; 2 rows -> log2(7) -> 3.
"""

from __future__ import annotations

import pytest

from compiler.passes.optimize.kinds import choose_kind, required_adc_bits
from pimsim.spec.arch import arch_from_dict, load_arch
from pimsim.spec.errors import SpecError


@pytest.fixture(scope="module")
def kinds():
    doc = load_arch("default").model_dump(mode="json")
    doc["chip"]["tile_kinds"] = [{"name": "high", "count": 32},
                                 {"name": "low", "count": 32, "pe": {"adc": {"bits": 4}}}]
    return arch_from_dict(doc, "kinds.yaml")


def test_required_bits_are_the_column_sum_capped_by_the_operator_precision(kinds):
    low = kinds.kind_arch("low")
    assert required_adc_bits(low, 128, 16, 8, 8) == 8  # min(9, 8)
    assert required_adc_bits(low, 64, 16, 4, 4) == 4  # min(8, 4)
    assert required_adc_bits(low, 2, 16, 8, 8) == 3  # min(3, 8)
    assert required_adc_bits(low, 128, 16, 16, 8) == 9  # min(9, 16)


def test_each_operator_goes_on_the_lowest_resolution_kind_that_covers_it(kinds):
    assert choose_kind(kinds, "fc4", 64, 16, 4, 4, "m.onnx") == "low"  # 4 bits: low fits, and is lower
    assert choose_kind(kinds, "fc8", 64, 16, 8, 8, "m.onnx") == "high"  # 8 bits: only high
    assert choose_kind(kinds, "fc8_2rows", 2, 16, 8, 8, "m.onnx") == "low"  # its sums need 3 bits


def test_an_operator_no_kind_fits_is_a_one_line_error(kinds):
    with pytest.raises(SpecError) as err:
        choose_kind(kinds, "fc16", 128, 16, 16, 16, "m.onnx")
    assert str(err.value) == ("m.onnx: operator fc16: 16-bit weights x 16-bit inputs need 9-bit conversions; no "
                              "tile kind converts them (ADC bits: high 8, low 4)")
