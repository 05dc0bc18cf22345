"""One model input: token ids with their specials, token types and word alignment."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Segment:
    """A tokenized model input.

    ``word_ids[t]`` is the index of the word token t belongs to, or -1 for special tokens (and
    for segments whose words are unknown). ``source`` says where it came from, for the pages.
    """

    input_ids: tuple[int, ...]
    token_type_ids: tuple[int, ...]
    word_ids: tuple[int, ...]
    source: str = ""
    words: tuple[str, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.input_ids)


def segments_digest(segments: Sequence[Segment]) -> str:
    """Content hash of a list of segments (ids, types, word alignment), for cache keys."""
    h = hashlib.sha256()
    for s in segments:
        h.update(json.dumps([s.input_ids, s.token_type_ids, s.word_ids]).encode())
    return h.hexdigest()
