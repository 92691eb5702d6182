"""The execution model of issue 16, each case against a hand calculation: sample-and-hold overlap, the crossbar
peak rate, vector-parallel copies, views as addressing, live-range buffer credits.

Numbers (default preset unless said; tests/pimsim/program/test_validation.py derives them): 1200 MHz; a
crossbar read 120 cycles; 128 conversions of the 8-bit SAR at 1280 MS/s 120 cycles; shift-and-add 1 cycle;
one 128-row x 16-column block of 8-bit weights is 128 physical columns; 8-bit inputs are 8 slices.  Slices in
a row follow each other every max(read, conversions) cycles and the block's result is ready
read + (N - 1) x interval + conversions + 1 cycles after it starts (pimsim/cost/crossbar.py).
"""

from __future__ import annotations

import pytest

from pimsim.api import simulate
from pimsim.spec.arch import arch_from_dict, load_arch
from pimsim.spec.mapping import mapping_from_dict
from tests.pimsim.program.builders import arch_doc
from tests.pimsim.program.test_validation import phase_tasks, run

BLOCK = dict(row_start=0, rows=128, col_start=0, cols=16, slice_start=0, slice_count=4, sign_columns=2)
PREC = {"weight_bits": 8, "input_bits": 8, "output_bits": 8, "adc_bits": 8}


def _doc(values, ops, inputs, outputs, arch=None):
    arch = arch or arch_doc()
    return {"schema_version": 2, "tool": "hand-built test mapping",
            "model": {"path": "t.onnx", "sha256": "0" * 64, "name": "exec", "opset": 18},
            "arch_sha256": arch_from_dict(arch, "arch").sha256(), "arch": arch, "strategy": "optimized",
            "inputs": inputs, "outputs": outputs, "values": values, "operators": ops}


