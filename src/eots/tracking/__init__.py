"""Recommendation lifecycle: an append-only event log folded into state; outcomes; learning."""
