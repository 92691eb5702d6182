"""arch.yaml validation: presets load, and each kind of mistake gets a one-line error naming file and field."""

from __future__ import annotations

import copy

import pytest
import yaml

from pimsim.spec.arch import arch_from_dict, arch_variant, load_arch, preset_path
from pimsim.spec.errors import SpecError


def _isaac_dict() -> dict:
    return yaml.safe_load(preset_path("isaac").read_text())


def test_presets_load_with_published_isaac_organisation():
    """ISAAC Table 6: 168 tiles x 12 IMAs x 8 crossbars = 16128 crossbars of 128x128 2-bit cells."""
    isaac = load_arch("isaac")
    assert isaac.crossbars_per_chip == 168 * 12 * 8 == 16128
    assert (isaac.pe.crossbar.rows, isaac.pe.crossbar.cols, isaac.pe.crossbar.cell_bits) == (128, 128, 2)
    assert isaac.cols_per_adc == 128  # one ADC per crossbar, 128 columns share it
    assert load_arch("default").name == "default"


def test_hash_is_stable_and_sensitive():
    a, b = load_arch("isaac"), load_arch("isaac")
    assert a.sha256() == b.sha256()
    d = _isaac_dict()
    d["pe"]["adc"]["bits"] = 6
    assert arch_from_dict(d, "x.yaml").sha256() != a.sha256()


def _error_for(mutate) -> str:
    d = _isaac_dict()
    mutate(d)
    with pytest.raises(SpecError) as info:
        arch_from_dict(copy.deepcopy(d), "arch.yaml")
    text = info.value.one_line()
    assert text.startswith("error: arch.yaml: ") and "\n" not in text
    return text


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["pe"]["crossbar"].__setitem__("rows", 300), "pe.crossbar.rows=300: 300: must be a power of two"),
        (lambda d: d["pe"]["crossbar"].__setitem__("rows", 0), "pe.crossbar.rows=0: Input should be greater than or equal to 2"),
        (lambda d: d["pe"]["adc"].__setitem__("bits", 17), "pe.adc.bits=17: Input should be less than or equal to 16"),
        (lambda d: d["pe"]["adc"].__setitem__("color", "red"), "pe.adc.color: unknown key"),
        (lambda d: d.pop("clock_mhz"), "clock_mhz: required field missing"),
        (lambda d: d["technology"].__setitem__("node_nm", 5), "technology.node_nm=5: Input should be greater than or equal to 7"),
        (lambda d: d["pe"]["crossbar"].__setitem__("cols", "wide"), "pe.crossbar.cols=wide: Input should be a valid integer"),
        (lambda d: d["pe"]["adc"].__setitem__("per_crossbar", 3), "pe.adc.per_crossbar=3: must divide pe.crossbar.cols=128"),
        (lambda d: d.__setitem__("schema_version", 2), "schema_version=2: unsupported"),
        (lambda d: d["embedding"].pop("dram"), "embedding: location=dram needs a dram: section"),
        (lambda d: d["pe"]["adc"].__setitem__("model", "magic"), "pe.adc.model=magic: Input should be"),
        (lambda d: d["chip"]["io_link"].__setitem__("power_mw", -1), "chip.io_link.power_mw=-1: Input should be greater than or equal to 0"),
    ],
)
def test_each_mistake_names_the_field(mutate, expected):
    assert expected in _error_for(mutate)


def test_unknown_preset_lists_presets():
    with pytest.raises(SpecError) as info:
        load_arch("isaak")
    assert info.value.one_line() == (
        "error: isaak: unknown architecture preset (presets: isaac, default, puma, neurosim_rram; or give a .yaml path)"
    )


def test_yaml_file_errors(tmp_path):
    bad = tmp_path / "a.yaml"
    bad.write_text("pe: [unclosed\n")
    with pytest.raises(SpecError, match="not valid YAML: line"):
        load_arch(bad)
    with pytest.raises(SpecError, match="no such file"):
        load_arch(tmp_path / "missing.yaml")
    top = tmp_path / "list.yaml"
    top.write_text("- 1\n- 2\n")
    with pytest.raises(SpecError, match="expected a mapping"):
        load_arch(top)


def test_xy_route_goes_x_first_then_y():
    """default: 8x8 mesh, tile t at (t % 8, t // 8).  9 = (1,1) -> 27 = (3,3): two X hops on row 1
    (9->10->11), then two Y hops in column 3 (11->19->27)."""
    arch = load_arch("default")
    assert arch.xy_route(9, 27) == [(9, 10), (10, 11), (11, 19), (19, 27)]
    assert arch.xy_route(27, 9) == [(27, 26), (26, 25), (25, 17), (17, 9)]
    assert arch.xy_route(5, 5) == []


def test_arch_variant_sets_dotted_params_and_validates():
    """The one mechanism behind sweeps and preset variants: changed field set, others kept, rules re-checked."""
    v = arch_variant("isaac", {"pe.adc.bits": 6, "chip.tiles": 84})
    base = load_arch("isaac")
    assert (v.pe.adc.bits, v.chip.tiles, v.pe.crossbar.rows) == (6, 84, base.pe.crossbar.rows)
    with pytest.raises(KeyError, match="pe.adc.colour"):
        arch_variant("isaac", {"pe.adc.colour": 1})
    with pytest.raises(KeyError, match="pe.adc"):
        arch_variant("isaac", {"pe.adc": 1})  # a section, not a parameter
    with pytest.raises(SpecError, match="pe.crossbar.rows=300: 300: must be a power of two"):
        arch_variant("isaac", {"pe.crossbar.rows": 300})
