"""Helpers for training on the lent GPU machine (the `device` tool): data packing within its limits."""
