"""Quantities added up as the numbers they are written as.

Binary floats add 5.1 + 5.3 to 10.399999999999999; sent as a leg's size, the venue (and ccxt
before it) cuts that to the step, 10.3, and 0.1 of the position is left without a stop. Every
quantity the plugin computes from others, rather than reads from the venue, goes through here.
"""

from __future__ import annotations

from decimal import Decimal


def exact_sum(*terms: float) -> float:
    """The sum of ``terms`` in decimal (a term is the shortest decimal that reads back as it)."""
    return float(sum((Decimal(repr(float(term))) for term in terms), Decimal(0)))
