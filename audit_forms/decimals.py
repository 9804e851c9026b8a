"""Exact decimal arithmetic shared by loading and scoring.

Every computation runs in one explicit context, never in whatever context the caller happens to
have set, so the same form and answers give the same digits on every machine.
"""

from __future__ import annotations

import math
from contextlib import AbstractContextManager
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

#: Decimal places kept for points earned and for percents. Four places keep halves, quarters and
#: tenths exact, make thirds good to 1/10,000 of a point, and fit a NUMERIC(..., 4) column.
PLACES = 4
QUANTUM = Decimal(1).scaleb(-PLACES)
#: A number of PLACES places is a whole number of these parts of 1 (97.5416 is 975416 units):
#: sums of them are exact integers.
UNITS = 10**PLACES

#: 28 significant digits and half-up rounding; invalid operations raise instead of giving NaN.
ARITHMETIC = Context(
    prec=28,
    rounding=ROUND_HALF_UP,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def arithmetic() -> AbstractContextManager[Context]:
    """Context manager for the shared arithmetic context (a copy of ARITHMETIC)."""
    return localcontext(ARITHMETIC)


def quantize(value: Decimal) -> Decimal:
    """Round to PLACES decimal places, half up."""
    return value.quantize(QUANTUM, rounding=ROUND_HALF_UP, context=ARITHMETIC)


def to_decimal(value: object) -> Decimal:
    """Turn an int, float, str or Decimal into a finite Decimal.

    Floats go through str() so that 0.1 becomes Decimal("0.1"), not its binary neighbour.
    Raises ValueError for booleans (True is an int in Python, never a number here), for
    non-finite values and for anything else.
    """
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        result = Decimal(str(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError("not a finite number")
    return result


def decimal_places(value: Decimal) -> int:
    """How many digits after the decimal point a value needs (2.50 needs 1)."""
    exponent = value.normalize(ARITHMETIC).as_tuple().exponent
    assert isinstance(exponent, int)  # finite values only
    return max(0, -exponent)


def canonical(value: Decimal) -> str:
    """One spelling per value ("2", "2.5"; never "2.50" or "2E+1"), for fingerprints."""
    text = format(value.normalize(ARITHMETIC), "f")
    return "0" if text == "-0" else text


def to_json_number(value: Decimal) -> int | float:
    """A JSON number for a definition value: an int when whole, else a float.

    Definition numbers have at most 4 decimal places, so the float reads back exactly through
    str() (load_form_data(form.to_dict()) gives the same form).
    """
    if value == value.to_integral_value(context=ARITHMETIC):
        return int(value)
    return float(value)
