"""Attention probing classifiers (SPEC section 8; paper section 5, Table 3)."""
