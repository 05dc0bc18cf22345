"""The developer docs name only files that exist: a moved or deleted module must not leave a
stale pointer behind (issue 17: "remove references to files that are not in the repo")."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# repository paths written in backticks or links: generator/..., templates/..., tests/...,
# scripts/..., benchmarks/..., docs/... (globs, placeholders and OUT/ paths are not files)
NOT_FILES = {"generator/_resources/"}  # made only inside a built wheel (setup.py)
OUTPUTS = ("benchmarks/out/",)  # written by the benchmark, ignored by git
WORKED_EXAMPLE = "saliency"  # DEVELOPING.md's "adding a view" example names files to create
PATH = re.compile(r"(?<![\w/.])((?:generator|templates|tests|scripts|benchmarks|docs)/"
                  r"[\w./-]*[\w/])")


def referenced(doc: Path) -> list[str]:
    paths = []
    for match in PATH.finditer(doc.read_text(encoding="utf-8")):
        path = match.group(1).rstrip(".")
        if any(c in path for c in "*<>") or re.search(r"/[A-Z]\b|/F\b|/F\.|\bF/", path):
            continue  # a pattern such as templates/F/page.md.j2 or tests/unit/...
        paths.append(path)
    return paths


def exists(path: str) -> bool:
    if path in NOT_FILES or WORKED_EXAMPLE in path or path.startswith(OUTPUTS):
        return True
    if (ROOT / path).exists():
        return True
    module, _, name = path.rpartition(".")  # tests/helpers.trained_tokenizer: a module's name
    return bool(name) and (ROOT / f"{module}.py").is_file()


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_docs_name_only_existing_files(doc):
    missing = sorted({p for p in referenced(doc) if not exists(p)})
    assert not missing, f"{doc.name} names files that are not in the repo: {missing}"
