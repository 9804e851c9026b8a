"""League-table statistics: hand-computed small cases first, then properties."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit_forms.decimals import QUANTUM
from server.services.statistics import (
    NONE,
    LeagueStats,
    ScoreAggregate,
    ScoreColumns,
    league,
    league_table,
    median_of_means,
    t_quantile,
    texts,
)


def aggregate(
    key: str, scores: Sequence[Decimal | int | str], group: Hashable = "A", **fields: object
) -> ScoreAggregate:
    """A row from its visit percents, summed the way the SQL query sums them."""
    values = [Decimal(score) for score in scores]
    return ScoreAggregate(
        key,
        len(values),
        sum(values, Decimal(0)),
        sum((value * value for value in values), Decimal(0)),
        group,
        **fields,  # type: ignore[arg-type]
    )


def by_key(rows: Sequence[LeagueStats]) -> dict[str, LeagueStats]:
    return {row.key: row for row in rows}


def alone(key: str, scores: Sequence[Decimal | int | str], **fields: object) -> ScoreAggregate:
    """A row in a group of its own: it shrinks to itself, so its shrunk mean is its mean."""
    return aggregate(key, scores, group=key, **fields)


# --- Student's t quantile ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706), (2, 4.303), (4, 2.776), (10, 2.228), (30, 2.042), (10**6, 1.960)],
)
def test_t_quantile_matches_the_printed_tables(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize("p", [0.5001, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9995])
def test_t_quantile_matches_the_closed_forms_for_one_and_two_df(p: float) -> None:
    assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-9)
    assert t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-9)


def test_t_quantile_is_symmetric_and_zero_at_the_middle() -> None:
    assert t_quantile(0.5, 7) == 0.0
    assert t_quantile(0.025, 7) == -t_quantile(0.975, 7)


def test_t_quantile_shrinks_toward_the_normal_one_as_df_grows() -> None:
    # Across the switch from the exact inversion to the Cornish-Fisher expansion too.
    quantiles = [t_quantile(0.975, df) for df in (1, 2, 5, 50, 999, 1000, 1001, 1002, 10**5)]
    assert quantiles == sorted(quantiles, reverse=True)
    assert len(set(quantiles)) == len(quantiles)
    assert quantiles[-1] == pytest.approx(1.959988, abs=1e-6)  # the normal 97.5 % point: 1.959964


@pytest.mark.parametrize(("p", "df"), [(0.0, 3), (1.0, 3), (0.975, 0)])
def test_t_quantile_refuses_impossible_arguments(p: float, df: int) -> None:
    with pytest.raises(ValueError):
        t_quantile(p, df)


# --- one row -----------------------------------------------------------------------------------


def test_mean_spread_and_interval_of_three_visits() -> None:
    [row] = league_table([aggregate("PL-LDZ-004", [80, 90, 100])])

    assert row.n == 3
    assert row.mean == Decimal("90.0000")
    assert row.std_dev == Decimal("10.0000")  # sum of squared deviations 200, over n - 1 = 2
    # 90 -/+ t(0.975, 2) * 10 / sqrt(3) = 90 -/+ 24.8414; the top is clipped to the scale.
    assert row.interval_low == Decimal("65.1586")
    assert row.interval_high == Decimal("100.0000")
    assert not row.interval_borrowed


def test_interval_narrows_when_asking_for_less_confidence() -> None:
    [wide] = league_table([aggregate("b", [70, 80, 90])], confidence=0.99)
    [narrow] = league_table([aggregate("b", [70, 80, 90])], confidence=0.80)

    assert narrow.interval_low > wide.interval_low  # type: ignore[operator]
    assert narrow.interval_high < wide.interval_high  # type: ignore[operator]


def test_a_single_visit_borrows_the_pooled_spread_of_the_table() -> None:
    rows = by_key(league_table([alone("once", [70]), alone("thrice", [80, 90, 100])]))

    once = rows["once"]
    assert once.std_dev is None
    assert once.interval_borrowed
    # The pooled spread is thrice's: s = 10 on 2 degrees of freedom; 70 -/+ 4.3027 * 10 / 1.
    assert once.interval_low == Decimal("26.9735")
    assert once.interval_high == Decimal("100.0000")


def test_with_no_repeated_visits_the_spread_of_all_visits_stands_in() -> None:
    rows = by_key(league_table([aggregate("a", [60]), aggregate("b", [80])]))

    # Visit spread: s² = 200 on 1 df, so 70 -/+ 12.7 * 14.1 covers the whole scale.
    assert rows["a"].interval_low == Decimal("0.0000")
    assert rows["a"].interval_high == Decimal("100.0000")
    # Their difference is no bigger than that noise: tau² = 0, both pulled to the mean, tied.
    assert rows["a"].shrunk_mean == rows["b"].shrunk_mean == Decimal("70.0000")
    assert (rows["a"].rank, rows["b"].rank) == (1, 1)
    assert rows["a"].rank_tied and rows["b"].rank_tied


def test_a_single_visit_in_the_whole_table_gets_the_whole_scale() -> None:
    [row] = league_table([aggregate("b", [55])])

    assert (row.interval_low, row.interval_high) == (Decimal("0.0000"), Decimal("100.0000"))
    assert row.shrunk_mean == Decimal("55.0000")
    assert row.rank == 1


def test_tiny_negative_variance_from_rounded_sums_is_taken_as_zero() -> None:
    row = ScoreAggregate("b", 2, Decimal("180"), Decimal("16199.9999"), "A")  # exact: 16200

    [stats] = league_table([row])

    assert stats.std_dev == Decimal("0.0000")
    assert (stats.interval_low, stats.interval_high) == (Decimal("90.0000"), Decimal("90.0000"))


def test_floats_from_the_database_become_decimals() -> None:
    row = ScoreAggregate("b", 2, 170.5, 14540.25, "A")  # type: ignore[arg-type]

    assert row.total == Decimal("170.5")
    assert league_table([row])[0].mean == Decimal("85.2500")


def test_single_row_table() -> None:
    [row] = league_table([aggregate("b", [70, 80, 90])])

    assert row.rank == 1
    assert not row.rank_tied
    assert row.shrunk_mean == row.mean == row.group_mean == Decimal("80.0000")
    assert row.own_weight == Decimal("1.0000")
    assert row.distinguishable_from_median is False  # the median is its own mean


def test_empty_table() -> None:
    assert league_table([]) == []


# --- shrinkage ---------------------------------------------------------------------------------


def shrinkage_table() -> list[ScoreAggregate]:
    """Area mean 80 over 21 visits; visit-to-visit s = 20 in both ten-visit branches."""
    return [
        ScoreAggregate("one", 1, Decimal(100), Decimal(10000), "A"),
        # 10 visits, mean 95: squares = 950² / 10 + 9 * 20² = 90250 + 3600.
        ScoreAggregate("ten", 10, Decimal(950), Decimal(93850), "A"),
        # 10 visits, mean 63: squares = 630² / 10 + 3600.
        ScoreAggregate("low", 10, Decimal(630), Decimal(43290), "A"),
    ]


def test_a_single_visit_is_pulled_harder_toward_the_area_mean() -> None:
    rows = by_key(league_table(shrinkage_table()))

    # sigma² = 400 pooled; spread of means 1*20² + 10*15² + 10*17² = 5540, less 2 * 400 expected
    # from noise, over 21 - 201/21: tau² = 414.75.
    # one: B = 414.75 / (414.75 + 400 / 1)  = 0.5091, 80 + 0.5091 * 20 = 90.1810
    # ten: B = 414.75 / (414.75 + 400 / 10) = 0.9120, 80 + 0.9120 * 15 = 93.6806
    assert rows["one"].group_mean == rows["ten"].group_mean == Decimal("80.0000")
    assert rows["one"].own_weight == Decimal("0.5091")
    assert rows["one"].shrunk_mean == Decimal("90.1810")
    assert rows["ten"].own_weight == Decimal("0.9120")
    assert rows["ten"].shrunk_mean == Decimal("93.6806")
    assert rows["low"].shrunk_mean == Decimal("64.4953")  # pulled up, not down


def test_more_visits_outrank_one_lucky_visit() -> None:
    rows = league_table(shrinkage_table())

    assert [row.key for row in rows] == ["ten", "one", "low"]
    assert [row.rank for row in rows] == [1, 2, 3]
    assert rows[1].mean > rows[0].mean  # type: ignore[operator]  # the raw order was the reverse


def test_a_branch_alone_in_its_area_shrinks_to_itself() -> None:
    rows = by_key(league_table([*shrinkage_table(), aggregate("solo", [40, 50], group="B")]))

    assert rows["solo"].group_mean == rows["solo"].shrunk_mean == Decimal("45.0000")
    assert rows["solo"].own_weight == Decimal("1.0000")


# --- ranks -------------------------------------------------------------------------------------


def test_ties_share_a_rank_and_the_next_rank_is_skipped() -> None:
    rows = league_table(
        [alone("d", [70]), alone("b", [80]), alone("a", [90]), alone("c", [80]), alone("e", [60])]
    )

    assert [(row.key, row.rank, row.rank_tied) for row in rows] == [
        ("a", 1, False),
        ("b", 2, True),
        ("c", 2, True),
        ("d", 4, False),
        ("e", 5, False),
    ]


def test_ties_are_judged_at_four_decimal_places() -> None:
    rows = by_key(league_table([alone("a", ["80.00004"]), alone("b", ["80.00001"])]))

    assert rows["a"].shrunk_mean == rows["b"].shrunk_mean == Decimal("80.0000")
    assert rows["a"].rank == rows["b"].rank == 1
    assert rows["a"].rank_tied and rows["b"].rank_tied


# --- flags -------------------------------------------------------------------------------------


def test_too_few_visits_below_the_threshold_only() -> None:
    rows = by_key(league_table([aggregate("two", [80, 90]), aggregate("three", [80, 90, 70])]))

    assert rows["two"].too_few_visits
    assert not rows["three"].too_few_visits
    assert rows["two"].rank is not None  # flagged, still ranked


def test_too_few_visits_follows_the_threshold_given() -> None:
    rows = by_key(league_table([aggregate("three", [80, 90, 70])], min_visits=4))

    assert rows["three"].too_few_visits


def test_cannot_be_told_apart_from_the_median() -> None:
    rows = by_key(
        league_table(
            [
                alone("low", [45, 55] * 5),  # 50 -/+ 3.8
                alone("middle", [75, 85] * 5),  # 80 -/+ 3.8
                alone("high", [90, 100] * 5),  # 95 -/+ 3.8
                alone("once", [85]),  # one visit: 85 -/+ 10.8, the pooled spread
            ]
        )
    )

    assert median_of_means(list(rows.values())) == Decimal("82.5000")  # (80 + 85) / 2
    assert rows["low"].distinguishable_from_median is True
    assert rows["middle"].distinguishable_from_median is False
    assert rows["high"].distinguishable_from_median is True
    assert rows["once"].distinguishable_from_median is False


def test_an_interval_touching_the_median_contains_it() -> None:
    rows = by_key(
        league_table([alone("a", [80, 80]), alone("b", [80, 80, 80]), alone("c", [90, 90])])
    )

    # Zero spread: the intervals are the points 80, 80 and 90; the median is 80.
    assert rows["a"].distinguishable_from_median is False
    assert rows["b"].distinguishable_from_median is False
    assert rows["c"].distinguishable_from_median is True


def test_target_met_at_or_above_the_target() -> None:
    rows = by_key(
        league_table(
            [
                alone("at", [80, 90], target=Decimal(85)),
                alone("under", [80, 90], target=Decimal("85.0001")),
                alone("none", [80, 90]),
            ]
        )
    )

    assert rows["at"].target_met is True
    assert rows["under"].target_met is False
    assert rows["none"].target_met is None


def test_change_against_the_previous_period() -> None:
    rows = by_key(
        league_table(
            [
                alone("up", [80, 90], previous_mean=Decimal("80")),
                alone("down", [70, 80], previous_mean=Decimal("77.25")),
                alone("new", [70, 80]),
            ]
        )
    )

    assert rows["up"].change == Decimal("5.0000")
    assert rows["down"].change == Decimal("-2.2500")
    assert rows["up"].previous_mean == Decimal("80.0000")
    assert rows["new"].change is None


def test_rows_without_visits_have_no_estimates_and_come_last() -> None:
    rows = league_table(
        [
            aggregate("empty", [], previous_mean=Decimal(70), target=Decimal(80)),
            aggregate("b", [60, 70, 80]),
            aggregate("a", [90, 80, 70]),
        ]
    )

    empty = rows[-1]
    assert [row.key for row in rows] == ["a", "b", "empty"]
    assert [row.rank for row in rows] == [1, 2, None]
    assert empty.n == 0
    assert empty.mean is empty.shrunk_mean is empty.interval_low is None
    assert empty.change is None
    assert empty.target_met is None
    assert empty.too_few_visits
    assert empty.distinguishable_from_median is None
    assert empty.group_mean == Decimal("75.0000")  # its area's, from the others
    assert median_of_means(rows) == Decimal("75.0000")  # empty rows take no part


def test_a_table_without_any_visits() -> None:
    rows = league_table([aggregate("b", []), aggregate("a", [])])

    assert [(row.key, row.rank, row.group_mean) for row in rows] == [("a", None, None)] + [
        ("b", None, None)
    ]
    assert median_of_means(rows) is None


# --- refused input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"n": -1, "total": 0, "total_squares": 0},
        {"n": True, "total": 50, "total_squares": 2500},
        {"n": 1, "total": Decimal("100.01"), "total_squares": 0},
        {"n": 1, "total": -1, "total_squares": 1},
        {"n": 0, "total": 0, "total_squares": 1},
        {"n": 1, "total": 50, "total_squares": 2500, "target": 101},
        {"n": 1, "total": 50, "total_squares": 2500, "previous_mean": -1},
    ],
)
def test_impossible_aggregates_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        ScoreAggregate(key="b", group="A", **fields)  # type: ignore[arg-type]


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        league_table([aggregate("b", [80]), aggregate("b", [90])])


@pytest.mark.parametrize("options", [{"min_visits": -1}, {"confidence": 1.0}, {"confidence": 0}])
def test_impossible_options_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        league_table([aggregate("b", [80])], **options)  # type: ignore[arg-type]


# --- properties --------------------------------------------------------------------------------

Drawn = list[tuple[str, list[Decimal]]]

percents = st.integers(0, 1000).map(lambda tenths: Decimal(tenths) / 10)
branches = st.lists(
    st.tuples(st.sampled_from(["A", "B", "C"]), st.lists(percents, max_size=6)),
    min_size=1,
    max_size=8,
)


def table_of(drawn: Drawn) -> list[ScoreAggregate]:
    return [aggregate(f"b{i}", scores, group=group) for i, (group, scores) in enumerate(drawn)]


@settings(deadline=None)
@given(branches)
def test_shrunk_mean_lies_between_the_mean_and_the_group_mean(drawn: Drawn) -> None:
    for row in league_table(table_of(drawn)):
        if row.n:
            low, high = sorted([row.mean, row.group_mean])  # type: ignore[type-var]
            assert low <= row.shrunk_mean <= high  # type: ignore[operator]
            assert 0 <= row.own_weight <= 1  # type: ignore[operator]


@settings(deadline=None)
@given(branches)
def test_fewer_visits_never_keep_more_of_their_own_mean(drawn: Drawn) -> None:
    rows = [row for row in league_table(table_of(drawn)) if row.n]
    for row in rows:
        for other in rows:
            if row.group == other.group and row.n < other.n:
                assert row.own_weight <= other.own_weight  # type: ignore[operator]


@settings(deadline=None)
@given(branches)
def test_intervals_contain_the_mean_within_the_scale(drawn: Drawn) -> None:
    for row in league_table(table_of(drawn)):
        if row.n:
            assert 0 <= row.interval_low <= row.mean <= row.interval_high <= 100  # type: ignore[operator]


@settings(deadline=None)
@given(branches)
def test_ranks_are_competition_ranks_of_the_shrunk_means(drawn: Drawn) -> None:
    rows = league_table(table_of(drawn))
    scored = [row for row in rows if row.n]

    assert rows[: len(scored)] == scored  # rows without visits come last
    for row in scored:
        better = sum(other.shrunk_mean > row.shrunk_mean for other in scored)  # type: ignore[operator]
        same = sum(other.shrunk_mean == row.shrunk_mean for other in scored)
        assert row.rank == better + 1
        assert row.rank_tied == (same > 1)
    assert [row.rank for row in scored] == sorted(row.rank for row in scored)  # type: ignore[type-var]
    assert all(row.rank is None for row in rows[len(scored) :])


@settings(deadline=None)
@given(st.data(), branches)
def test_input_order_does_not_matter(data: st.DataObject, drawn: Drawn) -> None:
    table = table_of(drawn)
    shuffled = data.draw(st.permutations(table))

    assert league_table(shuffled) == league_table(table)


@settings(deadline=None)
@given(branches)
def test_the_columns_give_the_same_table_and_its_median(drawn: Drawn) -> None:
    table = table_of(drawn)

    result = league(ScoreColumns.of(table))

    assert result.columns.rows() == league_table(table)
    assert result.median == median_of_means(result.columns.rows())


@pytest.mark.parametrize(
    "column",
    [
        {"n": [-1], "totals": [0], "total_squares": [0.0]},
        {"n": [True], "totals": [500_000], "total_squares": [2500.0]},
        {"n": [1], "totals": [1_000_001], "total_squares": [10000.0]},  # above 100 %
        {"n": [1], "totals": [-1], "total_squares": [0.0]},
        {"n": [0], "totals": [0], "total_squares": [1.0]},
        {"previous_means": [1_000_001]},
        {"targets": [-1]},
    ],
)
def test_impossible_columns_are_refused(column: dict[str, list[object]]) -> None:
    fields = {
        "keys": ["b"],
        "groups": ["A"],
        "n": [1],
        "totals": [500_000],  # 50 % in units of 1/10,000
        "total_squares": [2500.0],
        "previous_means": [None],
        "targets": [None],
    }
    with pytest.raises(ValueError, match="b|whole"):
        league(ScoreColumns(**(fields | column)))  # type: ignore[arg-type]


def test_texts_write_units_as_decimals_do() -> None:
    units = np.array([[975416, 0, 1_000_000], [-17455, -5, NONE], [12_345_678, 1, NONE]])

    assert texts(units) == [
        ["97.5416", "0.0000", "100.0000"],
        ["-1.7455", "-0.0005", None],
        ["1234.5678", "0.0001", None],
    ]
    assert texts(np.array([], dtype=np.int64)) == []


@given(st.lists(st.integers(min_value=-(10**12), max_value=10**12), max_size=50))
def test_texts_equal_the_decimals_str(values: list[int]) -> None:
    assert texts(np.array(values, dtype=np.int64)) == [str(QUANTUM * value) for value in values]


def test_the_columns_hold_the_rows_in_rank_order() -> None:
    table = [
        aggregate("c", [60, 70], previous_mean=Decimal("50"), target=Decimal("80")),
        aggregate("a", [90, 95, 100], target=Decimal("90")),
        aggregate("z", []),
        aggregate("b", [90, 95, 100]),
    ]

    columns = league(ScoreColumns.of(table)).columns

    assert columns.keys == ["a", "b", "c", "z"]
    assert columns.rank.tolist() == [1, 1, 3, 0]
    assert columns.rank_tied.tolist() == [True, True, False, False]
    assert columns.change.tolist() == [NONE, NONE, 150_000, NONE]
    assert columns.target_met.tolist() == [True, False, False, False]
    assert columns.too_few_visits.tolist() == [False, False, True, True]
    assert columns.rows() == league_table(table)
