"""Physically impossible or unsupported parameters are rejected at load, naming the field."""

from __future__ import annotations

import copy
import math
import subprocess
import sys

import pytest

from pimsim.components.adc_laws import adc_cost
from pimsim.components.base import ComponentError, ComponentModel
from pimsim.components.scaling import area_factor
from pimsim.spec.arch import load_arch
from pimsim.spec.errors import SpecError
from pimsim.spec.io import read_yaml


def _write(tmp_path, edit):
    from pimsim.spec.arch import preset_path
    import yaml

    doc = copy.deepcopy(read_yaml(preset_path("isaac")))
    edit(doc)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.mark.parametrize("edit, field", [
    (lambda d: d["pe"]["crossbar"].__setitem__("rows", 0), "pe.crossbar.rows=0"),
    (lambda d: d["pe"]["adc"].__setitem__("bits", 17), "pe.adc.bits=17"),
    (lambda d: d["technology"].__setitem__("node_nm", 5), "technology.node_nm=5"),
    (lambda d: d["technology"].__setitem__("node_nm", 180), "technology.node_nm=180"),
    (lambda d: d["embedding"]["dram"].__setitem__("energy_pj_per_bit", -1.0), "embedding.dram.energy_pj_per_bit=-1.0"),
    (lambda d: d["embedding"].__setitem__("location", "onchip"), "onchip_capacity_bytes"),
])
def test_rejected_at_load_with_the_field_named(tmp_path, edit, field):
    path = _write(tmp_path, edit)
    with pytest.raises(SpecError, match=field.replace(".", r"\.")):
        load_arch(path)


def test_cli_prints_one_line_and_fails(tmp_path):
    path = _write(tmp_path, lambda d: d["pe"]["adc"].__setitem__("bits", 17))
    code = f"from pimsim.cli import main; raise SystemExit(main(['area', {str(path)!r}]))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith(f"error: {path}: pe.adc.bits=17")
    assert "Traceback" not in proc.stderr and proc.stdout == ""


def test_negative_energy_in_a_model_is_refused():
    with pytest.raises(ComponentError, match="energy_pj=-1"):
        ComponentModel(role="x", model_name="m", source="s", area_um2=1.0, leakage_mw=0.0,
                       energies_pj={"a": -1.0}, latencies_cycles={"a": 1})


def test_scaling_refuses_nodes_outside_its_tables():
    """7-130 nm: Stillmaker & Baas (area, energy) and NeuroSim's supply table (leakage) both cover it."""
    with pytest.raises(ComponentError, match="node_nm=5: no area-scaling data outside 7-130 nm"):
        area_factor(32, 5)
    with pytest.raises(ComponentError, match="node_nm=180"):
        area_factor(180, 32)
    assert area_factor(32, 28) == pytest.approx(0.46 * (1 / 0.46) ** (math.log(28 / 20) / math.log(32 / 20)))


def test_unknown_adc_law_and_bits_are_refused():
    with pytest.raises(ComponentError, match="pe.adc.model=flash"):
        adc_cost("flash", 8, 1000.0, 32)
    with pytest.raises(ComponentError, match="pe.adc.bits=17"):
        adc_cost("isaac_sar", 17, 1000.0, 32)
