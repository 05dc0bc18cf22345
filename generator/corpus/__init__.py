"""Corpus readers: plain text, the default Wikipedia sample, treebanks, coreference files.

Everything here reads files into plain Python data (documents, sentences, mentions); nothing
imports a tokenizer, a model or a stream (turning text into model input is `generator.encoding`,
preparing a stream `generator.streams`).
"""
