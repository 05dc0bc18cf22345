"""The GitHub Pages workflow of ``headatlas init-pages``: valid YAML, the official Pages
actions in order, and run steps that are exactly the commands expected (the integration test
tests/integration/cli/test_init_pages.py runs them)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from generator import __version__
from generator.config import config_keys
from generator.errors import HeadAtlasError
from generator.render.pages_workflow import (
    BUILD_OUT,
    STARTER_CONFIG,
    WORKFLOW,
    init_pages,
    workflow_text,
)

URL = '"${{ steps.pages.outputs.base_url }}/"'


def parsed(text: str) -> dict:
    doc = yaml.safe_load(text)
    doc["on"] = doc.pop(True)  # YAML 1.1 (PyYAML) reads the key "on" as true; GitHub does not
    return doc


def runs(doc: dict) -> list[str]:
    return [step["run"].strip() for step in doc["jobs"]["build"]["steps"] if "run" in step]


@pytest.mark.parametrize("source", ["build", "render"])
def test_deploys_with_the_official_pages_actions(source: str) -> None:
    doc = parsed(workflow_text(source, out="report", branch="trunk"))
    assert doc["on"] == {"push": {"branches": ["trunk"]}, "workflow_dispatch": None}
    assert doc["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build, deploy = doc["jobs"]["build"], doc["jobs"]["deploy"]
    uses = [step["uses"].split("@")[0] for step in build["steps"] if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/configure-pages",
                    "actions/upload-pages-artifact"]
    pages = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/configure"))
    assert pages["id"] == "pages"  # the site URL is read from its outputs
    assert build["steps"][-1]["with"] == {"path": "report/site"}
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert [s["uses"] for s in deploy["steps"]] == ["actions/deploy-pages@v4"]
    assert deploy["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"


def test_build_runs_the_committed_config() -> None:
    install, build = runs(parsed(workflow_text("build", out=BUILD_OUT)))
    assert install.splitlines()[-1] == f"python -m pip install headatlas=={__version__}"
    assert "download.pytorch.org/whl/cpu" in install  # no CUDA wheels on a CPU runner
    assert build == (f"headatlas build --config headatlas.toml --out {BUILD_OUT} --site-url "
                     f"{URL} --no-offline-site")


def test_render_re_renders_committed_results() -> None:
    doc = parsed(workflow_text("render", out="my report", install="headatlas @ git+https://x"))
    install, render = runs(doc)
    assert shlex.split(install.splitlines()[-1])[-1] == "headatlas @ git+https://x"
    assert shlex.split(render) == ["headatlas", "render", "--out", "my report", "--site-url",
                                   "${{ steps.pages.outputs.base_url }}/", "--no-offline-site"]
    assert doc["jobs"]["build"]["steps"][-1]["with"] == {"path": "my report/site"}


def test_init_pages_writes_the_workflow_and_a_starter_config(tmp_path: Path) -> None:
    written = init_pages(tmp_path, "build")
    assert written == [tmp_path / "headatlas.toml", tmp_path / WORKFLOW]
    assert (tmp_path / "headatlas.toml").read_text() == STARTER_CONFIG
    assert parsed((tmp_path / WORKFLOW).read_text())["name"] == "headatlas pages"
    with pytest.raises(HeadAtlasError, match="exists already"):
        init_pages(tmp_path, "build")
    (tmp_path / "headatlas.toml").write_text('model = "x"\n')  # kept, not overwritten
    assert init_pages(tmp_path, "build", force=True) == [tmp_path / WORKFLOW]
    assert (tmp_path / "headatlas.toml").read_text() == 'model = "x"\n'


def test_the_starter_config_holds_build_settings() -> None:
    import tomllib

    assert set(tomllib.loads(STARTER_CONFIG)) <= set(config_keys())


def test_init_pages_refuses_a_bad_config_and_missing_results(tmp_path: Path) -> None:
    (tmp_path / "headatlas.toml").write_text("max_segmnts = 5\n")
    with pytest.raises(HeadAtlasError, match="unknown config key 'max_segmnts'"):
        init_pages(tmp_path, "build")
    with pytest.raises(HeadAtlasError, match="no results to render"):
        init_pages(tmp_path, "render", out="report")
    assert not (tmp_path / WORKFLOW).exists()
