"""Turn the static mkdocs.yml into a build config and run ``mkdocs build --strict``.

Two variants: ``http`` (instant navigation, for a web server) and ``offline`` (for ``file://``:
no instant navigation, because Material's ``document$`` never fires there, the offline plugin for
search, and the iframe-worker shim served from the site instead of a CDN). The offline variant
builds in a child process (``MkDocsProcess``) while the http one builds in this process: MkDocs is
single-threaded, so on two cores both take the time of one.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

import yaml

from generator.errors import HeadAtlasError
from generator.render.assets import ASSETS, SHIM
from generator.resources import resource_path

Variant = Literal["http", "offline"]


def static_config_path() -> Path:
    """mkdocs.yml: the wheel's packaged copy, else the repository root's (editable install)."""
    return resource_path("mkdocs.yml")


def site_config(nav: list[Any], docs: Path, site: Path, variant: Variant, *,
                site_url: str | None = None, site_name: str | None = None) -> dict[str, Any]:
    """The static config with this build's navigation, folders and variant settings."""
    config = yaml.safe_load(static_config_path().read_text(encoding="utf-8"))
    config.update(docs_dir=str(docs), site_dir=str(site), nav=nav, strict=True)
    if site_name:
        config["site_name"] = site_name
    if site_url:
        config["site_url"] = site_url
    if variant == "offline":
        features = config["theme"].get("features", [])
        config["theme"]["features"] = [f for f in features if not f.startswith("navigation.inst")]
        config["plugins"] = [*config.get("plugins", []), "offline"]
        config.setdefault("extra", {})["polyfills"] = [f"{ASSETS}/{SHIM}"]
    return config


def write_config(config: dict[str, Any], path: Path) -> None:
    """Save a build config as the YAML MkDocs reads (key order kept)."""
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_mkdocs(config: dict[str, Any], config_path: Path) -> None:
    """Write ``config`` to ``config_path`` and build it strictly (warnings are errors)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    write_config(config, config_path)
    counter = _Counter()
    log = logging.getLogger("mkdocs")
    log.addHandler(counter)
    try:
        cfg = load_config(config_file=str(config_path), strict=True)
        build(cfg)
    except MkDocsException as exc:
        raise HeadAtlasError(f"mkdocs build failed: {exc}; {'; '.join(counter.messages)}",
                             path=config_path) from None
    finally:
        log.removeHandler(counter)
    if counter.messages:
        raise HeadAtlasError(f"mkdocs build --strict: {'; '.join(counter.messages)}",
                             path=config_path)


def _die_with_parent() -> None:
    """In the child, before MkDocs starts: be killed when the build process dies (Linux's
    PR_SET_PDEATHSIG), so a killed build leaves no orphan writing into its staging folder."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)


class MkDocsProcess:
    """``mkdocs build --strict`` of one config in a child process: ``wait()`` raises the same
    one-line error as ``run_mkdocs``; ``stop()`` kills it (on failure or Ctrl-C elsewhere)."""

    def __init__(self, config: dict[str, Any], config_path: Path) -> None:
        write_config(config, config_path)
        self.config_path = config_path
        preexec = _die_with_parent if sys.platform.startswith("linux") else None
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
             str(config_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            preexec_fn=preexec)  # one prctl call: safe between fork and exec

    def wait(self) -> None:
        _, err = self.proc.communicate()
        if self.proc.returncode != 0:
            lines = [line.strip() for line in err.splitlines()
                     if line.startswith(("WARNING", "ERROR"))]
            detail = "; ".join(lines) or f"exit status {self.proc.returncode}"
            raise HeadAtlasError(f"mkdocs build --strict: {detail}", path=self.config_path)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
