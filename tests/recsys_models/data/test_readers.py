"""Raw-format readers: preprocessing values (hand-computed), malformed rows, wrong formats, real samples."""

from __future__ import annotations

import gzip
import math

import numpy as np
import pytest

from recsys_models.data import CTRData, ParseStats, dataset_spec, iter_chunks, load_split, write_synthetic_raw
from recsys_models.errors import UserError
from tests.conftest import shared_data_file

CRITEO_ROW = ("1\t5\t\t-3\t0\t100\t\t\t\t\t\t\t\t7\t" + "\t".join(["68fd1e64", ""] + ["0000000a"] * 24) + "\n")


def _chunks(name, path, **kw):
    stats = ParseStats()
    chunks = list(iter_chunks(dataset_spec(name), path, stats=stats, **kw))
    return chunks, stats


def test_criteo_preprocessing_by_hand(tmp_path):
    """I1=5 -> log(6); empty -> 0; -3 -> log(max(-3,0)+1) = 0; C1 = 0x68fd1e64 mod (1461-1) + 1."""
    p = tmp_path / "c.txt"
    p.write_text(CRITEO_ROW)
    (c,), stats = _chunks("criteo", p)
    assert stats.rows_read == 1 and stats.rows_bad == 0
    assert c.label.tolist() == [1.0]
    assert c.dense[0, :5] == pytest.approx([math.log(6), 0.0, 0.0, 0.0, math.log(101)])
    assert c.dense[0, 12] == pytest.approx(math.log(8))
    assert c.sparse[0, 0] == 0x68FD1E64 % 1460 + 1  # = 1757224548 mod 1460 + 1
    assert c.sparse[0, 1] == 0  # empty categorical -> reserved id 0
    assert c.sparse[0, 2] == 10 % (10_000 - 1) + 1  # C3 capped at hash size 10,000


def test_malformed_rows_skipped_and_counted(tmp_path):
    p = tmp_path / "c.txt"
    bad_int = CRITEO_ROW.replace("\t100\t", "\tabc\t", 1)
    short = "0\t1\t2\n"
    p.write_text(CRITEO_ROW + bad_int + short + CRITEO_ROW)
    chunks, stats = _chunks("criteo", p)
    assert sum(len(c.label) for c in chunks) == 2 and stats.rows_bad == 2 and stats.rows_read == 4
    assert [n for n, _ in stats.examples] == [2, 3]
    assert "skipped 2 malformed of 4 rows" in stats.summary() and "line 3: 3 columns, expected 40" in stats.summary()
    # the kept rows keep their own row indices, so splits do not shift when rows are dropped
    assert np.concatenate([c.row_index for c in chunks]).tolist() == [0, 3]
    with pytest.raises(UserError, match=r"c.txt: line 2: integer field 'abc' is not an integer"):
        _chunks("criteo", p, strict=True)


def test_wrong_format_and_missing_file(tmp_path):
    avazu_like = tmp_path / "a.csv"
    avazu_like.write_text("id,click,hour\n1,0,14102100\n")
    with pytest.raises(UserError, match=r"line 1: 1 columns, expected 40 .*wrong file format"):
        _chunks("criteo", avazu_like)
    with pytest.raises(UserError, match="no such file"):
        _chunks("criteo", tmp_path / "nope.txt")
    empty = tmp_path / "e.txt"
    empty.write_text("")
    with pytest.raises(UserError, match="file is empty"):
        _chunks("criteo", empty)


def test_avazu_header_optional_and_hour_features(tmp_path):
    """14102100 = 2014-10-21 00h, a Tuesday (weekday 1): hour_of_day id 0+1, day_of_week id 1+1."""
    body = "1000009418151094273,0,14102100,1005,0,1fbe01fe,f3845767,28905ebd,ecad2386,7801e8d9,07d7df22," \
           "a99f214a,ddd2926e,44956a24,1,2,15706,320,50,1722,0,35,-1,79\n"
    spec = dataset_spec("avazu")
    with_header, without = tmp_path / "h.csv", tmp_path / "n.csv.gz"
    with_header.write_text("id,click," + ",".join(spec.cat_columns[:22]) + "\n" + body)
    with gzip.open(without, "wt") as fh:
        fh.write(body)
    (a,), _ = _chunks("avazu", with_header)
    (b,), _ = _chunks("avazu", without)
    assert np.array_equal(a.sparse, b.sparse) and a.row_index.tolist() == b.row_index.tolist() == [0]
    assert a.sparse[0, -2:].tolist() == [1, 2]
    assert a.sparse[0, 1] == 0x1005 % 9999 + 1  # C1 "1005" read as hex = 4101 -> 4102
    assert a.dense.tolist() == [[0.0]] and a.label.tolist() == [0.0]
    assert a.sparse[0, 20] == (-1) % 9999 + 1  # C20 = -1, Python modulo keeps it in range


