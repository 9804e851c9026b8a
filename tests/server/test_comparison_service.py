"""The comparison service's pure parts: period bounds, trend periods, compiled statements."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Select, func, select
from sqlalchemy.dialects import postgresql

from reports.data import Period
from server.models import MonthlyScore
from server.services import comparison
from server.services.comparison import Granularity, bounds, months_between
from server.services.errors import InvalidInput


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("2026-10", datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)),
        ("2026-12", datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
        ("2026-Q1", datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)),
        ("2028", datetime(2028, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC)),
    ],
)
def test_bounds_are_half_open_in_utc(key: str, start: datetime, end: datetime) -> None:
    assert bounds(Period.parse(key)) == (start, end)


def test_months_between_lists_every_month() -> None:
    periods = months_between(date(2025, 11, 1), date(2026, 2, 1), Granularity.MONTH)

    assert [period.key for period in periods] == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_quarters_widen_to_whole_quarters() -> None:
    periods = months_between(date(2026, 2, 1), date(2026, 7, 1), Granularity.QUARTER)

    assert [period.key for period in periods] == ["2026-Q1", "2026-Q2", "2026-Q3"]


def test_a_trend_spans_at_most_ten_years() -> None:
    assert len(months_between(date(2017, 1, 1), date(2026, 12, 1), Granularity.MONTH)) == 120
    with pytest.raises(InvalidInput):
        months_between(date(2016, 12, 1), date(2026, 12, 1), Granularity.MONTH)


@pytest.mark.parametrize("versions", [[1], [1, 2, 3]])
def test_statements_sent_ahead_compile_once_and_keep_their_own_values(versions) -> None:
    """The pipeline's SQL comes from a compiled statement kept per shape: a later statement of
    the same shape gets its own values (months, form versions, expanded IN lists)."""
    dialect = postgresql.psycopg.dialect()

    def statement(first: date, end: date) -> Select:
        return (
            select(MonthlyScore.branch_id, func.sum(MonthlyScore.visits))
            .where(
                MonthlyScore.form_version_id.in_(versions),
                MonthlyScore.month >= first,
                MonthlyScore.month < end,
            )
            .group_by(MonthlyScore.branch_id)
        )

    for first, end in [
        (date(2026, 10, 1), date(2026, 11, 1)),
        (date(2025, 1, 1), date(2026, 1, 1)),
    ]:
        fresh = statement(first, end).compile(
            dialect=dialect, compile_kwargs={"render_postcompile": True}
        )
        sql, parameters = comparison._compiled(statement(first, end), dialect)

        assert (sql, parameters) == (fresh.string, fresh.params)
        assert first in parameters.values() and end in parameters.values()
    assert sum(key[0] == "postgresql" for key in comparison._COMPILED) >= 1
