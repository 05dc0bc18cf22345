"""The size of a cache entry, worked out by hand."""

from generator.model.cache import attention_bytes


def test_attention_bytes_pads_each_batch_to_its_longest_segment():
    lengths = [10, 4, 7]
    # batch [0, 2]: 2 segments padded to 10 -> 2 * 10^2; batch [1]: 4^2; 6 maps, 4 bytes
    assert attention_bytes([[0, 2], [1]], lengths, maps=6) == (2 * 100 + 16) * 6 * 4
