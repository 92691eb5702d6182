"""Streaming parsers of the raw Criteo, Avazu and KDD Cup 2012 files into preprocessed numpy chunks.

Memory is bounded by ``chunk_rows`` (default 65,536 lines, ~20 MB of parsed arrays) whatever the file size;
``.gz`` files are decompressed on the fly. Preprocessing follows NASRec (``recsys_search_space.md`` B.5):

- integers -> ``log(max(x, 0) + 1)`` float32; an empty integer field is 0 (NASRec's fill value);
- categorical value ``v`` -> ``v mod (T - 1) + 1`` with ``T`` the table size and ``v`` read as hexadecimal
  (Criteo's 32-bit hashes; Avazu's hex ids and decimal ints alike, decimal digits being valid hex);
  KDD ids are decimal. Values that are not numbers at all fall back to CRC-32 of the text. Id 0 is
  reserved for an empty field (NASRec maps empty to -1 before the modulo, which lands on row T-1 instead);
- Avazu: ``id`` is dropped (unique per impression); ``hour`` (YYMMDDHH) is kept as a category and two
  features are derived from it: hour of day and day of week. One pseudo dense column, always 0 (NASRec);
- KDD: ``training.txt`` joined on UserID with ``userid_profile.txt`` (or ``user.txt``): gender and age,
  0 when the user has no profile; label = ``Click > 0``; dense = Impression, Depth, Position.

Malformed rows (wrong column count, non-numeric integer or label) are counted in :class:`ParseStats` and
skipped, or raise ``UserError(file, "line N: ...")`` with ``strict=True``. A file whose first data line is
malformed is reported as the wrong format (one-line error) even without ``strict``.
"""

from __future__ import annotations

import array
import datetime
import gzip
import io
import itertools
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recsys_models.data.specs import AVAZU_HEADER, DatasetSpec
from recsys_models.errors import UserError

DEFAULT_CHUNK_ROWS = 65_536
_MAX_EXAMPLES = 5


@dataclass
class ParseStats:
    """Counts of one pass over a file; ``examples`` keeps the first few problems as ``(line, reason)``."""

    path: str = ""
    rows_read: int = 0
    rows_bad: int = 0
    examples: list = field(default_factory=list)

    def bad(self, line_no: int, reason: str) -> None:
        self.rows_bad += 1
        if len(self.examples) < _MAX_EXAMPLES:
            self.examples.append((line_no, reason))

    def summary(self) -> str:
        if not self.rows_bad:
            return f"{self.path}: {self.rows_read} rows, none malformed"
        ex = "; ".join(f"line {n}: {r}" for n, r in self.examples)
        return f"{self.path}: skipped {self.rows_bad} malformed of {self.rows_read} rows (first: {ex})"


@dataclass
class Chunk:
    """Parsed rows: ``row_index`` (0-based among data lines, for splitting), dense, sparse, label."""

    row_index: np.ndarray
    dense: np.ndarray
    sparse: np.ndarray
    label: np.ndarray


class _BadRow(ValueError):
    pass


def _open_text(path: Path):
    from recsys_models.io import check_regular_file

    check_regular_file(path)
    with path.open("rb") as fh:
        magic = fh.read(2)
    raw = gzip.open(path, "rb") if magic == b"\x1f\x8b" else path.open("rb")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline=None)


def _log_int(text: str) -> float:
    if not text:
        return 0.0
    try:
        v = int(text)
    except ValueError:
        raise _BadRow(f"integer field {text[:20]!r} is not an integer") from None
    return math.log(v + 1.0) if v > 0 else 0.0


def _cat(text: str, table: int, base: int = 16) -> int:
    if not text:
        return 0
    try:
        v = int(text, base)
    except ValueError:
        v = zlib.crc32(text.encode("utf-8"))
    return v % (table - 1) + 1


def _label(text: str) -> float:
    if text not in ("0", "1"):
        raise _BadRow(f"label {text[:20]!r} is not 0 or 1")
    return float(text)


class _Parser:
    """One dataset's line format; subclasses implement ``parse(fields) -> (dense, sparse, label)``."""

    sep = "\t"
    n_fields = 0
    describe = ""

    def __init__(self, spec: DatasetSpec, path: Path):
        self.spec, self.path = spec, path
        self.tables = spec.table_sizes

    def header_lines(self, first_line: str) -> int:
        return 0

    def check_count(self, fields: list) -> None:
        if len(fields) != self.n_fields:
            raise _BadRow(f"{len(fields)} columns, expected {self.n_fields} ({self.describe})")


def _cats_hex(values: list, mods: list) -> list:
    """Fast path of :func:`_cat` for a whole row (one comprehension, no call per field)."""
    try:
        return [int(x, 16) % m + 1 if x else 0 for x, m in zip(values, mods)]
    except ValueError:
        return [_cat(x, m + 1) for x, m in zip(values, mods)]