def token_mapping(copies: int, m: int = 16, arch=None):
    """One token-wise mvm: ``m`` input vectors of 128 features per query times a 128 x 16 weight, on
    ``copies`` crossbars of tile 0 (one block each), the query's vectors spread over all of them."""
    blocks = [dict(BLOCK, tile=0, pe=c // 8, crossbar=c % 8, replica=c) for c in range(copies)]
    values = [{"name": "x", "shape": [m, 128], "bits": 8}, {"name": "y", "shape": [m, 16], "bits": 8}]
    op = {"kind": "mvm", "name": "tok", "op_type": "pim.LinearMVM", "inputs": ["x"], "outputs": ["y"], "tile": 0,
          "precision": PREC, "m": m, "k": 128, "n": 16, "replicas": copies, "copies_per_query": copies,
          "blocks": blocks}
    return mapping_from_dict(_doc(values, [op], ["x"], ["y"], arch), "test-mapping")


def test_slice_interval_is_the_slower_of_read_and_conversions():
    """A 640 MS/s ADC: 128 conversions take 128 x 1.5625 ns = 200 ns = 240 cycles > the 120-cycle read, so the
    slices of one block follow every max(120, 240) = 240 cycles (not 120 + 240 = 360): m = 2 vectors x 8
    slices = 16 slices hold the crossbar 16 x 240 = 3840 cycles, reads start at 0, 240, 480, ..., and the
    last slice's conversions, started at 15 x 240 + 120 = 3720, end 120 cycles after the crossbar is free
    (the drain: min(120, 240) + 1 shift-add): the result at 120 + 15 x 240 + 240 + 1 = 3961."""
    stream, res = run(token_mapping(1, m=2, arch=arch_doc(pe__adc__sample_rate_msps=640.0)))
    (xs, xf, xi), = phase_tasks(stream, res, "mvm")
    (ds, df, _), = phase_tasks(stream, res, "adc drain")
    reads = sorted(o for o, _, n in stream.templates[0].children[xi] if n == "read")
    assert reads == [240 * k for k in range(16)]
    assert (xf - xs, ds - xs, df - xs) == (3840, 3840, 3961)
    convs = sorted((o, d) for o, d, n in stream.templates[0].children[xi] if n == "adc")
    assert convs[-1] == (3720, 120) and len(convs) == 16  # the last conversion's first 120 cycles


def test_crossbar_steady_rate_is_the_rollup_peak_isaac_20_48_gops_per_ima():
    """ISAAC (isaac preset): an IMA's 8 crossbars hold a 128 x 128 weight of 16-bit values (8 two-bit cells,
    offset encoding: 16 weight columns per crossbar); a 16-bit input is 16 one-bit slices; 128 conversions
    at 1.28 GS/s take 100 ns, as long as the read, so each slice interval is 100 ns = 120 cycles.  A stream
    of queries then retires one 2 x 128 x 128 = 32768-op MVM per 16 x 120 = 1920 cycles = 1.6 us:
    20.48 GOPS per IMA (ISAAC section III), which is also the roll-up's peak over the 168 x 12 IMAs."""
    from pimsim.components.rollup import area_rollup

    arch = load_arch("isaac")
    doc = arch.model_dump(mode="json")
    blocks = [dict(tile=0, pe=0, crossbar=c, row_start=0, rows=128, col_start=16 * c, cols=16, slice_start=0,
                   slice_count=8, sign_columns=1) for c in range(8)]
    values = [{"name": "x", "shape": [128], "bits": 16}, {"name": "y", "shape": [128], "bits": 16}]
    op = {"kind": "mvm", "name": "ima", "op_type": "pim.LinearMVM", "inputs": ["x"], "outputs": ["y"], "tile": 0,
          "precision": {"weight_bits": 16, "input_bits": 16, "output_bits": 16, "adc_bits": 8},
          "m": 1, "k": 128, "n": 128, "blocks": blocks}
    mapping = mapping_from_dict(_doc(values, [op], ["x"], ["y"], doc), "isaac-ima")
    per_query = (simulate(mapping, batch=9).makespan_cycles - simulate(mapping, batch=5).makespan_cycles) / 4
    assert per_query == 16 * 120
    gops = 2 * 128 * 128 / (per_query / arch.clock_mhz * 1e3)  # ops per ns
    assert gops == pytest.approx(20.48, rel=1e-12)
    rollup = area_rollup(arch)
    assert gops == pytest.approx(rollup.peak_gops / (arch.chip.tiles * arch.tile.pes), rel=1e-12)


@pytest.mark.parametrize("copies", [1, 2, 4, 16])
def test_vector_parallel_copies_divide_one_query_latency(copies):
    """m = 16 vectors over r copies: each copy reads ceil(16 / r) vectors = N = 8 x 16 / r slices, ready
    120 N + 121 cycles after it starts.  The rest of the query does not depend on r (all copies on tile 0
    share one operand fetch): input 16 x 128 x 8 = 16384 bits over the 42.67 bit/cycle link 1 + 384 = 385;
    fetch 64 accesses x 5 = 320; bus ceil(16384 / 384) = 43; result write 2048 bits = 8 x 5 = 40; output
    1 + 48 = 49.  Latency = 385 + 320 + 43 + 120 N + 121 + 40 + 49 = 958 + 120 N: 16318, 8638, 4798, 1918."""
    n_slices = 8 * 16 // copies
    r = simulate(token_mapping(copies))
    assert r.latency_cycles == 958 + 120 * n_slices


def test_vector_parallel_copies_cost_no_energy_per_inference():
    """Each vector still drives its rows and is converted once, in whichever copy, and the copies share one
    operand fetch on tile 0, so the dynamic energy per inference is the same sum of the same per-slice energies
    (grouped differently: equal to float rounding, 1e-12 relative).  The static energy is the chip's static
    power (no power gating in this arch) over the run, so it shrinks with the makespan the copies shorten:
    leakage_16 / leakage_1 = makespan_16 / makespan_1 (both products of one power and a time: 1e-12)."""
    r1, r16 = simulate(token_mapping(1), batch=4), simulate(token_mapping(16), batch=4)
    one, many = r1.energy_breakdown_pj, r16.energy_breakdown_pj
    assert set(one) == set(many) and r1.power_gating == r16.power_gating == "none"
    for role in set(one) - {"leakage"}:
        assert many[role] == pytest.approx(one[role], rel=1e-12, abs=1e-9), role
    assert r16.makespan_cycles < r1.makespan_cycles
    assert many["leakage"] / one["leakage"] == pytest.approx(r16.makespan_cycles / r1.makespan_cycles, rel=1e-12)


def test_trace_shows_each_copys_work(tmp_path):
    """Four copies: four crossbar slices per query, each named with its copy and its share of the vectors."""
    import json

    simulate(token_mapping(4), batch=1, trace_path=tmp_path / "t.json")
    names = sorted(e["name"] for e in json.loads((tmp_path / "t.json").read_text())["traceEvents"]
                   if e.get("ph") == "X" and e["name"].startswith("tok: mvm"))
    assert names == [f"tok: mvm 128x128 copy {c} (4 of 16 vectors)" for c in range(4)]


def _views_mapping(fc1_tile: int, through_views: bool):
    """fc0 (m = 2: x[2, 128] -> a[2, 16]) on tile 0; fc1 (k = 32) reads a, either directly (one Reshape) or
    through Split -> Concat (rows swapped) -> Transpose -> Reshape."""
    values = [{"name": "x", "shape": [2, 128], "bits": 8}, {"name": "a", "shape": [2, 16], "bits": 8},
              {"name": "v", "shape": [32], "bits": 8}, {"name": "y", "shape": [16], "bits": 8}]
    ops = [{"kind": "mvm", "name": "fc0", "op_type": "pim.LinearMVM", "inputs": ["x"], "outputs": ["a"], "tile": 0,
            "precision": PREC, "m": 2, "k": 128, "n": 16, "blocks": [dict(BLOCK, tile=0, pe=0, crossbar=0)]}]
    view = {"kind": "view", "precision": {"input_bits": 8, "output_bits": 8}, "tile": 0}
    if through_views:
        values += [{"name": n, "shape": s, "bits": 8} for n, s in
                   (("a0", [1, 16]), ("a1", [1, 16]), ("c", [2, 16]), ("t", [16, 2]))]
        ops += [dict(view, name="split", op_type="Split", inputs=["a"], outputs=["a0", "a1"], layout="range"),
                dict(view, name="cat", op_type="Concat", inputs=["a1", "a0"], outputs=["c"], layout="concat"),
                dict(view, name="tr", op_type="Transpose", inputs=["c"], outputs=["t"], layout="alias"),
                dict(view, name="flat", op_type="Reshape", inputs=["t"], outputs=["v"], layout="alias")]
    else:
        ops += [dict(view, name="flat", op_type="Reshape", inputs=["a"], outputs=["v"], layout="alias")]
    ops += [{"kind": "mvm", "name": "fc1", "op_type": "pim.LinearMVM", "inputs": ["v"], "outputs": ["y"],
             "tile": fc1_tile, "precision": PREC, "m": 1, "k": 32, "n": 16,
             "blocks": [dict(BLOCK, rows=32, tile=fc1_tile, pe=1, crossbar=0)]}]
    return mapping_from_dict(_doc(values, ops, ["x"], ["y"]), "views")


def test_views_cost_nothing_on_one_tile_and_exactly_the_noc_across_tiles():
    """Split, Concat, Transpose and Reshape between two mvms are addressing: on one tile the query takes the
    same cycles and energy as fc1 reading a directly, and no view task holds hardware.  With fc1 on tile 1,
    a's two rows (2 x 16 x 8 = 256 bits, one message from tile 0) cross one hop: 1 + ceil(256 / 32) = 9
    cycles, and y (128 bits) returns to the I/O port: 1 + 4 = 5 cycles -- 14 cycles more, views or not."""
    r = {(tile, views): simulate(_views_mapping(tile, views), batch=2) for tile in (0, 1) for views in (0, 1)}
    for tile in (0, 1):
        assert r[tile, 1].latency_cycles == r[tile, 0].latency_cycles
        assert r[tile, 1].makespan_cycles == r[tile, 0].makespan_cycles
        assert r[tile, 1].energy_per_inference_pj == pytest.approx(r[tile, 0].energy_per_inference_pj, rel=1e-12)
    assert r[1, 1].latency_cycles - r[0, 1].latency_cycles == 9 + 5
    stream, _ = run(_views_mapping(0, True))
    tpl = stream.templates[0]
    views = {i for i, op in enumerate(_views_mapping(0, True).operators) if op.kind == "view"}
    assert all(tpl.res[i] < 0 and not tpl.energy[i] for i in range(len(tpl.res)) if tpl.op[i] in views)


def _skip_mapping(capacity_bytes: int):
    """x -> fc0 -> h0 -> fc1 -> h1 -> fc2 -> h2; out = h2 + h0 (h0 is a skip connection read last), all on
    tile 0 (fc0, fc1, fc2 on crossbars 0, 1, 2)."""
    values = [{"name": "x", "shape": [128], "bits": 8}] + [
        {"name": n, "shape": [16], "bits": 8} for n in ("h0", "h1", "h2", "out")]
    mvm = {"kind": "mvm", "op_type": "pim.LinearMVM", "tile": 0, "precision": PREC, "m": 1}
    ops = [dict(mvm, name="fc0", inputs=["x"], outputs=["h0"], k=128, n=16, blocks=[dict(BLOCK, tile=0, pe=0,
                                                                                          crossbar=0)]),
           dict(mvm, name="fc1", inputs=["h0"], outputs=["h1"], k=16, n=16,
                blocks=[dict(BLOCK, rows=16, tile=0, pe=0, crossbar=1)]),
           dict(mvm, name="fc2", inputs=["h1"], outputs=["h2"], k=16, n=16,
                blocks=[dict(BLOCK, rows=16, tile=0, pe=0, crossbar=2)]),
           {"kind": "vector", "name": "skip", "op_type": "Add", "inputs": ["h2", "h0"], "outputs": ["out"],
            "tile": 0, "precision": {"input_bits": 8, "output_bits": 8}, "ops": {"add": 16}}]
    return mapping_from_dict(_doc(values, ops, ["x"], ["out"], arch_doc(tile__buffer__capacity_bytes=capacity_bytes)),
                             "skip")


def test_live_range_credits_beat_the_whole_footprint_rule():
    """Per query tile 0 holds x (1024 bits), h0, h1, h2 and out (128 each): 1536 bits.  A 256-byte (2048-bit)
    buffer holds that footprint once, so the old rule (slots = buffer // footprint = 1) ran one query at a
    time: one per latency minus the input transfer, 3333 - 25 = 3308 cycles (one query: input 0..25, fc0
    25..1134, fc1 ..2226, fc2 ..3318, skip ..3329, output ..3333).  By lifetimes (pimsim/cost/buffers.py)
    only x, 1024 bits from its input transfer's start to fc0's end (1134 cycles), cannot have a second copy
    beside the others, so the input of query q+1 enters when fc0 finished query q: one query per 1134
    cycles.  With 512 bytes x gets two credits and the crossbars set the pace: each fc holds its crossbar
    8 slices x 120 = 960 cycles per query."""
    def per_query(capacity_bytes: int) -> float:
        m = _skip_mapping(capacity_bytes)
        return (simulate(m, batch=12).makespan_cycles - simulate(m, batch=6).makespan_cycles) / 6

    assert simulate(_skip_mapping(256)).latency_cycles == 3333
    assert per_query(256) == 1134 < 3333 - 25
    assert per_query(512) == 960


def test_credit_rule_hand_example():
    """Tile 0: a value of 1000 bits living 100 cycles and one of 100 bits living 1000 cycles, 2200 bits of
    buffer.  P = 100: 1000 x 1 + 100 x 10 = 2000 <= 2200, P = 99: 1000 x 2 + 100 x 11 = 3100 > 2200, so
    P = 100 and the credits are 1 and 10; a 1000-bit buffer (less than both once) gives 1 and 1."""
    from pimsim.cost.buffers import Resident, allocate_credits

    vals = [Resident(0, "big", 1000, 100), Resident(0, "long", 100, 1000)]
    assert allocate_credits(vals, 2200) == {(0, "big"): 1, (0, "long"): 10}
    assert allocate_credits(vals, 1000) == {(0, "big"): 1, (0, "long"): 1}


def _cli_error(tmp_path, capsys, doc: dict) -> str:
    """``pimsim run`` on a mapping file written as given: one error line, exit 2, no trace written."""
    import json

    from pimsim.cli import main

    path = tmp_path / "m.json"
    path.write_text(json.dumps(doc))
    assert main(["run", str(path), "--trace", str(tmp_path / "t.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and not (tmp_path / "t.json").exists()
    return err.strip()


def test_bad_copies_are_one_line_errors(tmp_path, capsys):
    """More copies than the chip's 4096 crossbars; a copy that would get no input vector (m = 1 over 2)."""
    doc = token_mapping(1).model_dump(mode="json")
    doc["operators"][0].update(replicas=5000, copies_per_query=1)
    assert _cli_error(tmp_path, capsys, doc).endswith(
        "operator tok: replicas=5000 copies need at least 5000 crossbars, the chip has 4096")
    doc = token_mapping(2).model_dump(mode="json")
    doc["operators"][0]["m"] = 1
    doc["values"][0]["shape"], doc["values"][1]["shape"] = [1, 128], [1, 16]
    assert _cli_error(tmp_path, capsys, doc).endswith(
        "operator tok: copies_per_query=2 spreads m=1 input vectors: 1 copies would have no vector")


def test_unaddressable_view_is_a_one_line_error(tmp_path, capsys):
    """A Split of a concatenation is not one address range: the simulator refuses it, naming the view."""
    doc = _views_mapping(0, True).model_dump(mode="json")
    ops = doc["operators"]
    # split the concatenation instead of the stored value: c -> c0, c1
    doc["values"] += [{"name": "c0", "shape": [1, 16], "bits": 8}, {"name": "c1", "shape": [1, 16], "bits": 8}]
    ops.insert(3, dict(ops[1], name="split_c", inputs=["c"], outputs=["c0", "c1"]))
    err = _cli_error(tmp_path, capsys, doc)
    assert err.endswith("operator split_c: a range (Split) of a concatenation of 2 stored values is not one "
                        "address range: it cannot be addressed")


def test_version_1_mappings_are_read_with_their_meaning(tmp_path, capsys):
    """A version-1 file (no copies_per_query, no view layout) simulates as before: one copy per query; a
    version-1 file using a version-2 field is refused naming schema_version."""
    doc = token_mapping(1).model_dump(mode="json")
    doc["schema_version"] = 1
    for op in doc["operators"]:
        op.pop("copies_per_query")
    assert simulate(mapping_from_dict(doc, "v1")).latency_cycles == 958 + 120 * 128
    doc["operators"][0]["copies_per_query"] = 1
    assert _cli_error(tmp_path, capsys, doc).endswith(
        "operator tok: field copies_per_query needs schema_version 2 (this file says schema_version=1)")


def test_vector_parallel_copies_leave_the_outputs_unchanged(tmp_path):
    """``pimsim infer`` of the token-wise mvm with 1 and with 16 copies (same weights): bit-identical
    outputs -- the copies hold the same weights, each input vector is read by exactly one of them."""
    import hashlib

    import numpy as np

    from pimsim.cli import main
    from pimsim.spec.mapping import write_mapping

    rng = np.random.default_rng(0)
    npz = tmp_path / "tok.weights.npz"
    np.savez(npz, w=(rng.standard_normal((128, 16)) / 12).astype(np.float32), b=np.zeros(16, np.float32))
    x = rng.standard_normal((3, 16, 128)).astype(np.float32)
    np.savez(tmp_path / "in.npz", x=x)
    outs = []
    for copies in (1, 16):
        doc = token_mapping(copies).model_dump(mode="json")
        doc["values"] += [{"name": "w", "shape": [128, 16], "bits": 32, "constant": True},
                          {"name": "b", "shape": [16], "bits": 32, "constant": True}]
        doc["operators"][0]["inputs"] = ["x", "w", "b"]
        doc.update(weights_file=npz.name, weights_sha256=hashlib.sha256(npz.read_bytes()).hexdigest())
        path = tmp_path / f"tok{copies}.json"
        write_mapping(mapping_from_dict(doc, "tok"), path)
        assert main(["infer", str(path), "--inputs", str(tmp_path / "in.npz"), "-o", str(tmp_path / "o.npz")]) == 0
        with np.load(tmp_path / "o.npz") as got:
            outs.append(got["y"])
    assert outs[0].shape == (3, 16, 16) and np.abs(outs[0]).max() > 0
    np.testing.assert_array_equal(outs[0], outs[1])
