"""Hardware-aware architecture search (see docs/search.md)."""
