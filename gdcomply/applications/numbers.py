"""Means, shares and medians of the measures, rounded half-up and never raising for a finite value."""

from __future__ import annotations

from decimal import MAX_EMAX, MIN_EMIN, ROUND_HALF_UP, Context, Decimal

_CENT = Decimal("0.01")
_SHARE = Decimal("0.0001")


def rounded(value: Decimal, exponent: Decimal) -> Decimal:
    """value rounded half-up to exponent's places, never raising for a finite value.

    quantize raises InvalidOperation when the result needs more digits than the context's
    precision (28 by default: a 27-digit amount in cents); the context here is as wide as
    the value needs. The reader rejects implausibly large amounts, so this is a safety net.
    """
    digits = max(value.adjusted(), 0) - exponent.as_tuple().exponent + 2  # type: ignore[operator]
    context = Context(prec=max(digits, 28), rounding=ROUND_HALF_UP, Emax=MAX_EMAX, Emin=MIN_EMIN)
    return value.quantize(exponent, context=context)


def divided(total: int | Decimal, count: int) -> Decimal:
    """total / count with every integral digit kept, whatever its size."""
    dividend = Decimal(total)
    context = Context(prec=max(dividend.adjusted(), 0) + 30, Emax=MAX_EMAX, Emin=MIN_EMIN)
    return context.divide(dividend, Decimal(count))


def mean(total: int | Decimal, count: int) -> Decimal | None:
    if not count:
        return None
    return rounded(divided(total, count), _CENT)


def share(part: int, count: int) -> Decimal | None:
    if not count:
        return None
    return rounded(divided(part, count), _SHARE)


def median(sorted_values: list[int]) -> Decimal | None:
    n = len(sorted_values)
    if not n:
        return None
    middle = n // 2
    if n % 2:
        return Decimal(sorted_values[middle])
    return Decimal(sorted_values[middle - 1] + sorted_values[middle]) / 2


