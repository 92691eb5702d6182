"""Cheap, picklable evaluation functions for testing the sweep machinery.

These stand in for compile + simulate only in the runner's own tests: the
runner is generic over ``PointTask -> metrics``, and these formulas are simple
enough that every expected value in the tests is a hand calculation from them.
The real compile + simulate path is tested in test_end_to_end.py.
"""

from __future__ import annotations

from pimsim.sweep.evaluate import PointTask


def toy_metrics(task: PointTask) -> dict:
    """Deterministic metrics of the arch (formulas chosen so fronts are non-trivial).

    latency_ns = cols_per_adc * 1000 / adc.bits  (fewer columns per ADC -> faster)
    energy_per_inference_pj = adc.bits * 2**adc.bits / (cell_bits + 1)
    area_mm2 = rows * cols * per_crossbar / 1e4
    """
    a = task.arch
    return {
        "latency_ns": a.cols_per_adc * 1000 / a.pe.adc.bits,
        "energy_per_inference_pj": a.pe.adc.bits * 2 ** a.pe.adc.bits / (a.pe.crossbar.cell_bits + 1),
        "area_mm2": a.pe.crossbar.rows * a.pe.crossbar.cols * a.pe.adc.per_crossbar / 1e4,
        "energy_breakdown_pj": {"adc": float(a.pe.adc.bits), "crossbar": 1.0},
    }


def fails_on_big_rows(task: PointTask) -> dict:
    """Like toy_metrics, but a point with 256-row crossbars raises (a failing point)."""
    if task.arch.pe.crossbar.rows == 256:
        raise ValueError("crossbar too tall\nfor this toy model")
    return toy_metrics(task)


def slow_metrics(task: PointTask) -> dict:
    """toy_metrics after 0.2 s, plus the worker's process id (to check workers exit)."""
    import os
    import time

    time.sleep(0.2)
    return {**toy_metrics(task), "worker_pid": os.getpid()}


def interrupted_at_point_3(task: PointTask) -> dict:
    """toy_metrics, but Ctrl-C arrives while the 4th point (8-bit ADC, rows 64, cols 128) runs."""
    a = task.arch
    if (a.pe.crossbar.rows, a.pe.adc.bits, a.pe.crossbar.cols) == (64, 8, 128):
        raise KeyboardInterrupt
    return toy_metrics(task)
