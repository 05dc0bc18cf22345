"""The build's attention cache budget (cache_max_gb for every stream together), by hand."""

from pathlib import Path

from generator.model.cache import CacheBudget


def test_budget_is_shared_by_the_streams_in_order():
    budget = CacheBudget(limit=100)
    assert budget.take("general", 60)
    assert not budget.take("syntax", 50)  # 60 + 50 > 100: left out, counted as skipped
    assert budget.take("coref", 40)  # 60 + 40 = 100 still fits
    assert budget.used == 100
    assert budget.written == [("general", 60), ("coref", 40)]
    assert budget.skipped == [("syntax", 50)]


def test_summary_says_what_was_written_read_and_left_out():
    budget = CacheBudget(limit=1e9)
    budget.take("general", 4_700_000_000)
    budget.take("syntax", 90_000_000)
    budget.read.append(("coref", 20_000_000))
    line = budget.summary(Path("OUT/.headatlas-cache/attention"))
    assert line.startswith("attention cache: wrote syntax 0.09 GB to OUT/.headatlas-cache/")
    assert "read coref 0.02 GB" in line
    assert "not cached: general 4.70 GB (over cache_max_gb 1 for the build" in line
    assert CacheBudget(limit=1).summary(Path("x")) == "attention cache: nothing written"
