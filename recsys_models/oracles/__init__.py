"""The accuracy and hardware oracles of the search (see docs/search.md): a candidate's log loss from the
trained supernet, its hardware figures from ``compiler`` and ``pimsim`` (whole or composed from units)."""
