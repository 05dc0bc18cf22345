"""What each token is, for the statistics: [CLS], [SEP], BOS, "." or ",", an ordinary token or
padding.

Special tokens come from the tokenizer (cls/sep, or bos/eos for RoBERTa-style models), never from
hard-coded strings. A decoder's roles (``TokenRoles.for_decoder``): its segment-start token (the
BOS of ``template.decoder_bos_id``: GPT-2's ``<|endoftext|>``, SmolLM2's ``<|im_start|>``) is BOS
wherever it occurs; CLS and SEP only for tokens the tokenizer itself names ``cls_token`` and
``sep_token`` (most decoders have neither; their EOS is not a separator); every other special
token (EOS, pad, unk, chat markers) is OTHER_SPECIAL; "." and "," are PUNCT. Position 0 is BOS
with ``--bos on`` and a word with ``--bos off``: analyses that mean position 0 (the sink) index
it, not a role.
"""

from __future__ import annotations

from typing import Any

PAD = 0
WORD = 1
CLS = 2
SEP = 3
PUNCT = 4
OTHER_SPECIAL = 5
BOS = 6

PUNCT_STRINGS = frozenset({".", ","})


class TokenRoles:
    """Maps token ids to roles (the constants above) for one tokenizer."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer
        cls_id = tokenizer.cls_token_id
        if cls_id is None:
            cls_id = tokenizer.bos_token_id
        self.cls_id: int | None = cls_id
        self.sep_ids: frozenset[int] = frozenset(
            i for i in (tokenizer.sep_token_id, tokenizer.eos_token_id) if i is not None
        )
        self.special_ids: frozenset[int] = frozenset(tokenizer.all_special_ids)
        self.bos_id: int | None = None
        self._cache: dict[int, int] = {}

    @classmethod
    def for_decoder(cls, tokenizer: Any, bos_id: int | None) -> TokenRoles:
        """Roles of a causal LM's tokens: ``bos_id`` (the segment-start token, whether or not
        this build prepends it) is BOS; CLS and SEP only where the tokenizer defines
        ``cls_token``/``sep_token``."""
        roles = cls(tokenizer)
        roles.cls_id = tokenizer.cls_token_id
        roles.sep_ids = frozenset(i for i in (tokenizer.sep_token_id,) if i is not None)
        roles.bos_id = bos_id
        return roles

    def role(self, token_id: int) -> int:
        cached = self._cache.get(token_id)
        if cached is not None:
            return cached
        if token_id == self.bos_id:
            role = BOS
        elif token_id == self.cls_id:
            role = CLS
        elif token_id in self.sep_ids:
            role = SEP
        elif token_id in self.special_ids:
            role = OTHER_SPECIAL
        else:
            token = self._tokenizer.convert_ids_to_tokens(token_id)
            text = self._tokenizer.convert_tokens_to_string([token]).strip()
            role = PUNCT if text in PUNCT_STRINGS else WORD
        self._cache[token_id] = role
        return role

    def roles(self, token_ids: list[int]) -> list[int]:
        return [self.role(t) for t in token_ids]
