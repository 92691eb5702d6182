"""Print every upper bound the tools enforce, with its reason (the limits table of docs/robustness.md).

    python docs/scripts/limits_table.py

The bounds live next to the code that enforces them; this script only collects them, so the table is
regenerated (``make docs``) rather than copied.
"""

from __future__ import annotations


def rows() -> list[tuple[str, str, str, str]]:
    """(where, quantity, bound, reason)."""
    from compiler.cli import COMPILE_MEMORY_FACTOR
    from pimsim.api import BYTES_PER_TASK, TRACE_BYTES_PER_TASK
    from pimsim.cli.infer import MAX_DATA_ROWS, MAX_DATA_ROWS_WHY
    from pimsim.spec import limits
    from pimsim.spec.io import MAX_YAML_BYTES
    from pimsim.spec.mapping_limits import MAPPING_LIMITS, MAX_VALUE_ELEMENTS, MAX_VECTOR_OPS
    from recsys_models.cli import limits as recsys_limits
    from recsys_models.cli.space import MAX_SAMPLES, MAX_SAMPLES_WHY
    from recsys_models.data.readers import MAX_KDD_USER_ID
    from recsys_models.search.hw_space import MAX_AXIS_VALUES, MAX_SPACE_POINTS

    def num(v: float) -> str:
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:g}"

    out = [("command line", lim.name, num(lim.value), lim.why) for lim in limits.LIMITS]
    out += [("command line (recsys)", lim.name, num(lim.value), lim.why) for lim in recsys_limits.LIMITS]
    out += [("command line", "rows read by `pimsim infer --data` (`--rows`)", num(MAX_DATA_ROWS), MAX_DATA_ROWS_WHY),
            ("command line", "architectures printed by `recsys space --sample`", num(MAX_SAMPLES), MAX_SAMPLES_WHY)]
    out += [("mapping.json", f"`{'/'.join(lim.kinds)}.{lim.field}`", num(lim.value), lim.why)
            for lim in MAPPING_LIMITS]
    out += [("mapping.json", "`vector.ops` per class", num(MAX_VECTOR_OPS), "about 15 minutes of a 1.2 GHz "
             "1,024-lane vector unit per query"),
            ("mapping.json", "elements of one value per query", num(MAX_VALUE_ELEMENTS), "1 TB at 8 bits")]
    out += [("hardware space", "values per axis", num(MAX_AXIS_VALUES), "each is validated against the base "
             "architecture when the file is read"),
            ("hardware space", "points (product of the axes)", f"{MAX_SPACE_POINTS:.0e}", "a co-design search "
             "evaluates about 10^3 candidates; more is a typo")]
    out += [("any YAML file", "size", f"{MAX_YAML_BYTES // 2**20} MiB", "configuration files are a few kB"),
            ("KDD profile", "UserID", num(MAX_KDD_USER_ID), "profiles are arrays indexed by id (2 bytes each); "
             "KDD Cup 2012 has 23.9 M users")]
    out += [("memory estimate", "simulation, per task", f"{BYTES_PER_TASK} B",
             "measured peak RSS on the demo DLRM (261 B/task at batch 2,000), rounded up"),
            ("memory estimate", "trace, per traced task", f"{TRACE_BYTES_PER_TASK:,} B", "measured: 9,788 B/task"),
            ("memory estimate", "compile, per byte of weights loaded", f"{COMPILE_MEMORY_FACTOR} B",
             "protobuf, NumPy initializers, the mapping's weights and the npz being written")]
    return out


def main() -> None:
    print("| where | quantity | upper bound | reason |")
    print("|---|---|---:|---|")
    for where, what, bound, why in rows():
        print(f"| {where} | {what} | {bound} | {why} |")


if __name__ == "__main__":
    main()
