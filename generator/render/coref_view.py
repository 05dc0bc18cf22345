"""coref.json as the pages read it: Table 2's rows and the example passage as safe HTML.

The passage is corpus text: every word goes through ``escape.text``; only our own markup (spans
for words, brackets for mention edges) is HTML.
"""

from __future__ import annotations

from typing import Any

from generator.render.escape import text
from generator.render.names import head_label, head_page, link
from generator.render.site_data import SiteData

TYPES = ("pronoun", "proper", "nominal")
BASELINE_NAMES = {"nearest": "Nearest mention", "head_match": "Head-word match",
                  "rule_based": "Rule-based (sieves)"}


def table_rows(data: SiteData, page: str) -> list[dict[str, Any]]:
    """Table 2: the best head, then the baselines; each with accuracy, interval and by type."""
    doc = data.get("coref")
    rows = []
    best = doc.get("best")
    if best:
        name = head_label(best["layer"], best["head"])
        target = link(page, head_page(best["layer"], best["head"]))
        rows.append({"name": f"Best head [{name}]({target})", **_summary(best)})
    for key, title in BASELINE_NAMES.items():
        if key in doc.get("baselines", {}):
            rows.append({"name": title, **_summary(doc["baselines"][key])})
    return rows


def _summary(entry: dict[str, Any]) -> dict[str, Any]:
    by_type = entry.get("by_type", {})
    return {"all": entry.get("accuracy"), "ci": entry.get("ci"),
            **{t: by_type.get(t, {}).get("accuracy") for t in TYPES}}


EARLIER = ("a mention is earlier than another when it ends before the other starts; a mention "
           "that starts before another but overlaps it is not earlier")
NEAREST = "the earlier mention with the latest head word"


def definitions(doc: dict[str, Any]) -> dict[str, Any]:
    """What "earlier" and "nearest" mean (results written before coref.json stated "earlier" get
    the rule the analysis has always used) and how many mentions "earlier" leaves unscored
    because their entity's only preceding mentions overlap them (None when not counted)."""
    rules = doc.get("rules", {})
    return {"earlier": rules.get("earlier", EARLIER), "nearest": rules.get("nearest", NEAREST),
            "overlapped_only": doc.get("mentions_overlapped_only")}


def rank(data: SiteData, layer: int, head: int, kind: str = "all") -> int | None:
    """1 = the head with the highest coreference accuracy of that kind (ties share the rank)."""
    grid = data.get("coref").get("accuracy", {}).get(kind)
    if not grid or grid[layer][head] is None:
        return None
    mine = grid[layer][head]
    return 1 + sum(1 for row in grid for v in row if v is not None and v > mine)


def passage_html(example: dict[str, Any]) -> str:
    """The example's words as one HTML block: mentions in brackets with their entity number,
    the pronoun and the head's predicted word highlighted, every candidate shaded by the
    attention the pronoun gives it. Words are escaped; nothing else comes from the corpus."""
    words = example["words"]
    weights = {c["word"]: c["weight"] for c in example["candidates"]}
    gold = {c["word"] for c in example["candidates"] if c["gold"]}
    top = max(weights.values(), default=0.0) or 1.0
    opens: dict[int, list[dict[str, Any]]] = {}
    closes: dict[int, list[dict[str, Any]]] = {}
    for m in example["mentions"]:
        opens.setdefault(m["start"], []).append(m)
        closes.setdefault(m["end"], []).append(m)
    starts = set(example.get("sentence_starts", [])) - {0}
    parts: list[str] = []
    for i, word in enumerate(words):
        if i in starts:
            parts.append('<span class="ha-sentence-break">|</span>')
        for m in sorted(opens.get(i, []), key=lambda m: -m["end"]):
            parts.append(f'<span class="ha-bracket ha-e{m["entity"] % 8}">[</span>')
        classes = ["ha-word"]
        title = ""
        style = ""
        if i == example["pronoun_word"]:
            classes.append("ha-pronoun")
            title = "the pronoun"
        elif i in weights:
            classes.append("ha-candidate")
            share = weights[i] / top
            style = f' style="--ha-w:{share:.2f}"'
            title = f"candidate: attention {weights[i]:.3f}"
            if i == example["predicted_word"]:
                classes.append("ha-predicted")
                title = f"the head's choice: attention {weights[i]:.3f}"
            if i in gold:
                classes.append("ha-gold")
                title += " (an antecedent)"
        title_attr = f' title="{title}"' if title else ""
        parts.append(f'<span class="{" ".join(classes)}"{title_attr}{style}>{text(word)}</span>')
        for m in sorted(closes.get(i, []), key=lambda m: m["start"], reverse=True):
            parts.append(f'<span class="ha-bracket ha-e{m["entity"] % 8}">]'
                         f'<sub>{m["entity"]}</sub></span>')
    return '<div class="ha-passage">' + " ".join(parts) + "</div>"


def example_words(example: dict[str, Any]) -> dict[str, str]:
    """The pronoun, the predicted word and the nearest gold antecedent, escaped for Markdown."""
    words = example["words"]
    gold = [c["word"] for c in example["candidates"] if c["gold"]]
    return {"pronoun": text(words[example["pronoun_word"]]),
            "predicted": text(words[example["predicted_word"]]),
            "antecedent": text(words[max(gold)]) if gold else ""}
