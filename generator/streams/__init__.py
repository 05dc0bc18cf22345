"""Streams: the corpora the model is run over, each prepared as model segments.

One module per stream (``general``, ``syntax``, ``coref``, ``gradients``), each with a
``prepare_*`` function registered in ``generator.analyses.registry.STREAMS``; ``base`` holds the
types they share (``StreamInput``, ``Lending``, the model-step types). A stream reads its files
through ``generator.corpus`` and encodes them with ``generator.encoding``.
"""
