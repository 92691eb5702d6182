"""A mapping that does not fit its architecture is rejected before simulation, naming operator and tile."""

from __future__ import annotations

import pytest

from pimsim.api import simulate
from pimsim.spec.errors import SpecError
from pimsim.spec.mapping import Mapping
from tests.pimsim.program.builders import arch_doc, chain_mapping


def _tampered(mapping: Mapping, op_changes: dict | None = None, block_changes: dict | None = None) -> Mapping:
    """Bypass the loader's checks (as a library caller building a Mapping in memory could)."""
    op = mapping.operators[0]
    block = op.blocks[0].model_copy(update=block_changes or {})
    op = op.model_copy(update={"blocks": [block], **(op_changes or {})})
    return mapping.model_copy(update={"operators": [op, *mapping.operators[1:]]})


def test_buffer_smaller_than_one_operand():
    """64-byte buffers (512 bits) cannot hold the 128 x 8 = 1024-bit input of fc0 on tile 0."""
    m = chain_mapping([(0, (0, 0, 0))], arch=arch_doc(tile__buffer__capacity_bytes=64))
    with pytest.raises(SpecError, match=r"value v0 \(graph input, read by fc0\) needs 1024 bits \(128 B\) of "
                                        r"buffer on tile 0, which holds 512 bits"):
        simulate(m)


@pytest.mark.parametrize("changes, expected", [
    ({"crossbar": 8}, "operator fc0: block on tile 0 pe 0 crossbar 8: crossbar 8 does not exist (pe has 8)"),
    ({"tile": 64}, "operator fc0: block on tile 64 pe 0 crossbar 0: tile 64 does not exist (chip has 64)"),
])
def test_block_on_missing_hardware(changes, expected):
    with pytest.raises(SpecError) as info:
        simulate(_tampered(chain_mapping([(0, (0, 0, 0))]), block_changes=changes))
    assert expected in info.value.message


def test_operator_on_missing_tile():
    with pytest.raises(SpecError, match="operator fc0: tile 99 does not exist"):
        simulate(_tampered(chain_mapping([(0, (0, 0, 0))]), op_changes={"tile": 99}))
