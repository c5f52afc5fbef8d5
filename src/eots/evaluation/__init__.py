"""Scoring of levels, signals and trade ideas against outcomes: n, intervals, baselines."""
