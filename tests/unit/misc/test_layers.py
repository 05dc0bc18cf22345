"""The package layering of docs/DEVELOPING.md ("Who imports whom"), read from the source: every
import statement, at module level or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

import generator

ROOT = Path(generator.__file__).parent


def imported(package: str) -> dict[str, set[str]]:
    """For each module of ``generator/<package>``, the modules (and names) it imports."""
    out: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).glob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        out[path.stem] = names
    return out


def offending(package: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    return {module: sorted(n for n in names if n.startswith(forbidden))
            for module, names in imported(package).items()
            if any(n.startswith(forbidden) for n in names)}


def test_the_readers_import_no_tokenizer_model_or_stream():
    assert offending("corpus", ("generator.model", "generator.encoding", "generator.streams",
                                "generator.analyses", "generator.pipeline", "transformers",
                                "tokenizers", "torch")) == {}


def test_encoding_and_model_never_climb_to_readers_or_streams():
    assert offending("encoding", ("generator.model", "generator.streams",
                                  "generator.analyses", "generator.pipeline")) == {}
    assert offending("model", ("generator.corpus", "generator.streams",
                               "generator.analyses", "generator.pipeline")) == {}


def test_streams_do_not_import_each_other():
    streams = set(imported("streams")) - {"__init__", "base"}
    for module, names in imported("streams").items():
        others = {f"generator.streams.{s}" for s in streams - {module}}
        assert not names & others, module
