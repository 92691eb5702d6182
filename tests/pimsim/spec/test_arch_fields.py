"""The arch fields of issue 17: one-line errors naming file and field, physical limits, old files unchanged,
derived variant names, and a schema whose every field has a description and its unit in its name."""

from __future__ import annotations

import copy

import pytest

from pimsim.spec.arch import (
    ArchSpec, arch_from_dict, arch_variant, load_arch, preset_path, set_arch_param, short_param_name,
)
from pimsim.spec.errors import SpecError
from pimsim.spec.io import read_yaml


def _error(mutate) -> str:
    doc = copy.deepcopy(read_yaml(preset_path("isaac")))
    mutate(doc)
    with pytest.raises(SpecError) as info:
        arch_from_dict(doc, "arch.yaml")
    text = info.value.one_line()
    assert text.startswith("error: arch.yaml: ") and "\n" not in text
    return text


def _set(path: str, value):
    def mutate(doc):
        cur = doc
        *head, last = path.split(".")
        for k in head:
            cur = cur.setdefault(k, {})
        cur[last] = value
    return mutate


TABLE = [{"bits": 8, "energy_pj": 1.0, "area_um2": 1.0, "conversion_ns": 1.0, "leakage_mw": 0.0},
         {"bits": 6, "energy_pj": 1.0, "area_um2": 1.0, "conversion_ns": 1.0, "leakage_mw": 0.0}]


@pytest.mark.parametrize("mutate, expected", [
    (_set("pe.adc.shared_by_crossbars", 0), "pe.adc.shared_by_crossbars=0: Input should be greater than or equal to 1"),
    (_set("pe.adc.shared_by_crossbars", 16), "pe.adc.shared_by_crossbars=16: more than the PE's pe.crossbars=8"),
    (_set("pe.crossbar.rows_per_read", 48), "pe.crossbar.rows_per_read=48: must divide pe.crossbar.rows=128"),
    (_set("pe.adc.model", "table"), "pe.adc: model=table needs a table"),
    (lambda d: (_set("pe.adc.model", "table")(d), _set("pe.adc.table", TABLE)(d)),
     "adc.table: bits must increase strictly from point to point (got [8, 6])"),
    (_set("pe.adc.table", TABLE[:1]), "pe.adc: model=isaac_sar: table and table_node_nm are for model=table only"),
    (_set("pe.crossbar.cell", {"area_f2": 4, "area_um2": 0.01}), "give area_f2 or area_um2, not both"),
    (_set("pe.crossbar.cell", {"read_voltage_v": 0.5, "r_on_kohm": 10}), "needs read_voltage_v, r_on_kohm and r_off_kohm"),
    (_set("pe.crossbar.cell", {"read_voltage_v": 0.5, "r_on_kohm": 10, "r_off_kohm": 5}),
     "r_off_kohm=5: must exceed r_on_kohm=10"),
    (_set("pe.dac.per_crossbar", 64), "pe.dac.per_crossbar=64: must lie between the rows read at once (128)"),
    (_set("pe.extra_components", [{"name": "ctl", "count": 1, "area_um2": 1.0, "leakage_mw": -1.0, "source": "x"}]),
     "pe.extra_components.0.leakage_mw=-1.0: Input should be greater than or equal to 0"),
    (_set("pe.extra_components", [{"name": "ctl", "count": 0, "area_um2": 1.0, "leakage_mw": 0.0, "source": "x"}]),
     "pe.extra_components.0.count=0: Input should be greater than or equal to 1"),
    (_set("pe.extra_components", [{"name": "9ctl", "count": 1, "area_um2": 1.0, "leakage_mw": 0.0, "source": "x"}]),
     "must be an identifier"),
    (_set("chip.power_gating", "always"), "chip.power_gating=always: Input should be 'none', 'unused_tiles' or 'idle'"),
    (_set("chip.tiles", 2**40), "chip.tiles=1099511627776: Input should be less than or equal to 65536"),
    (_set("chip.io_link.power_mw", 1e300), "chip.io_link.power_mw=1e+300: Input should be less than or equal to"),
    (_set("chip.io_link.power_mw", float("inf")), "chip.io_link.power_mw=inf: Input should be a finite number"),
    (_set("chip.io_link.power_mw", float("nan")), "chip.io_link.power_mw=nan: Input should be a finite number"),
    (_set("chip.io_link.lanes", 4), "kind=rated: lanes are for kind=serdes only"),
    (_set("chip.io_link.leakage_mw", 20000), "leakage_mw=20000: more than power_mw=10400"),
    (_set("technology.node_nm", 180), "technology.node_nm=180: Input should be less than or equal to 130"),
    (_set("technology.array_node_nm", 5), "technology.array_node_nm=5: Input should be greater than or equal to 7"),
    (_set("tile.buffer.bank_cycle_ns", 0), "tile.buffer.bank_cycle_ns=0: Input should be greater than 0"),
    (lambda d: (_set("pe.crossbars", 1024)(d), _set("tile.pes", 1024)(d), _set("chip.tiles", 65536)(d),
                _set("chip.mesh_cols", 256)(d)),
     "crossbars per chip: above the limit 16777216"),
])
def test_each_new_mistake_names_the_field(mutate, expected):
    assert expected in _error(mutate)


