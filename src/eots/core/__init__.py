"""Lowest layer: domain vocabulary, time and session handling, the error tree."""
