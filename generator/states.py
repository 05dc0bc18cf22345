"""Accumulator states on disk (or through Ray's object store) without pickle.

State files travel over shared filesystems, and a pickle runs code when it is loaded, so a shard's
states are written as two files: every tensor (and numpy array) into one safetensors file, and
everything else (the ``cat`` lists' records, numbers, strings) as JSON that names the tensors by
key. A record that is a dataclass is written with its class name and rebuilt only when that class
is a dataclass of the ``generator`` package, so loading constructs plain data and runs no code.
Generic over ``add_state``: a new accumulator's states need nothing here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_tensor_bytes
from safetensors.torch import save as save_tensor_bytes

from generator.errors import HeadAtlasError

FORMAT = "headatlas-states/1"


class Encoder:
    """Turns a value into JSON-ready data, collecting its tensors under keys ``t0, t1, ...``."""

    def __init__(self) -> None:
        self.tensors: dict[str, torch.Tensor] = {}

    def _tensor(self, t: torch.Tensor) -> str:
        key = f"t{len(self.tensors)}"
        self.tensors[key] = t.detach().to("cpu").contiguous().clone()
        return key

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | str):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"$float": repr(value)}
        if isinstance(value, torch.Tensor):
            return {"$tensor": self._tensor(value)}
        if isinstance(value, np.ndarray):
            return {"$ndarray": self._tensor(torch.from_numpy(np.ascontiguousarray(value)))}
        if isinstance(value, np.generic):
            return {"$np": value.dtype.str, "value": self.encode(value.item())}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, tuple):
            return {"$tuple": [self.encode(v) for v in value]}
        if isinstance(value, set | frozenset):
            return {"$set": [self.encode(v) for v in sorted(value)]}
        if isinstance(value, dict):
            return {"$dict": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            cls = type(value)
            return {"$dataclass": f"{cls.__module__}:{cls.__qualname__}",
                    "fields": {f.name: self.encode(getattr(value, f.name))
                               for f in dataclasses.fields(value)}}
        raise TypeError(f"cannot store a {type(value).__name__} in a state file")


def decode(data: Any, tensors: dict[str, torch.Tensor]) -> Any:
    """The value ``Encoder.encode`` wrote, with its tensors taken from ``tensors``."""
    if isinstance(data, list):
        return [decode(v, tensors) for v in data]
    if not isinstance(data, dict):
        return data
    if "$tensor" in data:
        return tensors[data["$tensor"]]
    if "$ndarray" in data:
        return tensors[data["$ndarray"]].numpy()
    if "$float" in data:
        return float(data["$float"])
    if "$np" in data:
        return np.dtype(data["$np"]).type(decode(data["value"], tensors))
    if "$tuple" in data:
        return tuple(decode(v, tensors) for v in data["$tuple"])
    if "$set" in data:
        return {decode(v, tensors) for v in data["$set"]}
    if "$dict" in data:
        return {decode(k, tensors): decode(v, tensors) for k, v in data["$dict"]}
    if "$dataclass" in data:
        cls = _dataclass(data["$dataclass"])
        return cls(**{k: decode(v, tensors) for k, v in data["fields"].items()})
    raise ValueError(f"unknown stored value {sorted(data)[:3]}")


def _dataclass(name: str) -> type:
    """A dataclass of the generator package by ``module:QualName``; nothing else is built."""
    module, _, qualname = name.partition(":")
    if module != "generator" and not module.startswith("generator."):
        raise ValueError(f"stored record of class {name!r}: not a headatlas class")
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and dataclasses.is_dataclass(obj)):
        raise ValueError(f"stored record of class {name!r}: not a dataclass")
    return obj


def to_bytes(value: Any) -> tuple[bytes, dict[str, Any]]:
    """``value`` as safetensors bytes (its tensors) and a JSON-ready structure."""
    encoder = Encoder()
    structure = encoder.encode(value)
    return save_tensor_bytes(encoder.tensors), structure


def from_bytes(tensor_bytes: bytes, structure: Any) -> Any:
    """The value ``to_bytes`` split, put together again."""
    return decode(structure, load_tensor_bytes(tensor_bytes))


def write_state_files(stem: Path, value: Any, meta: dict[str, Any]) -> tuple[Path, Path]:
    """``stem``.safetensors and ``stem``.json: the tensors, and ``meta`` plus the structure and
    the tensors file's sha256 (so a JSON file is never read with another shard's tensors)."""
    tensor_bytes, structure = to_bytes(value)
    tensors_path, json_path = stem.with_suffix(".safetensors"), stem.with_suffix(".json")
    stem.parent.mkdir(parents=True, exist_ok=True)
    for path, payload in ((tensors_path, tensor_bytes),
                          (json_path, json.dumps(
                              {**meta, "format": FORMAT, "tensors": tensors_path.name,
                               "tensors_sha256": hashlib.sha256(tensor_bytes).hexdigest(),
                               "states": structure}, sort_keys=True).encode())):
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(payload)
        tmp.replace(path)
    return tensors_path, json_path


def read_state_meta(json_path: Path) -> dict[str, Any]:
    """A state file's JSON (meta and structure), checked to be one."""
    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HeadAtlasError(f"not a readable state file ({exc})", path=json_path) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise HeadAtlasError(f"not a state file of format {FORMAT}", path=json_path)
    return meta


def read_state_value(json_path: Path, meta: dict[str, Any]) -> Any:
    """The value stored with ``meta`` (read by ``read_state_meta``), its tensors checked."""
    tensors_path = json_path.with_name(meta["tensors"])
    try:
        tensor_bytes = tensors_path.read_bytes()
    except OSError:
        raise HeadAtlasError("tensors file missing", path=tensors_path) from None
    if hashlib.sha256(tensor_bytes).hexdigest() != meta["tensors_sha256"]:
        raise HeadAtlasError(f"does not belong to {json_path.name} (sha256 differs)",
                             path=tensors_path)
    return from_bytes(tensor_bytes, meta["states"])
