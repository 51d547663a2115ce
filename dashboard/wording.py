"""Small helpers for the sentences the pages write."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun agreeing in number: "1 contract", "2 contracts", "0 contracts"."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
