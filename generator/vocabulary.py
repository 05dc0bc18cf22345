"""The names the site gives to the keys of the results documents, each defined once.

Torch-free and dependency-free, so the analyses that write these keys may import it as well as
the pages that print them.
"""

from __future__ import annotations

TARGETS: dict[str, str] = {
    "prev": "the previous token",
    "self": "itself",
    "next": "the next token",
    "cls": "[CLS]",
    "sep": "[SEP]",
    "punct": '"." and ","',
}
"""Where a head's attention goes, as shares of it (surface metrics of general.json), in prose."""
METRIC_NAMES: dict[str, str] = {
    "prev": "previous token",
    "self": "same token",
    "next": "next token",
    "cls": "[CLS]",
    "sep": "[SEP]",
    "punct": '"." or ","',
    "sep_sep": "[SEP] to [SEP]",
    "rest_sep": "other tokens to [SEP]",
    "entropy": "entropy (nats)",
    "cls_entropy": "[CLS] row entropy (nats)",
}
"""The metrics of general.json (``metrics``, ``layer_means``) as tables and legends name them."""
GRADIENT_GROUP_NAMES: dict[str, str] = {
    "sep": "[SEP]",
    "punct": '"." or ","',
    "other": "other tokens",
    "cls": "[CLS] (also in other)",
}
"""The target groups of gradients.json as pages name them ([CLS] is reported besides)."""
OBJECTIVE_NAMES: dict[str, str] = {"masked_lm": "masked-LM", "representation": "representation",
                                   "next_token": "next-token"}
"""How pages name the gradient objectives of gradients.json."""
PROBE_DIRECTIONS: dict[str, str] = {
    "dependent_to_head": "word attends to its head",
    "head_to_dependent": "head attends to its word",
}
"""The two maps per head that the Attn probe weights (probes.json attn_weights)."""

# ---- decoder (causal) models, SPEC section 11: no [CLS], [SEP] or next token

DECODER_TARGETS: dict[str, str] = {
    "prev": "the previous token",
    "self": "itself",
    "first": "position 0",
    "punct": '"." and ","',
}
"""Where a decoder head's attention goes (general.json metrics of a decoder), in prose;
``first`` is named by ``decoder_targets`` (the BOS token when segments start with one)."""
DECODER_METRIC_NAMES: dict[str, str] = {
    "prev": "previous token",
    "self": "same token",
    "first": "position 0",
    "punct": '"." or ","',
    "entropy": "entropy (nats)",
    "entropy_normalised": "normalised entropy",
    "induction": "induction score",
    "duplicate": "duplicate-token score",
}
"""A decoder's general.json metrics (and its ``induction`` grids) as tables and legends name
them; ``first`` is named by ``decoder_metric_names``."""
DECODER_GRADIENT_GROUP_NAMES: dict[str, str] = {
    "first": "position 0",
    "punct": '"." or ","',
    "other": "other tokens",
}
"""The target groups of a decoder's gradients.json (``first`` named as in
``decoder_metric_names``)."""
BOS_FIRST_NAME = "BOS (position 0)"
BOS_FIRST_TARGET = "the BOS token (position 0)"


def decoder_metric_names(bos: bool) -> dict[str, str]:
    """``DECODER_METRIC_NAMES`` with position 0 called the BOS token when segments start with it."""
    return {**DECODER_METRIC_NAMES, "first": BOS_FIRST_NAME} if bos else DECODER_METRIC_NAMES


def decoder_targets(bos: bool) -> dict[str, str]:
    """``DECODER_TARGETS`` with position 0 called the BOS token when segments start with it."""
    return {**DECODER_TARGETS, "first": BOS_FIRST_TARGET} if bos else DECODER_TARGETS


def decoder_gradient_group_names(bos: bool) -> dict[str, str]:
    """``DECODER_GRADIENT_GROUP_NAMES`` with position 0 called the BOS token when it is one."""
    return ({**DECODER_GRADIENT_GROUP_NAMES, "first": BOS_FIRST_NAME} if bos
            else DECODER_GRADIENT_GROUP_NAMES)
