"""Money amounts: integer minor units of a currency, and their exact decimal value in its major
unit. One conversion, so a CSV, a page and a form never disagree about where the point goes."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import get_currency_precision


def to_major(amount_minor: int, currency: str) -> Decimal:
    """Minor units as an exact decimal amount of the major unit, at the currency's precision:
    1250 EUR → 12.50, 1250 JPY → 1250, 5 KWD → 0.005."""
    precision = get_currency_precision(currency)
    return Decimal(int(amount_minor)).scaleb(-precision).quantize(Decimal(1).scaleb(-precision))
