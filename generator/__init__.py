"""headatlas: what does each attention head of a transformer do? A static report-site generator."""

__version__ = "0.1.0"
