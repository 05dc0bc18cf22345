"""``headatlas build``: analyse a model on a corpus and build the report site."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from generator.allocator import keep_freed_memory
from generator.config import BuildConfig, ConfigField, config_fields, describe_type, load_config
from generator.progress import say
from generator.results import write_json
from generator.timings import Timings, process_seconds


def build(config: Path | None = None, **flags: Any) -> None:
    """Analyse a model's attention heads on a corpus and write results (and the site)."""
    run_build(load_config(config, given_flags(flags)))


def given_flags(flags: dict[str, Any]) -> dict[str, Any]:
    """The flags given on the command line (typer passes None for the others)."""
    return {k: v for k, v in flags.items() if v is not None and v != []}


def run_build(cfg: BuildConfig, shard_states: list[dict[str, Any]] | None = None) -> None:
    """The build itself, once the config is read (``shard_states``: ``headatlas merge``'s)."""
    from generator.pipeline import build_results  # torch: only for the commands that need it

    keep_freed_memory()  # this process's allocator: batches reuse pages (generator/allocator.py)
    timings = Timings()
    if cfg.shard is not None:  # one shard's states, no results (headatlas merge makes them)
        from generator.errors import HeadAtlasError
        from generator.shards import parse_shard

        parse_shard(cfg.shard)  # a bad K/W fails before the model loads
        if cfg.engine != "local":
            raise HeadAtlasError("--shard runs one shard here; it does not go with --engine ray")
        for path in build_results(cfg, timings).values():
            say(f"wrote {path} (and its .safetensors)")
        return
    # With the site, the new results stay staged until the site built from them is ready and
    # are swapped in with it, so a build killed at any point leaves both the previous results and
    # the previous site, or both new ones (generator/swap.py).
    written = build_results(cfg, timings, commit=not cfg.site, shard_states=shard_states)
    if cfg.site:
        from generator import swap
        from generator.render.site import render_site

        staged = next(iter(written.values())).parent
        try:
            built = render_site(cfg.out, site_url=cfg.site_url, offline=cfg.offline_site,
                                timings=timings, results=staged)
        except BaseException:
            swap.discard(staged)
            raise
        written = {name: cfg.results_dir / path.name for name, path in written.items()}
    wall = process_seconds()
    report_timings(timings, wall)
    write_timings(cfg.out / "timings.json", timings, wall)
    for path in written.values():
        say(f"wrote {path}")
    if cfg.site:
        say(f"wrote {built.pages} pages: {built.site}/index.html"
            + (f" and {built.offline}/index.html (file://)" if built.offline else ""))


def option_parameter(f: ConfigField) -> inspect.Parameter:
    """The ``headatlas build`` option of one config field; None when the flag is not given.

    A bool is a ``--x/--no-x`` pair, a tuple a repeatable option. A ``Literal`` is read as a
    string and checked by ``make_config`` (one error message for flags and TOML). A union such as
    ``int | Literal["all"]`` is read by ``parse_union``, which takes any of its arms.
    """
    base, decls, extra = f.base, [], {}
    if f.is_bool:
        decls = [f.flag]
    elif f.repeatable:
        base = list[typing.get_args(base)[0]]
    elif typing.get_origin(base) is Literal:
        base = str
    elif len(f.arms) > 1:
        extra = {"parser": lambda text, field=f: parse_union(text, field),
                 "metavar": "<" + "|".join(_metavar(a) for a in f.arms) + ">"}
        base = str
    option = typer.Option(*decls, help=f.help, **extra)
    return inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                             annotation=Annotated[base | None, option])


def _metavar(arm: Any) -> str:
    if typing.get_origin(arm) is Literal:
        return "|".join(map(str, typing.get_args(arm)))
    return getattr(arm, "__name__", str(arm))


def parse_union(text: str, f: ConfigField) -> Any:
    """A flag value for a union type: a ``Literal`` choice as is, else the first numeric arm
    that reads it; a usage error (exit 2) when none does."""
    for arm in f.arms:
        if typing.get_origin(arm) is Literal:
            if text in typing.get_args(arm):
                return text
        elif arm in (int, float):
            try:
                return arm(text)
            except ValueError:
                pass
        elif arm is str:
            return text
    raise typer.BadParameter(f"{text!r} is not {describe_type(f.base)}")


CONFIG_OPTION = inspect.Parameter(
    "config", inspect.Parameter.KEYWORD_ONLY, default=None,
    annotation=Annotated[Path | None, typer.Option(help="TOML file with the same keys as the "
                                                        "flags.")])


def config_signature(cls: type = BuildConfig) -> inspect.Signature:
    """``--config`` and one option per field of the config class: a new field is a new flag."""
    return inspect.Signature([CONFIG_OPTION, *(option_parameter(f) for f in config_fields(cls))])


build.__signature__ = config_signature()  # type: ignore[attr-defined]


def write_timings(path: Path, timings: Timings, wall: float | None = None) -> None:
    """Seconds per stage, their total and the process's wall seconds (``wall``, when known),
    for the benchmark; kept out of results/ (it differs run to run)."""
    document = {"stages": {k: round(v, 3) for k, v in timings.stages.items()},
                "streams": {k: {f: round(v, 3) for f, v in d.items()}
                            for k, d in timings.streams.items()},
                "total": round(timings.total, 3)}
    if wall is not None:
        document["wall"] = round(wall, 3)
    write_json(path, document)


def report_timings(timings: Timings, wall: float | None = None) -> None:
    """Print each stage's seconds, their total, the process's wall seconds (interpreter start,
    imports and what no stage covers make the difference) and the stages' ratio to the build's
    own model forward stage (every stream's forward pass; benchmarks/bench.py compares a whole
    build with a bare forward pass instead)."""
    forward = timings.stages.get("model forward", 0.0)
    for name, seconds in timings.stages.items():
        say(f"  {name:<28} {seconds:8.1f} s")
    say(f"  {'total':<28} {timings.total:8.1f} s")
    if wall is not None:
        say(f"  {'wall (since the process began)':<28} {wall:8.1f} s: "
            f"{max(0.0, wall - timings.total):.1f} s outside the stages (interpreter, imports)")
    if forward > 0:
        say(f"  stages / model forward stage: {timings.total / forward:.2f}x")
