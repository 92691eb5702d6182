"""docs/cli.md lists exactly the commands and options the parsers accept, every subcommand's actions included
(regenerate with `python tests/tools/cli_reference.py --write`, or `make docs`)."""

from __future__ import annotations

from tests.tools.cli_reference import current_doc_section, render


def test_cli_reference_is_current():
    assert current_doc_section() == render(), "docs/cli.md is stale: run python tests/tools/cli_reference.py --write"


def test_reference_covers_every_subcommand():
    """Guard against an empty render: each tool's subcommands appear with their own usage line."""
    text = render()
    for needle in ("usage: pimcompile", "usage: pimsim run", "usage: pimsim area", "usage: recsys export",
                   "usage: recsys supernet train", "usage: recsys supernet eval", "usage: recsys supernet standalone",
                   "usage: recsys supernet export"):
        assert needle in text
