"""Save the site's charts as SVG or PNG files (for papers), through vl-convert (no browser)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from generator.progress import track

ChartFormat = Literal["svg", "png"]


def export_charts(charts: dict[str, dict[str, dict[str, Any]]], folder: Path,
                  fmt: ChartFormat = "svg", scale: float = 2.0) -> list[Path]:
    """Write every chart of every page to ``folder/<page path>/<chart>.<fmt>``.

    ``charts`` maps a page (``heads/L3-H7.md``) to its charts by name (``general.profile``).
    """
    import vl_convert

    jobs = [(page, name, spec) for page, named in sorted(charts.items())
            for name, spec in sorted(named.items())]
    written = []
    for page, name, spec in track(jobs, len(jobs), f"Exporting charts as {fmt.upper()}"):
        target = folder / page[: -len(".md")] / f"{name}.{fmt}"
        target.parent.mkdir(parents=True, exist_ok=True)
        opaque = {**spec, "background": "white"}
        if fmt == "svg":
            target.write_text(vl_convert.vegalite_to_svg(opaque), encoding="utf-8")
        else:
            target.write_bytes(vl_convert.vegalite_to_png(opaque, scale=scale))
        written.append(target)
    return written
