"""Build hook: copy the root ``templates/`` and ``mkdocs.yml`` into the wheel.

They stay at the repository root (the source of truth, read directly by an editable install);
``build_py`` copies them to ``generator/_resources/`` in the build folder so a wheel install finds
them too (``generator/resources.py`` looks there first). All other metadata is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
RESOURCES = ("templates", "mkdocs.yml")
TARGET = Path("generator", "_resources")


class BuildPyWithResources(build_py):
    """build_py, plus fresh copies of the root resources under generator/_resources/."""

    def run(self) -> None:
        if not self.editable_mode:  # no module left in build/ by an earlier build (a module
            # deleted since would otherwise ship in the wheel)
            shutil.rmtree(Path(self.build_lib) / "generator", ignore_errors=True)
        super().run()
        if self.editable_mode:  # an editable install reads them at the repository root
            return
        target = Path(self.build_lib) / TARGET
        shutil.rmtree(target, ignore_errors=True)  # no stale template from an earlier build
        target.mkdir(parents=True)
        for name in RESOURCES:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, target / name,
                                ignore=shutil.ignore_patterns("__pycache__", ".*", "*~"))
            elif source.is_file():
                shutil.copy2(source, target / name)
            else:
                raise SystemExit(f"{source}: missing; the wheel needs it (see MANIFEST.in)")

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:  # type: ignore[override]
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        target = Path(self.build_lib) / TARGET
        return outputs + [str(p) for p in sorted(target.rglob("*")) if p.is_file()]


setup(cmdclass={"build_py": BuildPyWithResources})
