"""Corpora: plain text, the default Wikipedia sample, pre-built segments, treebanks."""
