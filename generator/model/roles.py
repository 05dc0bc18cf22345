"""What each token is, for the statistics: [CLS], [SEP], "." or ",", an ordinary token or padding.

Special tokens come from the tokenizer (cls/sep, or bos/eos for RoBERTa-style models), never from
hard-coded strings.
"""

from __future__ import annotations

from typing import Any

PAD = 0
WORD = 1
CLS = 2
SEP = 3
PUNCT = 4
OTHER_SPECIAL = 5

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
        self._cache: dict[int, int] = {}

    def role(self, token_id: int) -> int:
        cached = self._cache.get(token_id)
        if cached is not None:
            return cached
        if token_id == self.cls_id:
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
