"""Model inputs: what a segment is and how text becomes one with a tokenizer.

Neutral ground between the readers (``generator.corpus``: files into plain Python data) and the
model (``generator.model``): ``segment`` (``Segment``, the tokenized input every stream and the
extraction share) and ``special_tokens`` (``SpecialTemplate``, where a tokenizer puts its
specials) import nothing of this project; ``words`` (a word list as ``[CLS] words [SEP]``) and
``segments`` (the general corpus's A/B segments, or a segments JSON file) encode with a tokenizer
given to them. Nothing here loads a model.
"""
