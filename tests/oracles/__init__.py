"""Slow, obviously correct reference implementations that the vectorised kernels must match."""
