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
OBJECTIVE_NAMES: dict[str, str] = {"masked_lm": "masked-LM", "representation": "representation"}
"""How pages name the gradient objectives of gradients.json."""
PROBE_DIRECTIONS: dict[str, str] = {
    "dependent_to_head": "word attends to its head",
    "head_to_dependent": "head attends to its word",
}
"""The two maps per head that the Attn probe weights (probes.json attn_weights)."""
