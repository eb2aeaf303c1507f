"""Counted nouns in messages: "1 statement", "2 statements", "1,234 reps"."""
from __future__ import annotations


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` with the noun in the number it takes: ``count(1, "rep")`` -> "1 rep", ``count(0, "rep")`` -> "0 reps".

    ``plural`` for nouns that do not just take an s (``count(2, "PDF")`` -> "2 PDFs" needs none).
    """
    word = singular if n == 1 else (plural or singular + "s")
    return f"{n:,} {word}"
