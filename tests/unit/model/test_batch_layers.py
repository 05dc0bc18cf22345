"""A batch may carry only some layers (per-layer extraction): ``layers`` names them."""

import torch

from generator.model.batch import AttentionBatch


def _batch(layers=None, num_layers=3):
    b, n = 1, 2
    return AttentionBatch(attentions=torch.zeros(b, num_layers, 2, n, n),
                          input_ids=torch.zeros(b, n, dtype=torch.long),
                          roles=torch.ones(b, n, dtype=torch.int8),
                          word_ids=torch.zeros(b, n, dtype=torch.long),
                          lengths=torch.tensor([n]), index=torch.tensor([0]), layers=layers)


def test_whole_batch_has_every_layer():
    batch = _batch()
    assert batch.whole and batch.layer_ids() == [0, 1, 2]
    assert "layers" not in batch.tensors()


def test_slice_names_its_layers_and_survives_a_round_trip():
    batch = _batch(layers=torch.tensor([4]), num_layers=1)
    assert not batch.whole and batch.layer_ids() == [4]
    again = AttentionBatch.from_tensors(batch.to("cpu").tensors())
    assert again.layer_ids() == [4]
    assert AttentionBatch.from_tensors(_batch().tensors()).layers is None
