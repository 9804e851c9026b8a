from __future__ import annotations

from datetime import date

import pytest

from reports import Period, PeriodKind


@pytest.mark.parametrize(
    ("key", "kind", "start", "end"),
    [
        ("2026-10", PeriodKind.MONTH, date(2026, 10, 1), date(2026, 10, 31)),
        ("2028-02", PeriodKind.MONTH, date(2028, 2, 1), date(2028, 2, 29)),
        ("2026-Q4", PeriodKind.QUARTER, date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-Q1", PeriodKind.QUARTER, date(2026, 1, 1), date(2026, 3, 31)),
        ("2026", PeriodKind.YEAR, date(2026, 1, 1), date(2026, 12, 31)),
    ],
)
def test_a_period_is_parsed_from_its_key_and_gives_it_back(key, kind, start, end) -> None:
    period = Period.parse(key)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert period.key == key


@pytest.mark.parametrize(
    ("key", "previous"),
    [("2026-01", "2025-12"), ("2026-10", "2026-09"), ("2026-Q1", "2025-Q4"), ("2026", "2025")],
)
def test_the_previous_period_crosses_year_boundaries(key, previous) -> None:
    assert Period.parse(key).previous() == Period.parse(previous)


@pytest.mark.parametrize(
    ("kind", "day", "key"),
    [
        (PeriodKind.MONTH, date(2026, 10, 31), "2026-10"),
        (PeriodKind.QUARTER, date(2026, 9, 1), "2026-Q3"),
        (PeriodKind.QUARTER, date(2026, 10, 1), "2026-Q4"),
        (PeriodKind.QUARTER, date(2026, 12, 31), "2026-Q4"),
        (PeriodKind.YEAR, date(2026, 7, 15), "2026"),
    ],
)
def test_the_period_containing_a_day(kind, day, key) -> None:
    assert Period.containing(kind, day) == Period.parse(key)


@pytest.mark.parametrize("key", ["2026-13", "2026-00", "2026-Q5", "26-10", "2026-10-01", ""])
def test_a_malformed_period_key_is_refused(key) -> None:
    with pytest.raises(ValueError, match="not a period"):
        Period.parse(key)