def test_old_files_load_and_keep_their_hash():
    """Fields added to schema version 1 leave the hash of a file that does not use them unchanged: the hashes
    below were computed by the code before issue 17 (git 793b5dc), so mappings compiled then stay valid."""
    assert load_arch("isaac").sha256().startswith("54c9ef671286")
    assert load_arch("default").sha256().startswith("500ede0414f8")
    assert arch_variant("isaac", {"chip.power_gating": "idle"}).sha256() != load_arch("isaac").sha256()


def test_variants_name_themselves():
    v = arch_variant("default", {"chip.tiles": 32, "pe.adc.bits": 6})
    assert v.name == "default+tiles=32+adc.bits=6"
    assert v.description.endswith("[changed: tiles=32, adc.bits=6]")
    again = arch_variant(v, {"chip.tiles": 16})
    assert again.name == "default+tiles=16+adc.bits=6"
    assert short_param_name(v.model_dump(mode="json"), "tile.shift_add_units") == "tile.shift_add_units"
    doc = load_arch("isaac").model_dump(mode="json")
    set_arch_param(doc, "chip.io_link.power_mw", 1e300)
    assert doc["name"] == "isaac+power_mw=1e300"  # no '+' inside a value token
    with pytest.raises(SpecError, match=r"^default\+tiles=3: |error: default\+tiles=3: "):
        arch_variant("default", {"chip.tiles": 3})  # the error names the variant


def _properties(schema: dict):
    for name, model in schema["$defs"].items():
        for field, prop in model["properties"].items():
            yield name, field, prop
    for field, prop in schema["properties"].items():
        yield "ArchSpec", field, prop


UNITS = {"mw", "pj", "fj", "ns", "um2", "mm2", "nm", "v", "kohm", "gbps", "msps", "mhz", "bytes", "bits", "f2",
         "cycle", "fraction"}
"""Unit tokens of a field name (``write_latency_ns_per_row``, ``peak_per_cycle``, ``static_fraction``)."""


def test_every_field_has_a_description_and_every_float_a_unit():
    """Counts (rows, tiles, lanes, ...) are dimensionless; every float carries its unit (or says it is a
    fraction) in its name."""
    schema = ArchSpec.model_json_schema()
    for model, field, prop in _properties(schema):
        assert prop.get("description"), f"{model}.{field} has no description"
        types = {prop.get("type")} | {p.get("type") for p in prop.get("anyOf", [])}
        if "number" in types:
            assert UNITS & set(field.split("_")), f"{model}.{field}: a float without a unit in its name"


def test_values_at_the_limits_give_finite_reports():
    """Every number at its least favourable limit still prices to finite JSON (no inf/NaN reaches a report)."""
    import json

    from pimsim.components.rollup import area_rollup

    slow = arch_variant("isaac", {"clock_mhz": 1.0, "pe.adc.sample_rate_msps": 1.0e-3,
                                  "pe.crossbar.read_latency_ns": 1.0e5, "chip.io_link.bandwidth_gbps": 1.0e-3,
                                  "embedding.dram.bandwidth_gbps": 1.0e-3, "technology.node_nm": 130})
    fast = arch_variant("isaac", {"clock_mhz": 1.0e4, "pe.adc.sample_rate_msps": 1.0e5, "technology.node_nm": 7,
                                  "pe.crossbar.read_latency_ns": 1.0e-3, "chip.io_link.power_mw": 1.0e6})
    for arch in (slow, fast):
        json.dumps(area_rollup(arch).to_json_dict(), allow_nan=False)
