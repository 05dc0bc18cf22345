"""The size of a cache entry, worked out by hand, and checked against a written entry."""

import torch
from safetensors.torch import save_file

from generator.model.cache import attention_bytes


def test_attention_bytes_pads_each_batch_to_its_longest_segment():
    lengths = [10, 4, 7]
    # batch [0, 2]: 2 segments padded to 10 -> 2 * 10^2; batch [1]: 4^2; 6 maps, 4 bytes
    attention = (2 * 100 + 16) * 6 * 4
    # ids and word ids (int64) and roles (int8) per token, lengths and index (int64) per segment
    per_token = (2 * 10 + 4) * (8 + 8 + 1)
    per_segment = 3 * 2 * 8
    assert attention_bytes([[0, 2], [1]], lengths, maps=6) == attention + per_token + per_segment
    # value norms: one float32 per map and token
    norms = (2 * 10 + 4) * 6 * 4
    assert (attention_bytes([[0, 2], [1]], lengths, maps=6, norms=True)
            == attention + per_token + per_segment + norms)


def test_attention_bytes_is_what_the_batch_files_hold(tmp_path):
    """The estimate against the tensor bytes of real safetensors files of the same batches
    (the few hundred bytes of each file's header aside)."""
    lengths, maps = [9, 5, 3], 4
    held = 0
    for k, batch in enumerate([[0], [1, 2]]):
        b, n = len(batch), max(lengths[i] for i in batch)
        tensors = {"attentions": torch.zeros(b, 2, 2, n, n), "input_ids": torch.zeros(b, n,
                   dtype=torch.int64), "roles": torch.zeros(b, n, dtype=torch.int8),
                   "word_ids": torch.zeros(b, n, dtype=torch.int64),
                   "lengths": torch.zeros(b, dtype=torch.int64),
                   "index": torch.zeros(b, dtype=torch.int64),
                   "value_norms": torch.zeros(b, 2, 2, n)}
        path = tmp_path / f"batch-{k}.safetensors"
        save_file(tensors, path)
        held += path.stat().st_size
    estimate = attention_bytes([[0], [1, 2]], lengths, maps, norms=True)
    assert 0 <= held - estimate < 2 * 1024
