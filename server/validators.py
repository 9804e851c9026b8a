"""Field validators shared by the API schemas and the CSV import."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import marshmallow as ma

from server.models import LOCALES

LOCALE = ma.validate.OneOf(LOCALES)
COUNTRY = ma.validate.Regexp(r"^[A-Z]{2}$", error="Use a two-letter ISO country code, e.g. PL.")
CODE = ma.validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$", error="Letters, digits, '-', '_' and '.'; up to 50."
)


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ma.ValidationError("Unknown time zone, e.g. Europe/Warsaw.") from error


def text(max_length: int, **kwargs) -> ma.fields.String:
    """A trimmed, non-empty string of bounded length."""
    return ma.fields.String(validate=ma.validate.Length(min=1, max=max_length), **kwargs)


class Email(ma.fields.Email):
    """An e-mail address with surrounding spaces ignored (phones add them)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = value.strip()
        return super()._deserialize(value, attr, data, **kwargs)


class ExactDecimal(ma.fields.Decimal):
    """A score or points amount sent as an exact decimal string ("87.5000"), documented so."""

    def __init__(self, **kwargs):
        super().__init__(as_string=True, **kwargs)


def plausible_time(value) -> None:
    """Checked before any time zone arithmetic: year 1 with an offset would overflow."""
    if not 2000 <= value.year < 2100:
        raise ma.ValidationError("Must lie between the years 2000 and 2099.")


def Moment(**kwargs) -> ma.fields.AwareDateTime:  # noqa: N802 - reads like a field class
    """A timezone-aware date and time within this century."""
    return ma.fields.AwareDateTime(validate=plausible_time, **kwargs)
