"""What the pages know: the results documents of one build, read from OUT/results/*.json.

Pages never see a model or attention, only this. ``SiteData`` also derives what pages of several
views share from general.json's metrics: a head's rank among all heads, a short profile of where
its attention goes, one-line summaries. The functions at the end are the one place for what is
derived from any per-head ``[layer][head]`` grid (ranks, means, the top head).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from generator.config import DEFAULT_MODEL
from generator.errors import HeadAtlasError
from generator.results import read_json
from generator.vocabulary import METRIC_NAMES, TARGETS, decoder_metric_names, decoder_targets

Grid = list[list[float]]
"""A per-head value, ``grid[layer][head]``."""
BROAD_FRACTION = 0.8
"""A head whose entropy exceeds this fraction of the uniform reference is called broad."""
FOCUS_SHARE = 0.5
"""A head that puts at least this share on one target is said to mostly attend to it."""


@dataclass
class SiteData:
    """All results documents of a build, by file name (``general``, ``manifest``, ...)."""

    documents: dict[str, dict[str, Any]]
    num_layers: int
    num_heads: int
    folder: Path | None = None
    """The results folder they were read from (the site's downloads copy its files)."""

    def has(self, name: str) -> bool:
        return name in self.documents

    def get(self, name: str) -> dict[str, Any]:
        return self.documents.get(name, {})

    @property
    def model_name(self) -> str:
        """The model as a reader knows it ("default" is the pretrained all-MiniLM-L6-v2). Builds
        name a local model by its folder's name; results of older builds may hold its path
        (absolute or ``./``-relative), of which only the last part is shown, so that the site
        does not publish the user's folders."""
        name = str(self.get("manifest").get("model", {}).get("name", "the model"))
        if name == DEFAULT_MODEL:
            return f"all-MiniLM-L6-v2 ({DEFAULT_MODEL})"
        if name.startswith(("/", "~", "./", "../", ".\\", "..\\")) or PureWindowsPath(name).drive:
            return PurePosixPath(name.replace("\\", "/").rstrip("/")).name or name
        return name

    @property
    def metrics(self) -> dict[str, list[list[float]]]:
        return self.get("general").get("metrics", {})

    @property
    def is_decoder(self) -> bool:
        """A decoder (causal) LM's results (SPEC section 11): general.json says
        ``architecture_kind: "decoder"`` (top level, else in its ``model``). Views branch on this
        alone; an encoder's results say nothing and render as before."""
        general = self.get("general")
        kind = general.get("architecture_kind", general.get("model", {}).get("architecture_kind"))
        return kind == "decoder"

    @property
    def position0_is_bos(self) -> bool:
        """Whether a decoder's segments start with the BOS token (the build's ``bos`` setting in
        manifest.json, "on" unless it says "off"), so that position 0, the sink, is named as
        the BOS token; False for encoders."""
        setting = self.get("manifest").get("settings", {}).get("bos", "on")
        return self.is_decoder and setting != "off"

    @property
    def targets(self) -> dict[str, str]:
        """The kinds of target a head's attention is split into (``profile``), in prose."""
        return decoder_targets(self.position0_is_bos) if self.is_decoder else TARGETS

    @property
    def metric_names(self) -> dict[str, str]:
        """general.json's metrics as tables and legends name them (encoder or decoder ones)."""
        return decoder_metric_names(self.position0_is_bos) if self.is_decoder else METRIC_NAMES

    @property
    def total_heads(self) -> int:
        return self.num_layers * self.num_heads

    def value(self, metric: str, layer: int, head: int) -> float | None:
        grid = self.metrics.get(metric)
        return None if grid is None else grid[layer][head]

    def rank(self, metric: str, layer: int, head: int) -> int | None:
        """1 = the highest value of ``metric`` among all heads (ties share the better rank)."""
        if metric not in self.metrics:
            return None
        return grid_rank(self.metrics[metric], layer, head)

    def layer_means(self, metric: str) -> list[float]:
        """A metric's mean over each layer's heads: general.json's ``layer_means`` (written by
        the analysis), computed from the grid only for results that lack them."""
        stored = self.get("general").get("layer_means", {}).get(metric)
        return stored if stored is not None else layer_means(self.metrics[metric])

    def heads(self) -> list[tuple[int, int]]:
        return [(layer, head) for layer in range(self.num_layers)
                for head in range(self.num_heads)]

    def profile(self, layer: int, head: int) -> list[tuple[str, float]]:
        """Shares of the head's attention by target, largest first, with "other" for the rest.

        The targets overlap slightly (the previous token may be [CLS]); when their shares sum
        to more than 1 they are scaled down to sum to 1."""
        shares = [(key, float(self.value(key, layer, head) or 0.0)) for key in self.targets
                  if key in self.metrics]
        total = sum(v for _, v in shares)
        if total > 1.0:  # the kinds overlap a little (the previous token can be [CLS])
            shares = [(k, v / total) for k, v in shares]
        rest = max(0.0, 1.0 - sum(v for _, v in shares))
        shares.append(("other", rest))
        return sorted(shares, key=lambda kv: (-kv[1], kv[0]))

    def target(self, key: str) -> str:
        """A target of ``profile`` in prose ("other" tokens for the rest)."""
        return self.targets.get(key, "other (non-adjacent) tokens")

    def uniform_entropy(self) -> float | None:
        return self.get("general").get("reference", {}).get("uniform_entropy")

    def is_broad(self, layer: int, head: int) -> bool:
        """Entropy above ``BROAD_FRACTION`` of uniform attention's; for a decoder, whose rows see
        different numbers of tokens, its normalised entropy above ``BROAD_FRACTION``."""
        if self.is_decoder:
            normalised = self.value("entropy_normalised", layer, head)
            return normalised is not None and normalised > BROAD_FRACTION
        uniform, entropy = self.uniform_entropy(), self.value("entropy", layer, head)
        return uniform is not None and entropy is not None and entropy > BROAD_FRACTION * uniform

    def dominant(self, layer: int, head: int) -> str:
        """One word for the overview map: the main target, "broad" or "mixed"."""
        key, share = self.profile(layer, head)[0]
        if share >= FOCUS_SHARE and key != "other":
            return key
        return "broad" if self.is_broad(layer, head) else "mixed"

    def headline(self, layer: int, head: int) -> str:
        """A few words for tables: the largest target and its share, and "broad" if so."""
        key, share = self.profile(layer, head)[0]
        broad = "broad; " if self.is_broad(layer, head) else ""
        return f"{broad}{self.metric_names.get(key, 'other tokens')} {share:.0%}"

    def summary(self, layer: int, head: int) -> str:
        """One sentence saying what the head attends to (plain text, no corpus content)."""
        top = self.profile(layer, head)
        key, share = top[0]
        parts = []
        if share >= FOCUS_SHARE and key != "other":
            parts.append(f"mostly attends to {self.target(key)} ({share:.0%} of its attention)")
        else:
            listed = ", ".join(f"{self.target(k)} {v:.0%}" for k, v in top[:3])
            parts.append(f"spreads its attention: {listed}")
        entropy = self.value("entropy", layer, head)
        uniform = self.uniform_entropy()
        normalised = self.value("entropy_normalised", layer, head)
        if self.is_decoder and normalised is not None:
            kind = "broad" if self.is_broad(layer, head) else "focused"
            parts.append(f"it is {kind} (normalised entropy {normalised:.2f}; 1 = spread evenly "
                         f"over the tokens it can see)")
        elif entropy is not None and uniform:
            kind = "broad" if self.is_broad(layer, head) else "focused"
            parts.append(f"it is {kind} (entropy {entropy:.2f} nats; uniform {uniform:.2f})")
        return "; ".join(parts) + "."



def load_site_data(results_dir: Path) -> SiteData:
    """Read every results document; the model's shape comes from the manifest or general.json."""
    if not results_dir.is_dir():
        raise HeadAtlasError("no results folder: run 'headatlas build' first", path=results_dir)
    documents: dict[str, dict[str, Any]] = {}
    for path in sorted(results_dir.glob("*.json")):
        try:
            documents[path.stem] = read_json(path)
        except (ValueError, OSError) as exc:
            raise HeadAtlasError(f"cannot read results: {exc}", path=path) from None
    if "general" not in documents:
        raise HeadAtlasError("general.json is missing: run 'headatlas build' first",
                             path=results_dir)
    model = documents.get("manifest", {}).get("model") or documents["general"].get("model", {})
    try:
        layers, heads = int(model["num_layers"]), int(model["num_heads"])
    except (KeyError, TypeError, ValueError):
        raise HeadAtlasError("results name no model shape (num_layers, num_heads)",
                             path=results_dir / "manifest.json") from None
    return SiteData(documents, layers, heads, results_dir)


def grid_rank(grid: Grid, layer: int, head: int) -> int:
    """1 = the highest value of a per-head ``[layer][head]`` grid (ties share the better rank)."""
    value = grid[layer][head]
    return 1 + sum(1 for row in grid for v in row if v > value)


def grid_mean(grid: Grid) -> float:
    """The mean over all heads of a ``[layer][head]`` grid."""
    return sum(v for row in grid for v in row) / sum(len(row) for row in grid)


def layer_means(grid: Grid) -> list[float]:
    """The mean over each layer's heads of a ``[layer][head]`` grid, at full precision (charts
    plot it through their points; results documents carry it rounded, e.g. general.json's
    ``layer_means``, which text reads through ``SiteData.layer_means``)."""
    return [sum(row) / len(row) for row in grid]


def grid_top(grid: Grid) -> tuple[int, int]:
    """The (layer, head) with the highest value of a ``[layer][head]`` grid (first on ties)."""
    cells = [(layer, head) for layer, row in enumerate(grid) for head in range(len(row))]
    return max(cells, key=lambda lh: (grid[lh[0]][lh[1]], -lh[0], -lh[1]))