class CriteoParser(_Parser):
    n_fields = 40
    describe = "tab-separated label, I1-I13, C1-C26"

    def __init__(self, spec, path):
        super().__init__(spec, path)
        self.mods = [t - 1 for t in self.tables]

    def parse(self, f: list):
        self.check_count(f)
        try:
            ints: list[float] = [int(x) if x else 0 for x in f[1:14]]
        except ValueError:
            ints = [_log_int(x) for x in f[1:14]]  # raises _BadRow naming the field
        dense = [math.log(v + 1.0) if v > 0 else 0.0 for v in ints]
        return dense, _cats_hex(f[14:], self.mods), _label(f[0])


class AvazuParser(_Parser):
    sep = ","
    n_fields = 24
    describe = "comma-separated " + ",".join(AVAZU_HEADER[:4]) + ",...,C21"

    def __init__(self, spec, path):
        super().__init__(spec, path)
        self._hours: dict[str, tuple[int, int]] = {}
        self.mods = [t - 1 for t in self.tables[:22]]

    def header_lines(self, first_line: str) -> int:
        return 1 if first_line.startswith("id,click") else 0

    def _derived_hour(self, hour: str) -> tuple[int, int]:
        got = self._hours.get(hour)
        if got is None:
            if len(hour) != 8 or not hour.isdigit():
                raise _BadRow(f"hour {hour[:20]!r} is not YYMMDDHH")
            try:
                day = datetime.date(2000 + int(hour[:2]), int(hour[2:4]), int(hour[4:6]))
            except ValueError:
                raise _BadRow(f"hour {hour!r} is not a valid date") from None
            if int(hour[6:]) > 23:
                raise _BadRow(f"hour {hour!r} has hour of day > 23")
            got = self._hours[hour] = (int(hour[6:]) + 1, day.weekday() + 1)
            if len(self._hours) > 100_000:  # the real file has 240 distinct hours; bound the cache anyway
                self._hours.clear()
        return got

    def parse(self, f: list):
        self.check_count(f)
        hod, dow = self._derived_hour(f[2])
        sparse = _cats_hex(f[2:], self.mods)
        sparse += [hod, dow]
        return [0.0], sparse, _label(f[1])


class KddParser(_Parser):
    n_fields = 12
    describe = "tab-separated Click Impression DisplayURL AdID AdvertiserID Depth Position ... UserID"
    # training.txt columns feeding the first 8 categorical features, in spec order.
    _cat_cols = (2, 3, 4, 7, 8, 9, 10, 11)

    def __init__(self, spec, path):
        super().__init__(spec, path)
        self.gender, self.age = load_kdd_profile(path)

    def parse(self, f: list):
        self.check_count(f)
        try:
            click, imp, depth, pos = int(f[0]), int(f[1]), int(f[5]), int(f[6])
            user = int(f[11])
        except ValueError:
            raise _BadRow("Click, Impression, Depth, Position and UserID must be integers") from None
        dense = [math.log(max(v, 0) + 1.0) for v in (imp, depth, pos)]
        sparse = [_cat(f[c], t, base=10) for c, t in zip(self._cat_cols, self.tables)]
        g, a = (int(self.gender[user]), int(self.age[user])) if 0 <= user < len(self.gender) else (0, 0)
        sparse += [g % (self.tables[8] - 1) + 1 if g else 0, a % (self.tables[9] - 1) + 1 if a else 0]
        return dense, sparse, 1.0 if click > 0 else 0.0


PARSERS = {"criteo": CriteoParser, "avazu": AvazuParser, "kdd": KddParser}


def kdd_profile_path(training: Path) -> Path:
    """``userid_profile.txt`` (the official name) or ``user.txt`` next to ``training.txt``."""
    for name in ("userid_profile.txt", "user.txt"):
        if (training.parent / name).is_file():
            return training.parent / name
    raise UserError(training.parent / "userid_profile.txt",
                    "KDD user profile file not found next to training.txt (also looked for user.txt)")


MAX_KDD_USER_ID = 1 << 30
"""Profiles are arrays indexed by UserID (2 bytes per id): 2^30 ids are 2 GB, 45x KDD Cup 2012's 23.9 M users."""