def test_kdd_join_with_profile(tmp_path):
    path = write_synthetic_raw("kdd", tmp_path / "training.txt", 200, seed=3)
    profile = {int(u): (int(g), int(a)) for u, g, a in
               (line.split() for line in (tmp_path / "userid_profile.txt").read_text().splitlines())}
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    (c,), stats = _chunks("kdd", path)
    assert stats.rows_bad == 0 and c.sparse.shape == (200, 10)
    for r, s, y, d in zip(rows, c.sparse, c.label, c.dense):
        g, a = profile.get(int(r[11]), (0, 0))
        assert s[8] == (g % 3 + 1 if g else 0) and s[9] == (a % 7 + 1 if a else 0)
        assert y == (int(r[0]) > 0) and int(r[0]) <= int(r[1])  # Click <= Impression
        assert d[0] == pytest.approx(math.log(int(r[1]) + 1))


def test_kdd_profile_missing(tmp_path):
    (tmp_path / "training.txt").write_text("0\t1\t2\t3\t4\t1\t1\t5\t6\t7\t8\t9\n")
    with pytest.raises(UserError, match="KDD user profile file not found"):
        _chunks("kdd", tmp_path / "training.txt")


def test_chunking_does_not_change_results(tmp_path):
    path = write_synthetic_raw("criteo", tmp_path / "c.txt", 1_234, seed=1)
    whole = load_split("criteo", path, "val")
    small = load_split("criteo", path, "val", chunk_rows=97)
    assert all(np.array_equal(a.numpy(), b.numpy()) for a, b in zip(whole, small))


@pytest.mark.needs_data
def test_real_criteo_sample():
    """Row counts from ../shared/data/README.md (10,000 rows, label rate 0.2182), split 8:1:1 exactly."""
    path = shared_data_file("criteo/criteo_train_head10k.txt.gz")
    data = CTRData("criteo", path, "all", batch_size=4096)
    labels = np.concatenate([b[2].numpy() for b in data])
    assert data.stats.rows_read == 10_000 and data.stats.rows_bad == 0
    assert labels.mean() == pytest.approx(0.2182)
    sizes = [len(load_split("criteo", path, s)[2]) for s in ("train", "val", "test")]
    assert sizes == [8000, 1000, 1000]


@pytest.mark.needs_data
def test_real_avazu_and_kdd_samples():
    """README: avazu combined 14,077 rows, label rate 0.1731; KDD training.txt 11 rows, no clicks."""
    d, s, y = load_split("avazu", shared_data_file("avazu/avazu_train_combined14k.csv.gz"), "all")
    assert len(y) == 14_077 and float(y.mean()) == pytest.approx(0.1731, abs=5e-5)
    assert s.shape[1] == 24 and int(s[:, -2].max()) <= 24 and int(s[:, -1].max()) <= 7
    d, s, y = load_split("kdd", shared_data_file("kdd2012/training.txt"), "all")
    assert d.shape == (11, 3) and s.shape == (11, 10) and float(y.sum()) == 0.0


def test_kdd_bad_profile_line(tmp_path):
    (tmp_path / "training.txt").write_text("0\t1\t2\t3\t4\t1\t1\t5\t6\t7\t8\t1\n")
    (tmp_path / "userid_profile.txt").write_text("1\t1\t5\n2\tx\t3\n")
    with pytest.raises(UserError, match=r"userid_profile.txt: line 2: expected 'UserID Gender Age' integers"):
        _chunks("kdd", tmp_path / "training.txt")
    (tmp_path / "userid_profile.txt").write_text("1\t2\t5\n")
    (c,), _ = _chunks("kdd", tmp_path / "training.txt")
    assert c.sparse[0, 8:].tolist() == [2 % 3 + 1, 5 % 7 + 1]  # gender 2 -> id 3, age 5 -> id 6
