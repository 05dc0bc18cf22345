"""A decoder's template (one BOS, or none with --bos off) and token roles (BOS, punctuation,
no CLS/SEP unless the tokenizer names them)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from generator.encoding.special_tokens import (
    SpecialTemplate,
    decoder_bos_id,
    tokenizer_adds_bos,
)
from generator.model import roles as R
from generator.model.roles import TokenRoles
from tests.helpers import trained_tokenizer


def _llama_style(add_bos: bool = True):
    """A WordLevel tokenizer with Llama's specials whose post-processor adds ``<s>`` itself
    (``<s> $A``) when ``add_bos``."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, "the": 3, "cat": 4, ".": 5, ",": 6}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    if add_bos:
        tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A $B",
                                                           special_tokens=[("<s>", 1)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                                   unk_token="<unk>")


def test_bos_then_text():
    t = SpecialTemplate.for_decoder(SimpleNamespace(bos_token_id=9, eos_token_id=8))
    assert t.single([5, 6]) == ([9, 5, 6], [0, 0, 0], [-1, 0, 1])
    assert t.pair([5], [6, 7]) == ([9, 5, 6, 7], [0, 0, 0, 0], [-1, 0, 1, 2])  # no A/B mark
    assert (t.single_overhead, t.pair_overhead) == (1, 1)


def test_bos_off_starts_with_a_word():
    t = SpecialTemplate.for_decoder(SimpleNamespace(bos_token_id=9, eos_token_id=8), "off")
    assert t.single([5, 6]) == ([5, 6], [0, 0], [0, 1])
    assert t.pair([5], [6]) == ([5, 6], [0, 0], [0, 1])
    assert (t.single_overhead, t.pair_overhead) == (0, 0)


def test_bos_rule():
    assert decoder_bos_id(SimpleNamespace(bos_token_id=1, eos_token_id=2)) == 1
    assert decoder_bos_id(SimpleNamespace(bos_token_id=None, eos_token_id=2)) == 2
    nothing = SimpleNamespace(bos_token_id=None, eos_token_id=None)
    assert decoder_bos_id(nothing) is None
    with pytest.raises(ValueError, match="neither a BOS nor an EOS"):
        SpecialTemplate.for_decoder(nothing)
    assert SpecialTemplate.for_decoder(nothing, "off").single([4]) == ([4], [0], [0])


def test_gpt2_uses_endoftext():
    tok = trained_tokenizer("gpt2")
    eot = tok.convert_tokens_to_ids("<|endoftext|>")
    assert tok.bos_token_id == tok.eos_token_id == eot
    assert not tokenizer_adds_bos(tok)
    body = tok("The cat.", add_special_tokens=False)["input_ids"]
    assert SpecialTemplate.for_decoder(tok).single(body)[0] == [eot, *body]


def test_never_two_bos_when_the_tokenizer_adds_it():
    tok = _llama_style()
    assert tokenizer_adds_bos(tok) and tok("the cat")["input_ids"] == [1, 3, 4]
    body = tok("the cat", add_special_tokens=False)["input_ids"]
    assert SpecialTemplate.for_decoder(tok).single(body)[0] == [1, 3, 4]
    assert not tokenizer_adds_bos(_llama_style(add_bos=False))


def test_decoder_roles():
    tok = _llama_style()
    roles = TokenRoles.for_decoder(tok, decoder_bos_id(tok))
    # <s> is BOS; </s> (EOS) and <unk> are other specials, not separators; "." "," punctuation
    assert roles.roles([1, 3, 5, 4, 6, 2, 0]) == [R.BOS, R.WORD, R.PUNCT, R.WORD, R.PUNCT,
                                                 R.OTHER_SPECIAL, R.OTHER_SPECIAL]
    assert roles.cls_id is None and roles.sep_ids == frozenset()
    # an encoder's roles of the same tokenizer: <s> as CLS, </s> as SEP (unchanged)
    assert TokenRoles(tok).roles([1, 2]) == [R.CLS, R.SEP]


def test_decoder_roles_keep_cls_and_sep_a_tokenizer_names():
    tok = _llama_style()
    tok.add_special_tokens({"cls_token": "[CLS]", "sep_token": "[SEP]"})
    roles = TokenRoles.for_decoder(tok, decoder_bos_id(tok))
    cls, sep = tok.cls_token_id, tok.sep_token_id
    assert roles.roles([1, cls, 3, sep]) == [R.BOS, R.CLS, R.WORD, R.SEP]


def test_gpt2_roles():
    tok = trained_tokenizer("gpt2")
    eot = tok.eos_token_id
    roles = TokenRoles.for_decoder(tok, decoder_bos_id(tok))
    ids = tok("The cat, he said.", add_special_tokens=False)["input_ids"]
    pieces = tok.convert_ids_to_tokens(ids)
    expected = [R.PUNCT if p in (",", ".") else R.WORD for p in pieces]
    assert roles.roles([eot, *ids]) == [R.BOS, *expected] and R.PUNCT in expected