def load_kdd_profile(training: Path) -> tuple[np.ndarray, np.ndarray]:
    """Gender and age per UserID as two int8 arrays indexed by id (~24 MB each for the full 23.9 M users)."""
    path = kdd_profile_path(training)
    # typed arrays, not lists: 10 bytes per user instead of ~50 (23.9 M users in the full file)
    ids, genders, ages = array.array("q"), array.array("b"), array.array("b")
    with _open_text(path) as raw:
        for n, line in enumerate(_checked_lines(raw, path), 1):
            f = line.split()
            if not f:
                continue
            try:
                ids.append(int(f[0]))
                genders.append(int(f[1]))
                ages.append(int(f[2]))
            except (ValueError, IndexError, OverflowError):
                raise UserError(path, f"line {n}: expected 'UserID Gender Age' integers") from None
    ids_a = np.frombuffer(ids, dtype=np.int64) if ids else np.zeros(0, np.int64)
    if ids_a.size and ids_a.min() < 0:
        raise UserError(path, "negative UserID")
    if ids_a.size and ids_a.max() > MAX_KDD_USER_ID:
        raise UserError(path, f"UserID {int(ids_a.max())}: larger than {MAX_KDD_USER_ID:,} (the profile is indexed "
                              "by id; KDD Cup 2012 has 23.9 M users)")
    size = int(ids_a.max()) + 1 if ids_a.size else 0
    gender, age = np.zeros(size, np.int8), np.zeros(size, np.int8)
    gender[ids_a] = np.frombuffer(genders, dtype=np.int8)
    age[ids_a] = np.frombuffer(ages, dtype=np.int8)
    return gender, age


def iter_chunks(spec: DatasetSpec, path, chunk_rows: int = DEFAULT_CHUNK_ROWS, strict: bool = False,
                stats: ParseStats | None = None, part: int = 0, parts: int = 1) -> Iterator[Chunk]:
    """Parse ``path`` (the dataset ``spec.name``) in chunks of ``chunk_rows`` consecutive data lines.

    A chunk is a block of raw lines (malformed ones included, then dropped), so its boundaries depend only on the
    file. With ``parts > 1`` only the chunks ``k`` with ``k % parts == part`` are parsed (the others are skipped
    without parsing), which lets ``parts`` processes share a file: chunk ``k`` comes from process ``k % parts``.
    Every chunk of this part is yielded, even one left empty by malformed rows, so the chunk sequence is the same
    however the file is shared out. ``stats`` counts the lines this part parsed.
    """
    path = Path(path)
    stats = stats if stats is not None else ParseStats()
    stats.path = str(path)
    with _open_text(path) as raw:  # opened first so that a missing file is reported before a missing profile
        parser = PARSERS[spec.name](spec, path)
        fh = _checked_lines(raw, path)
        first = next(fh, "")
        if not first:
            raise UserError(path, "file is empty")
        skip = parser.header_lines(first)
        lines = iter(fh) if skip else _prepend(first, fh)
        for k, block in enumerate(_line_blocks(lines, chunk_rows)):
            if k % parts == part:
                yield _parse_block(parser, path, block, k * chunk_rows, skip, strict, stats, spec)


def _line_blocks(lines, n: int):
    """Lists of ``n`` consecutive lines (the last may be shorter)."""
    while True:
        block = list(itertools.islice(lines, n))
        if not block:
            return
        yield block


def _parse_block(parser, path: Path, block: list, first_row: int, skip: int, strict: bool, stats: ParseStats,
                 spec: DatasetSpec) -> Chunk:
    buf = _Buffer(spec)
    for i, line in enumerate(block):
        row = first_row + i
        stats.rows_read += 1
        try:
            buf.add(row, *parser.parse(line.rstrip("\r\n").split(parser.sep)))
        except _BadRow as exc:
            line_no = row + 1 + skip
            if strict or row == 0:
                hint = "" if strict else " (wrong file format?)"
                raise UserError(path, f"line {line_no}: {exc}{hint}") from None
            stats.bad(line_no, str(exc))
    return buf.take()


def _checked_lines(fh, path: Path) -> Iterator[str]:
    """The file's lines; a truncated or corrupt ``.gz`` is a one-line error naming the file, not a crash."""
    try:
        yield from fh
    except EOFError:
        raise UserError(path, "truncated gzip file: it ends before the end-of-stream marker (an incomplete "
                              "download or copy?)") from None
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise UserError(path, f"corrupt gzip data: {' '.join(str(exc).split())}") from None
    except OSError as exc:
        raise UserError(path, f"cannot read: {exc.strerror or exc}") from None


def _prepend(first: str, rest):
    yield first
    yield from rest


class _Buffer:
    def __init__(self, spec: DatasetSpec):
        self.spec = spec
        self.rows: list = []
        self.dense: list = []
        self.sparse: list = []
        self.label: list = []

    def add(self, row, dense, sparse, label) -> None:
        self.rows.append(row)
        self.dense.append(dense)
        self.sparse.append(sparse)
        self.label.append(label)

    def __len__(self) -> int:
        return len(self.rows)

    def take(self) -> Chunk:
        n_int, n_cat = self.spec.n_int, self.spec.n_cat
        chunk = Chunk(np.asarray(self.rows, np.int64),
                      np.asarray(self.dense, np.float32).reshape(len(self.rows), n_int),
                      np.asarray(self.sparse, np.int64).reshape(len(self.rows), n_cat),
                      np.asarray(self.label, np.float32))
        self.rows, self.dense, self.sparse, self.label = [], [], [], []
        return chunk
