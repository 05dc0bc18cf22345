"""Where a tokenizer puts its special tokens around one or two sequences.

transformers 5 has no ``build_inputs_with_special_tokens``; we learn the template once by encoding
a tiny pair and reading ``sequence_ids``, so that any tokenizer's own layout is used
(``[CLS] A [SEP] B [SEP]`` for BERT, ``<s> A </s></s> B </s>`` for RoBERTa).

A decoder (causal LM, SPEC section 11) gets no learned template: ``SpecialTemplate.for_decoder``
puts one BOS before the text (``--bos on``, the default, as TransformerLens and most
interpretability tools do) or nothing (``--bos off``: the segment starts with a word). Segment
bodies are always encoded without the tokenizer's own specials, so a tokenizer that adds BOS
itself (Llama-style ``<s> $A``) still gets exactly one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Part = tuple[str, int, int]  # ("special", token id, type id) or ("A"|"B", -1, type id)


def _learn(tokenizer: Any, *texts: str) -> list[Part]:
    enc = tokenizer(*texts, add_special_tokens=True)
    ids = enc["input_ids"]
    types = enc.get("token_type_ids") or [0] * len(ids)
    parts: list[Part] = []
    for pos, seq in enumerate(enc.sequence_ids(0)):
        if seq is None:
            parts.append(("special", ids[pos], types[pos]))
        else:
            name = "A" if seq == 0 else "B"
            if not parts or parts[-1][0] != name:
                parts.append((name, -1, types[pos]))
    return parts


@dataclass(frozen=True)
class SpecialTemplate:
    single_parts: tuple[Part, ...]
    pair_parts: tuple[Part, ...]

    @classmethod
    def from_tokenizer(cls, tokenizer: Any) -> SpecialTemplate:
        return cls(tuple(_learn(tokenizer, "a")), tuple(_learn(tokenizer, "a", "b")))

    @classmethod
    def for_decoder(cls, tokenizer: Any, bos: Literal["on", "off"] = "on") -> SpecialTemplate:
        """``BOS A`` (``bos="on"``) or ``A``; a pair is the same with B right after A (a decoder
        has no A/B split, SPEC section 11). BOS is ``decoder_bos_id(tokenizer)``; a tokenizer
        with neither BOS nor EOS cannot start with one (ValueError: the caller names the
        model)."""
        lead: tuple[Part, ...] = ()
        if bos == "on":
            bos_id = decoder_bos_id(tokenizer)
            if bos_id is None:
                raise ValueError("the tokenizer has neither a BOS nor an EOS token")
            lead = (("special", bos_id, 0),)
        return cls(lead + (("A", -1, 0),), lead + (("A", -1, 0), ("B", -1, 0)))

    @property
    def pair_overhead(self) -> int:
        return sum(1 for p in self.pair_parts if p[0] == "special")

    @property
    def single_overhead(self) -> int:
        return sum(1 for p in self.single_parts if p[0] == "special")

    def _fill(
        self, parts: tuple[Part, ...], seqs: dict[str, list[int]]
    ) -> tuple[list[int], list[int], list[int]]:
        """Token ids, type ids and, per position, the index of the source token (-1: special)."""
        ids: list[int] = []
        types: list[int] = []
        source: list[int] = []
        offset = {"A": 0, "B": len(seqs.get("A", []))}
        for kind, token_id, type_id in parts:
            if kind == "special":
                ids.append(token_id)
                types.append(type_id)
                source.append(-1)
            else:
                seq = seqs[kind]
                ids.extend(seq)
                types.extend([type_id] * len(seq))
                source.extend(range(offset[kind], offset[kind] + len(seq)))
        return ids, types, source

    def pair(self, a: list[int], b: list[int]) -> tuple[list[int], list[int], list[int]]:
        return self._fill(self.pair_parts, {"A": a, "B": b})

    def single(self, a: list[int]) -> tuple[list[int], list[int], list[int]]:
        return self._fill(self.single_parts, {"A": a})


def decoder_bos_id(tokenizer: Any) -> int | None:
    """The token a decoder's segment starts with (TransformerLens' rule): the tokenizer's BOS,
    else its EOS (GPT-2's ``<|endoftext|>`` is both), else None."""
    for token_id in (tokenizer.bos_token_id, tokenizer.eos_token_id):
        if token_id is not None:
            return int(token_id)
    return None


def tokenizer_adds_bos(tokenizer: Any) -> bool:
    """Whether ``tokenizer(text)`` already starts with ``decoder_bos_id`` (Llama-style
    templates do; GPT-2 and SmolLM2 do not): text encoded with the tokenizer's own specials
    must then not get a second one."""
    bos_id = decoder_bos_id(tokenizer)
    return bos_id is not None and tokenizer("a")["input_ids"][:1] == [bos_id]
