"""Corpus-level analyses: streaming accumulators with update / merge / result."""
