"""Small helpers for the sentences the pages write."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """A count with its noun agreeing in number: "1 contract", "2 contracts", "0 contracts"."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def listed(items: list[str], last: str = "and") -> str:
    """Items in a sentence: "A", "A and B", "A, B and C" (``last``: "or" for choices)."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {last} " + items[-1]
