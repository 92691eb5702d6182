"""Dataset schemas of the three CTR benchmarks: column layout, feature counts and embedding-table sizes.

Source: the raw Kaggle / KDD Cup file formats and NASRec's preprocessing
(``recsys_search_space.md`` A.3, B.5; cardinalities from NasRec ``nasrec/utils/config.py``).

Every dataset is reduced to the same three tensors per row:

- ``dense``  float32 ``[n_int]``   integer counts after ``log(max(x, 0) + 1)``;
- ``sparse`` int64   ``[n_cat]``   categorical ids hashed into ``[0, table_sizes[i])``, id 0 = missing;
- ``label``  float32               click (0/1).

Table sizes are ``min(cardinality, hash_size)``: the full Criteo tables (33.8 M rows, 2.16 GB at dim 16)
exceed the 2 GiB protobuf limit of ONNX, so every tool caps them (NASRec caps at 0.5 M during search).
Avazu and KDD cardinalities are not published per field in NASRec's config, so their tables are
``hash_size`` rows except for fields whose value range is known to be small (listed below).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Default rows per embedding table. 10,000 keeps the demo DLRM ONNX file at ~10 MB and equals the
#: size of the bundled 10k-row samples, so more rows could not be trained on them anyway.
DEFAULT_HASH_SIZE = 10_000

#: Criteo Kaggle cardinalities of C1..C26 (NasRec ``nasrec/utils/config.py``).
CRITEO_CARDINALITIES = (
    1461, 584, 10131227, 2202609, 306, 25, 12518, 634, 4, 93146, 5684, 8351593, 3195,
    28, 14993, 5461307, 11, 5653, 2174, 5, 7046548, 19, 16, 286182, 106, 142573,
)

CRITEO_INT_COLUMNS = tuple(f"I{i}" for i in range(1, 14))
CRITEO_CAT_COLUMNS = tuple(f"C{i}" for i in range(1, 27))

AVAZU_HEADER = (
    "id", "click", "hour", "C1", "banner_pos", "site_id", "site_domain", "site_category", "app_id",
    "app_domain", "app_category", "device_id", "device_ip", "device_model", "device_type",
    "device_conn_type", "C14", "C15", "C16", "C17", "C18", "C19", "C20", "C21",
)
#: The 22 raw categorical fields (everything but ``id`` and ``click``; ``hour`` = YYMMDDHH as a category)
#: followed by the two derived hour features.
AVAZU_CAT_COLUMNS = AVAZU_HEADER[2:] + ("hour_of_day", "day_of_week")
#: Fields with a small known range: hour_of_day has 24 values, day_of_week 7 (+1 for "missing").
AVAZU_SMALL_TABLES = {"hour_of_day": 25, "day_of_week": 8}

KDD_TRAINING_COLUMNS = (
    "Click", "Impression", "DisplayURL", "AdID", "AdvertiserID", "Depth", "Position",
    "QueryID", "KeywordID", "TitleID", "DescriptionID", "UserID",
)
KDD_INT_COLUMNS = ("Impression", "Depth", "Position")
KDD_CAT_COLUMNS = (
    "DisplayURL", "AdID", "AdvertiserID", "QueryID", "KeywordID", "TitleID", "DescriptionID", "UserID",
    "Gender", "Age",
)
#: Gender is 0 (unknown), 1, 2; Age is 0 (unknown), 1..6 (KDD Cup 2012 track 2 description).
KDD_SMALL_TABLES = {"Gender": 4, "Age": 8}


@dataclass(frozen=True)
class DatasetSpec:
    """Schema of one dataset after preprocessing.

    Attributes
    ----------
    name : ``criteo`` | ``avazu`` | ``kdd``
    int_columns, cat_columns : names of the dense and categorical features, in tensor order
    table_sizes : rows of the embedding table of each categorical feature (ids are in ``[0, size)``)
    hash_size : the cap that produced ``table_sizes``
    """

    name: str
    int_columns: tuple[str, ...]
    cat_columns: tuple[str, ...]
    table_sizes: tuple[int, ...]
    hash_size: int

    @property
    def n_int(self) -> int:
        return len(self.int_columns)

    @property
    def n_cat(self) -> int:
        return len(self.cat_columns)

    def to_dict(self) -> dict:
        return {"name": self.name, "int_columns": list(self.int_columns), "cat_columns": list(self.cat_columns),
                "table_sizes": list(self.table_sizes), "hash_size": self.hash_size}

    @classmethod
    def from_dict(cls, d: dict) -> DatasetSpec:
        return cls(d["name"], tuple(d["int_columns"]), tuple(d["cat_columns"]),
                   tuple(int(s) for s in d["table_sizes"]), int(d["hash_size"]))


DATASETS = ("criteo", "avazu", "kdd")


def dataset_spec(name: str, hash_size: int = DEFAULT_HASH_SIZE) -> DatasetSpec:
    """The schema of ``name`` with every table capped at ``hash_size`` rows (``hash_size >= 2``)."""
    if hash_size < 2:
        raise ValueError(f"hash_size must be >= 2 (row 0 is reserved for missing values), got {hash_size}")
    if name == "criteo":
        sizes = tuple(min(c, hash_size) for c in CRITEO_CARDINALITIES)
        return DatasetSpec(name, CRITEO_INT_COLUMNS, CRITEO_CAT_COLUMNS, sizes, hash_size)
    if name == "avazu":
        sizes = tuple(min(AVAZU_SMALL_TABLES.get(c, hash_size), hash_size) for c in AVAZU_CAT_COLUMNS)
        # NASRec inserts one pseudo dense column that is always 0 so that every model has a dense input.
        return DatasetSpec(name, ("pseudo_dense",), AVAZU_CAT_COLUMNS, sizes, hash_size)
    if name == "kdd":
        sizes = tuple(min(KDD_SMALL_TABLES.get(c, hash_size), hash_size) for c in KDD_CAT_COLUMNS)
        return DatasetSpec(name, KDD_INT_COLUMNS, KDD_CAT_COLUMNS, sizes, hash_size)
    raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
