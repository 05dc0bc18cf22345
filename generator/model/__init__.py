"""Loading a model and extracting its attention maps."""
