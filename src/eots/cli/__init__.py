"""Command-line interface (a thin adapter over ``eots.pipeline``)."""
