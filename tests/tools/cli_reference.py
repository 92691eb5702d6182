"""Render docs/cli.md's reference section from the real argument parsers.

`python tests/tools/cli_reference.py` prints the section (it is a generated block of docs/cli.md,
rewritten by `make docs` through tests/tools/doc_blocks.py, or by `python tests/tools/cli_reference.py --write`); tests/tools/test_cli_reference.py
fails when the committed file is stale, so the documented commands and options are always the
ones the code accepts, every subcommand's action (`recsys supernet train|eval|...`) included.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "cli.md"
BEGIN = "<!-- BEGIN GENERATED: python tests/tools/cli_reference.py -->"
END = "<!-- END GENERATED -->"
TOOLS = (("pimcompile", "compiler.cli", None), ("pimsim", "pimsim.cli", "SUBCOMMANDS"),
         ("recsys", "recsys_models.cli", "SUBCOMMANDS"))


def _help(module_name: str, argv: list[str]) -> str:
    import importlib

    main = importlib.import_module(module_name).main
    out = io.StringIO()
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal width: fix it for stable output
    with contextlib.redirect_stdout(out):
        try:
            main(argv + ["--help"])
        except SystemExit:
            pass
    return out.getvalue().rstrip()


def _actions(module_name: str, name: str) -> list[str]:
    """The sub-actions of a subcommand (``recsys supernet train|eval|standalone|export``), from its parser."""
    import argparse
    import importlib

    parser = argparse.ArgumentParser()
    importlib.import_module(module_name).add_arguments(parser)
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(subs[0].choices) if subs else []


def render() -> str:
    """The generated section with its markers."""
    return f"{BEGIN}\n{body()}{END}"


def body() -> str:
    """The text between the markers."""
    import importlib

    parts = [""]
    for tool, module_name, table in TOOLS:
        parts += [f"### `{tool}`", "", "```", _help(module_name, []), "```", ""]
        if table:
            for name, (sub_module, _) in getattr(importlib.import_module(module_name), table).items():
                parts += [f"#### `{tool} {name}`", "", "```", _help(module_name, [name]), "```", ""]
                for action in _actions(sub_module, name):
                    parts += [f"##### `{tool} {name} {action}`", "", "```", _help(module_name, [name, action]),
                              "```", ""]
    return "\n".join(parts) + "\n"


def current_doc_section() -> str:
    text = DOC.read_text()
    return text[text.index(BEGIN): text.index(END) + len(END)]


def write() -> None:
    text = DOC.read_text()
    start, stop = text.index(BEGIN), text.index(END) + len(END)
    DOC.write_text(text[:start] + render() + text[stop:])


if __name__ == "__main__":
    import sys

    if "--write" in sys.argv:
        write()  # what `make docs` does through tests/tools/doc_blocks.py
    else:
        print(body(), end="")
