"""A second, deliberately plain implementation of coreference per head (SPEC section 7).

It shares no code with headatlas: its own CoNLL-U and Entity= reading (a character scanner),
its own windows (wordpieces counted word by word with the tokenizer), the model run through
transformers one window at a time, word-level rows built by explicit loops, and the baselines
written out again from the rules. Tests compare the pipeline's coref.json with it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

TYPES = ("pronoun", "proper", "nominal")


def read_documents(path: Path) -> list[list[list[dict]]]:
    """Documents -> sentences -> words (form, xpos, feats, head (0-based, -1 root), entity)."""
    docs: list[list[list[dict]]] = []
    sentence: list[dict] = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.startswith("# newdoc id"):
            docs.append([])
        elif not line.strip():
            if sentence:
                docs[-1].append(sentence)
            sentence = []
        elif not line.startswith("#"):
            c = line.split("\t")
            if not c[0].isdigit():
                continue
            feats = dict(kv.split("=", 1) for kv in c[5].split("|") if "=" in kv)
            entity = ""
            for item in c[9].split("|"):
                if item.startswith("Entity="):
                    entity = item[7:]
            sentence.append({"form": c[1], "xpos": c[4], "feats": feats,
                             "head": int(c[6]) - 1, "entity": entity})
    if sentence:
        docs[-1].append(sentence)
    return docs


def scan_entity(value: str) -> list[tuple[str, str]]:
    """('open'|'single'|'close', id) events of one Entity= value, by scanning characters."""
    events, i = [], 0
    while i < len(value):
        if value[i] == "(":
            j = i + 1
            while j < len(value) and value[j] not in "-()":
                j += 1
            ident = value[i + 1:j]
            while j < len(value) and value[j] not in "()":
                j += 1
            if j < len(value) and value[j] == ")":
                events.append(("single", ident))
                j += 1
            else:
                events.append(("open", ident))
            i = j
        else:
            j = value.index(")", i)
            events.append(("close", value[i:j]))
            i = j + 1
    return events


def document_mentions(doc: list[list[dict]]) -> list[tuple[int, int, str]]:
    """(start, end, entity) with document word positions, from the Entity= events."""
    mentions, open_ = [], []
    pos = 0
    for sentence in doc:
        for word in sentence:
            for kind, ident in scan_entity(word["entity"]):
                if kind == "single":
                    mentions.append((pos, pos, ident))
                elif kind == "open":
                    open_.append((ident, pos))
                else:
                    k = max(i for i, (e, _) in enumerate(open_) if e == ident)
                    mentions.append((open_.pop(k)[1], pos, ident))
            pos += 1
    return mentions


def pieces_per_word(tokenizer, forms: list[str]) -> list[int]:
    return [max(1, len(tokenizer.tokenize(f))) for f in forms]


def windows_of(doc, tokenizer, max_len: int) -> list[tuple[int, int]]:
    """Greedy windows (first sentence, end sentence) of whole sentences, <= max_len pieces."""
    sizes = [sum(pieces_per_word(tokenizer, [w["form"] for w in s])) for s in doc]
    out, i = [], 0
    while i < len(doc):
        if sizes[i] + 2 > max_len:
            i += 1
            continue
        j, total = i + 1, sizes[i]
        while j < len(doc) and total + sizes[j] + 2 <= max_len:
            total += sizes[j]
            j += 1
        out.append((i, j))
        i = j
    return out


def mention_type(xpos: str) -> str:
    return "pronoun" if xpos in ("PRP", "PRP$") else "proper" if xpos in ("NNP", "NNPS") \
        else "nominal"


def agree(w1: dict, w2: dict) -> bool:
    def feats(w):
        f = {k: w["feats"][k] for k in ("Number", "Person", "Gender") if k in w["feats"]}
        if "Person" not in f and w["xpos"] not in ("PRP", "PRP$"):
            f["Person"] = "3"
        return f
    a, b = feats(w1), feats(w2)
    return all(a[k] == b[k] for k in a if k in b)


def nearest(pool) -> int | None:
    """Head word of the mention whose head is closest before (the largest head position)."""
    return max((m[3] for m in pool), default=None)


def span_text(ww, m) -> str:
    return " ".join(w["form"] for w in ww[m[0]:m[1] + 1]).lower()


def evaluate(path: Path, model, tokenizer, max_len: int = 128) -> dict:
    """Per-head accuracy grid, baselines and per-type counts, computed plainly."""
    docs = read_documents(path)
    layers, heads = model.config.num_hidden_layers, model.config.num_attention_heads
    correct = np.zeros((layers, heads))
    by_type = {t: np.zeros((layers, heads)) for t in TYPES}
    counts = dict.fromkeys(TYPES, 0)
    base = {b: dict.fromkeys(TYPES, 0) for b in ("nearest", "head_match", "rule_based")}
    scored = 0
    for doc in docs:
        words = [w for s in doc for w in s]
        starts = np.cumsum([0] + [len(s) for s in doc])
        mentions = document_mentions(doc)
        for first, end in windows_of(doc, tokenizer, max_len):
            lo, hi = starts[first], starts[end]
            ww = words[lo:hi]
            heads_of = []
            for s in range(first, end):
                heads_of += [starts[s] - lo + w["head"] if w["head"] >= 0 else -1
                             for w in doc[s]]
            ms = []
            for a, b, e in mentions:
                if lo <= a and b < hi:
                    a, b = a - lo, b - lo
                    h = next(p for p in range(a, b + 1) if not a <= heads_of[p] <= b)
                    ms.append((a, b, e, h))
            ms.sort(key=lambda m: (m[0], -m[1], m[2]))
            counts_w = pieces_per_word(tokenizer, [w["form"] for w in ww])
            ids = [tokenizer.cls_token_id]
            owner = [-1]
            for k, w in enumerate(ww):
                toks = tokenizer.tokenize(w["form"]) or [tokenizer.unk_token]
                ids += tokenizer.convert_tokens_to_ids(toks)
                owner += [k] * counts_w[k]
            ids.append(tokenizer.sep_token_id)
            owner.append(-1)
            att = None
            for a, b, e, h in ms:
                earlier = [m for m in ms if m[1] < a]
                gold = {m[3] for m in earlier if m[2] == e}
                if not gold:
                    continue
                if att is None:
                    with torch.no_grad():
                        out = model(input_ids=torch.tensor([ids]), output_attentions=True)
                    att = torch.stack([x[0] for x in out.attentions]).double().numpy()
                    pieces = {k: [p for p, o in enumerate(owner) if o == k]
                              for k in range(len(ww))}
                cands = sorted({m[3] for m in earlier})
                t = mention_type(ww[h]["xpos"])
                counts[t] += 1
                scored += 1
                row = att[:, :, pieces[h], :].mean(2)  # [L, H, tokens]
                score = np.stack([row[:, :, pieces[c]].sum(-1) for c in cands], -1)
                pick = np.array(cands)[score.argmax(-1)]
                ok = np.isin(pick, list(gold)).astype(float)
                correct += ok
                by_type[t] += ok

                form = ww[h]["form"].lower()
                same_head = [m for m in earlier if ww[m[3]]["form"].lower() == form]
                base["nearest"][t] += nearest(earlier) in gold
                base["head_match"][t] += nearest(same_head) in gold
                mine = span_text(ww, (a, b))
                same_text = [m for m in earlier if span_text(ww, m) == mine]
                for sieve in (same_text, same_head,
                              [m for m in earlier if agree(ww[m[3]], ww[h])], earlier):
                    if sieve:
                        base["rule_based"][t] += nearest(sieve) in gold
                        break
    return {"accuracy": correct / max(scored, 1), "counts": counts, "scored": scored,
            "by_type": {t: by_type[t] / max(counts[t], 1) for t in TYPES},
            "baselines": {b: sum(v.values()) / max(scored, 1) for b, v in base.items()},
            "baselines_by_type": {b: {t: v[t] / max(counts[t], 1) for t in TYPES}
                                  for b, v in base.items()}}


