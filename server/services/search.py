"""Free-text search over a few columns, case-insensitive in every language."""

from sqlalchemy import ColumnElement, func, or_


def matches_text(query: str, *columns) -> ColumnElement[bool]:
    needle = query.strip().lower()
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))
