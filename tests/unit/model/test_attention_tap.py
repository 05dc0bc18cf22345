"""The attention tap: weights as the whole pass returns them, without the work after them."""

from types import SimpleNamespace

import torch

from generator.model.attention_tap import AttentionTap


class Layer(torch.nn.Module):
    """Returns (hidden, weights) like a Hugging Face attention module."""

    def __init__(self, scale: float) -> None:
        super().__init__()
        self.scale = scale

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        weights = torch.softmax(self.scale * x[:, None, :, None] * x[:, None, None, :], -1)
        return x + 1, weights


class Tail(torch.nn.Module):
    """The work after the last weights (a feed-forward block, a pooler): counts its calls."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return x * 2


class Toy(torch.nn.Module):
    def __init__(self, shared: bool = False, clone: bool = False) -> None:
        super().__init__()
        one = Layer(0.5)
        self.layers = torch.nn.ModuleList([one, one, one] if shared else
                                          [Layer(0.5), Layer(1.0), Layer(2.0)])
        self.tail = Tail()
        self.clone = clone

    def forward(self, input_ids: torch.Tensor, output_attentions: bool = False) -> SimpleNamespace:
        x, attentions = input_ids.float(), []
        for layer in self.layers:
            x, weights = layer(x)
            attentions.append(weights.clone() if self.clone else weights)
        return SimpleNamespace(last_hidden_state=self.tail(x), attentions=tuple(attentions))


INPUTS = {"input_ids": torch.tensor([[0, 1, 2], [2, 0, 1]])}


def test_stops_after_the_last_weights_and_returns_the_same_weights():
    model = Toy()
    tap = AttentionTap.find(model, INPUTS)
    assert tap is not None and tap.layers == 3 and len(tap.sources) == 3
    model.tail.calls = 0
    caught = tap.attentions(model, INPUTS)
    assert model.tail.calls == 0  # the tail never ran
    full = model(**INPUTS).attentions
    assert model.tail.calls == 1
    assert all(torch.equal(a, b) for a, b in zip(caught, full, strict=True))
    # the hooks are gone: a later whole pass runs to its end
    model(**INPUTS)
    assert model.tail.calls == 2


def test_a_module_shared_by_every_layer_is_tapped_once_and_counted_per_layer():
    model = Toy(shared=True)
    tap = AttentionTap.find(model, INPUTS)
    assert tap is not None and len(tap.sources) == 1 and tap.layers == 3
    model.tail.calls = 0
    caught = tap.attentions(model, {"input_ids": torch.tensor([[1, 2, 3]])})
    assert len(caught) == 3 and model.tail.calls == 0
    # layer k sees x + k: the weights differ between layers, in layer order
    expected = model(input_ids=torch.tensor([[1, 2, 3]])).attentions
    assert all(torch.equal(a, b) for a, b in zip(caught, expected, strict=True))
    assert not torch.equal(caught[0], caught[2])


def test_weights_that_no_module_emits_give_no_tap():
    assert AttentionTap.find(Toy(clone=True), INPUTS) is None
