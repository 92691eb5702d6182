"""``recsys space``: counts printed, one-line errors on bad files."""

from __future__ import annotations

import json

from recsys_models.cli import main
from recsys_models.space import arch_to_json, nasrec_best


def test_count_prints_both_sizes(capsys):
    assert main(["space", "--space", "full", "--count"]) == 0
    out = capsys.readouterr().out
    # 43.91 and 57.27 = 43.91 + 7 log10(81): see test_space.py (reference A.6 and the 81-choices-per-block extension)
    assert "without precision: 43.91" in out and "with precision" in out and "57.27" in out


def test_check_reports_the_bad_item(tmp_path, capsys):
    data = arch_to_json(nasrec_best("kdd_full"))
    data["micro"][3]["sparse_in_dims"] = 17
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    assert main(["space", "--space", "full", "--check", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: {bad}: micro[3].sparse_in_dims: 17 not in [16, 32, 48, 64]"


def test_sample_lines_decode(capsys):
    from recsys_models.space import arch_from_json

    assert main(["space", "--space", "small", "--sample", "2", "--seed", "4"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and all(arch_from_json(line).space == "small" for line in lines)
