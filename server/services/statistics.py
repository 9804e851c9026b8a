"""League-table statistics for the HQ comparison: means, intervals, shrunk ranks.

Pure: the caller aggregates approved visit percents per branch (or per area) in SQL and hands over
plain sums; nothing here touches Flask or the database. docs/comparison.md explains the method to
analysts.

rows = league_table([ScoreAggregate("PL-LDZ-004", 3, total, total_squares, "PL-LDZ"), ...])
table = league(ScoreColumns(keys, groups, n, totals, total_squares, previous_means, targets))

Means (of rows and of groups) are exact: a sum of 4-place percents is a whole number of 1/10,000
of a point, and a rounded mean an integer quotient, so a mean always agrees with a hand
calculation. Spreads, intervals, shrinkage weights and adjusted scores are computed in
float (about 15 significant digits, far beyond the 4 places kept), a column at a time with numpy,
and rounded at the end. Outputs are rounded half up to 4 places, and every decision (ties,
"cannot be told apart from the median", target met) is taken on those rounded values, so what
the table shows and what it says always agree.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from statistics import NormalDist
from typing import NamedTuple, TypeVar

import numpy as np

from audit_forms.decimals import (
    PLACES,
    QUANTUM,
    UNITS,
    arithmetic,
    quantize,
    to_decimal,
)

#: Above this many degrees of freedom the t quantile comes from the Cornish-Fisher expansion
#: (error far below 1e-12 there); at or below it, from inverting the exact distribution function.
CORNISH_FISHER_FROM_DF = 1000


_Whole = TypeVar("_Whole", int, np.ndarray)  # a whole number, or an array of them

# Safety caps on iterations: the incomplete beta needs a few hundred terms at most up to
# df = 1000, and Newton's method converges in a handful of steps.
_MAX_TERMS = 10_000
_MAX_NEWTON_STEPS = 200
_FLOAT_TINY = 1e-300


class _ScoreAggregateFields(NamedTuple):
    key: str
    n: int
    total: Decimal
    total_squares: Decimal
    group: Hashable
    previous_mean: Decimal | None = None
    target: Decimal | None = None


class ScoreAggregate(_ScoreAggregateFields):
    """Approved visits of one branch (or area) in one period, as sums of visit percents.

    `group` is what the row's estimate is shrunk toward (the branch's area; one value for the
    whole table when rows are areas). Numbers may be Decimal, int, str or float (SQLite returns
    floats for some sums); they are stored as Decimal. Impossible sums raise ValueError.

    A NamedTuple checked as it is made: a league table makes 2,000, and a frozen dataclass
    takes twice as long.
    """

    __slots__ = ()

    def __new__(
        cls,
        key: str,
        n: int,
        total: object,
        total_squares: object,
        group: Hashable,
        previous_mean: object = None,
        target: object = None,
    ) -> ScoreAggregate:
        if type(n) is not int or n < 0:  # a bool is not a count
            raise ValueError(f"{key}: n must be a whole number >= 0, got {n!r}")
        # Finite Decimals (what the database returns) are kept as they are.
        total, squares = _number(total), _number(total_squares)
        previous = None if previous_mean is None else _number(previous_mean)
        target = None if target is None else _number(target)
        if not 0 <= total <= 100 * n:
            raise ValueError(f"{key}: total {total} is outside [0, 100 * n]")
        if squares < 0 or (n == 0 and squares != 0):
            raise ValueError(f"{key}: impossible total_squares {squares}")
        if previous is not None and not 0 <= previous <= 100:
            raise ValueError(f"{key}: previous_mean {previous} is outside [0, 100]")
        if target is not None and not 0 <= target <= 100:
            raise ValueError(f"{key}: target {target} is outside [0, 100]")
        return tuple.__new__(cls, (key, n, total, squares, group, previous, target))


def _number(value: object) -> Decimal:
    if type(value) is Decimal and value.is_finite():
        return value
    return to_decimal(value)


class LeagueStats(NamedTuple):
    """One row of the league table; every Decimal is rounded half up to 4 places.

    own_weight is the share of the branch's own mean in shrunk_mean (1: kept as it is, 0: replaced
    by the group mean). interval_borrowed says the row has a single visit, so its interval used
    the table's pooled visit-to-visit spread (the whole scale when the table holds one visit).
    Rows without visits have None for every estimate and for rank and the median comparison.

    A NamedTuple rather than a frozen dataclass: a table makes one per row (2,000), and a tuple
    of 19 fields is made about eight times faster.
    """

    key: str
    group: Hashable
    n: int
    mean: Decimal | None
    std_dev: Decimal | None
    interval_low: Decimal | None
    interval_high: Decimal | None
    interval_borrowed: bool
    group_mean: Decimal | None
    own_weight: Decimal | None
    shrunk_mean: Decimal | None
    rank: int | None
    rank_tied: bool
    previous_mean: Decimal | None
    change: Decimal | None
    target: Decimal | None
    target_met: bool | None
    too_few_visits: bool
    distinguishable_from_median: bool | None


class ScoreColumns(NamedTuple):
    """The aggregates of a table as columns, aligned (row i is the i-th value of each): the
    fields of ScoreAggregate without an object per row, as `league` takes them.

    Totals, previous means and targets are whole "units" of 1/10,000 of a point (97.5416 is
    975416): a total of 4-place percents is a whole number of them, so sums and means stay
    exact in integers. Previous means and targets are rounded half up to units; None where
    there is none. total_squares, in points², only feeds float arithmetic.
    """

    keys: Sequence[str]
    groups: Sequence[Hashable]
    n: Sequence[int]
    totals: Sequence[int]
    total_squares: Sequence[float]
    previous_means: Sequence[int | None]
    targets: Sequence[int | None]

    @classmethod
    def of(cls, aggregates: Iterable[ScoreAggregate]) -> ScoreColumns:
        """Totals of more than 4 places are rounded to 4 (SQLite returns float sums)."""
        rows = list(aggregates)
        return cls(
            [row.key for row in rows],
            [row.group for row in rows],
            [row.n for row in rows],
            [to_units(row.total) for row in rows],
            [float(row.total_squares) for row in rows],
            [None if row.previous_mean is None else to_units(row.previous_mean) for row in rows],
            [None if row.target is None else to_units(row.target) for row in rows],
        )

    def taken(self, order: Sequence[int]) -> ScoreColumns:
        """The rows in the given order."""
        return ScoreColumns(*([column[i] for i in order] for column in self))


def to_units(value: Decimal) -> int:
    """A Decimal in whole units of 1/10,000, rounded half up."""
    return int(value.scaleb(PLACES).to_integral_value(ROUND_HALF_UP))


#: Where a column of units has no value (a row without visits has no mean, for one).
NONE = np.iinfo(np.int64).min


@dataclass(frozen=True, eq=False)
class LeagueColumns:
    """The league table as columns, in rank order (key order within a tie; rows without visits
    last, in key order): what `league` computes, for callers that take a column at a time.
    `rows()` gives the same table as LeagueStats.

    Numbers are whole units (int64), NONE where LeagueStats has None; rank is 0 there. target_met
    means something only where a row has visits and a target, distinguishable_from_median only
    where it has visits.
    """

    keys: list[str]
    groups: list[Hashable]
    n: np.ndarray
    mean: np.ndarray
    std_dev: np.ndarray
    interval_low: np.ndarray
    interval_high: np.ndarray
    interval_borrowed: np.ndarray
    group_mean: np.ndarray
    own_weight: np.ndarray
    shrunk_mean: np.ndarray
    rank: np.ndarray
    rank_tied: np.ndarray
    previous_mean: np.ndarray
    change: np.ndarray
    target: np.ndarray
    target_met: np.ndarray
    too_few_visits: np.ndarray
    distinguishable_from_median: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)

    def ranks(self) -> list[int | None]:
        """rank as LeagueStats has it: None for a row without visits."""
        return [rank or None for rank in self.rank.tolist()]

    def targets_met(self) -> list[bool | None]:
        """target_met as LeagueStats has it: None without visits or without a target."""
        return _where(self.target_met, self.n > 0, self.target != NONE)

    def distinguishable(self) -> list[bool | None]:
        """distinguishable_from_median as LeagueStats has it: None without visits."""
        return _where(self.distinguishable_from_median, self.n > 0)

    def rows(self) -> list[LeagueStats]:
        """The rows as LeagueStats, their numbers as Decimals."""
        return [
            tuple.__new__(LeagueStats, row)
            for row in zip(
                self.keys,
                self.groups,
                self.n.tolist(),
                *map(decimals, (self.mean, self.std_dev, self.interval_low, self.interval_high)),
                self.interval_borrowed.tolist(),
                *map(decimals, (self.group_mean, self.own_weight, self.shrunk_mean)),
                self.ranks(),
                self.rank_tied.tolist(),
                *map(decimals, (self.previous_mean, self.change, self.target)),
                self.targets_met(),
                self.too_few_visits.tolist(),
                self.distinguishable(),
                strict=True,
            )
        ]


def decimals(units: np.ndarray) -> list[Decimal | None]:
    """A column of units as Decimals; None for NONE."""
    quantum = QUANTUM
    return [None if value == NONE else quantum * value for value in units.tolist()]


def _where(flags: np.ndarray, *conditions: np.ndarray) -> list[bool | None]:
    """The flags as bools where every condition holds, None elsewhere."""
    held = np.logical_and.reduce(conditions).tolist()
    return [flag if holds else None for flag, holds in zip(flags.tolist(), held, strict=True)]


# The texts of whole parts up to 100 (every percent) and of every fraction, made once.
_WHOLE_TEXTS = np.array([str(whole) for whole in range(101)])
_FRACTION_TEXTS = np.array([f".{fraction:0{PLACES}d}" for fraction in range(UNITS)])


def texts(units: np.ndarray) -> list:
    """Units (an array of any shape) written as str() writes their Decimals ("97.5416",
    "-1.7455", "0.0000"), None for NONE, as nested lists: for JSON, a column at a time, three
    times as fast as making and writing Decimals."""
    missing = units == NONE
    values = np.where(missing, 0, units)
    whole, fraction = np.divmod(np.abs(values), UNITS)
    if whole.size and whole.max() >= len(_WHOLE_TEXTS):
        wholes = whole.astype(np.str_)
    else:
        wholes = _WHOLE_TEXTS[whole]
    written = np.strings.add(wholes, _FRACTION_TEXTS[fraction])
    negative = values < 0
    if negative.any():
        written = np.where(negative, np.strings.add("-", written), written)
    if missing.any():
        written = written.astype(object)
        written[missing] = None
    return written.tolist()


class League(NamedTuple):
    columns: LeagueColumns
    median: Decimal | None  # of the rows' means, as median_of_means gives it


def league_table(
    aggregates: Iterable[ScoreAggregate],
    *,
    min_visits: int = 3,
    confidence: float = 0.95,
) -> list[LeagueStats]:
    """Rows ranked by shrunk mean (best first, ties share a rank); rows without visits last.

    Rows with fewer than min_visits visits are flagged, not left out. Raises ValueError for
    duplicate keys or impossible options.
    """
    columns = ScoreColumns.of(aggregates)
    return league(columns, min_visits=min_visits, confidence=confidence).columns.rows()


def league(columns: ScoreColumns, *, min_visits: int = 3, confidence: float = 0.95) -> League:
    """`league_table` of columns, with the median of the means: what the comparison uses.

    Each column is computed whole with numpy: a Python loop over 2,000 rows, one number at a
    time, took five times as long. Raises ValueError for impossible sums too.
    """
    if isinstance(min_visits, bool) or not isinstance(min_visits, int) or min_visits < 0:
        raise ValueError(f"min_visits must be a whole number >= 0, got {min_visits!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    if len(set(columns.keys)) != len(columns.keys):
        raise ValueError("keys must be unique")
    # In key order, so that the sums run in one order whatever order the caller used.
    order = sorted(range(len(columns.keys)), key=columns.keys.__getitem__)
    if order != list(range(len(order))):
        columns = columns.taken(order)
    scored = _Scored.of(columns)
    spread = _pooled_spread(scored)
    fits = _GroupFits.of(scored, spread)
    estimates = _Estimates.of(scored, spread, fits, 1 - (1 - confidence) / 2)
    median = _median_units(estimates.mean)
    table = _ranked(columns, scored, fits, estimates, median, min_visits)
    return League(table, None if median is None else QUANTUM * median)


def median_of_means(rows: Sequence[LeagueStats]) -> Decimal | None:
    """The median of the (rounded) row means over rows with visits; None when there are none."""
    ordered = sorted(row.mean for row in rows if row.mean is not None)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    with arithmetic():
        return quantize((ordered[middle - 1] + ordered[middle]) / 2)


@lru_cache(maxsize=4096)
def t_quantile(p: float, df: int) -> float:
    """The p-quantile of Student's t distribution with df degrees of freedom (float precision)."""
    if not 0 < p < 1:
        raise ValueError(f"p must lie strictly between 0 and 1, got {p!r}")
    if df < 1:
        raise ValueError(f"df must be at least 1, got {df!r}")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    if p == 0.5:
        return 0.0
    if df > CORNISH_FISHER_FROM_DF:
        return _cornish_fisher(p, df)
    return _invert_upper_tail(1 - p, df)


# --- the columns -------------------------------------------------------------------------------
# Exact values and rounded ones are whole units (int64), so that means, ties, clamps and the
# median are exact integer arithmetic; QUANTUM * units makes their Decimals.


def _units(values: np.ndarray) -> np.ndarray:
    """Floats >= 0 rounded half up to units, floor(x * 10,000 + 0.5): as exact as the floats."""
    return np.floor(values * UNITS + 0.5).astype(np.int64)


def rounded_quotient(units: _Whole, n: _Whole) -> _Whole:
    """units / n (ints or int arrays, units >= 0, n > 0) rounded half up to whole units,
    exactly: floor((2 units + n) / 2n)."""
    return (2 * units + n) // (2 * n)


@dataclass(frozen=True)
class _Scored:
    """The rows with visits (positions `at` in the key-sorted columns), as arrays."""

    at: np.ndarray
    n: np.ndarray
    total_units: np.ndarray
    total: np.ndarray  # in points, float
    mean: np.ndarray  # float
    # Squared deviations from the row's mean. Floored at 0: sums rounded on their way out of
    # the database can make it a hair negative.
    sum_of_squares: np.ndarray
    squares: np.ndarray
    mean_units: np.ndarray  # total / n rounded, exactly as by hand
    group: np.ndarray  # the group's number, an index into _GroupFits
    groups: dict[Hashable, int]  # the numbers of the groups with visits

    @classmethod
    def of(cls, columns: ScoreColumns) -> _Scored:
        n_all = np.array(columns.n, dtype=np.int64)
        totals = np.array(columns.totals, dtype=np.int64)
        squares = np.array(columns.total_squares, dtype=float)
        _check(columns, n_all, totals, squares)
        at = np.flatnonzero(n_all > 0)
        n, total_units, squares = n_all[at], totals[at], squares[at]
        total = total_units / float(UNITS)
        groups: dict[Hashable, int] = {}
        group = [groups.setdefault(columns.groups[i], len(groups)) for i in at.tolist()]
        return cls(
            at=at,
            n=n,
            total_units=total_units,
            total=total,
            mean=total / n,
            sum_of_squares=np.maximum(0.0, squares - total * total / n),
            squares=squares,
            mean_units=rounded_quotient(total_units, n),
            group=np.array(group, dtype=np.intp),
            groups=groups,
        )


def _check(columns: ScoreColumns, n: np.ndarray, totals: np.ndarray, squares: np.ndarray) -> None:
    """ValueError naming the first row whose sums cannot be (the checks of ScoreAggregate)."""
    if any(type(count) is not int for count in columns.n):  # a bool is not a count
        raise ValueError("n must be whole numbers")
    impossible = (
        (n < 0)
        | (totals < 0)
        | (totals > 100 * UNITS * n)
        | (squares < 0)
        | ((n == 0) & (squares != 0))
    )
    if impossible.any():
        row = int(np.flatnonzero(impossible)[0])
        raise ValueError(f"{columns.keys[row]}: impossible sums (n, total, total_squares)")
    for name, values in (("previous_mean", columns.previous_means), ("target", columns.targets)):
        for key, value in zip(columns.keys, values, strict=True):
            if value is not None and not 0 <= value <= 100 * UNITS:
                raise ValueError(f"{key}: {name} of {value} units is outside [0, 100]")


class _Spread(NamedTuple):
    """Visit-to-visit variance and its degrees of freedom."""

    variance: float
    df: int


def _pooled_spread(rows: _Scored) -> _Spread | None:
    """Visit-to-visit variance pooled over rows with two or more visits.

    When no row has two visits, the spread of all visits in the table stands in: it also holds
    the real differences between rows, so it errs toward wider intervals, never narrower ones.
    """
    repeated = rows.n > 1
    df = int((rows.n[repeated] - 1).sum())
    if df > 0:
        return _Spread(math.fsum(rows.sum_of_squares[repeated].tolist()) / df, df)
    visits = int(rows.n.sum())
    if visits < 2:
        return None
    total = math.fsum(rows.total.tolist())
    squares = math.fsum(rows.squares.tolist())
    return _Spread(max(0.0, squares - total * total / visits) / (visits - 1), visits - 1)


@dataclass(frozen=True)
class _GroupFits:
    """Per group (by its number): the mean over all its visits and tau², the between-row
    variance by the method of moments (NaN when the group has one row, or there is no spread).

    tau² is what the spread of the row means exceeds what visit-to-visit noise alone would give
    (DerSimonian-Laird with weights n / sigma², i.e. the one-way ANOVA estimator), floored at 0.
    """

    mean: np.ndarray  # float
    rounded_units: np.ndarray  # what is shown, and what shrunk means are clamped to
    between_variance: np.ndarray

    @classmethod
    def of(cls, rows: _Scored, spread: _Spread | None) -> _GroupFits:
        count = len(rows.groups)
        members = np.bincount(rows.group, minlength=count)
        visits = np.zeros(count, dtype=np.int64)
        np.add.at(visits, rows.group, rows.n)
        totals = np.zeros(count, dtype=np.int64)  # exact: a group mean agrees with a hand sum
        np.add.at(totals, rows.group, rows.total_units)
        rounded = rounded_quotient(totals, np.maximum(visits, 1))
        mean = totals / (visits * float(UNITS))
        between = np.full(count, np.nan)
        if spread is not None:
            spread_of_means = np.bincount(
                rows.group, weights=rows.n * (rows.mean - mean[rows.group]) ** 2, minlength=count
            )
            expected_from_noise = (members - 1) * spread.variance
            scale = visits - np.bincount(rows.group, weights=rows.n**2, minlength=count) / visits
            several = members > 1
            between[several] = np.maximum(
                0.0, (spread_of_means - expected_from_noise)[several] / scale[several]
            )
        return cls(mean, rounded, between)


@dataclass(frozen=True)
class _Estimates:
    """Each row's numbers that need only its own sums and its group's fit, in units."""

    mean: np.ndarray
    std_dev: np.ndarray  # NONE: none (a single visit)
    low: np.ndarray
    high: np.ndarray
    own_weight: np.ndarray
    shrunk_mean: np.ndarray

    @classmethod
    def of(
        cls, rows: _Scored, spread: _Spread | None, fits: _GroupFits, t_probability: float
    ) -> _Estimates:
        """The interval is Student's t for the row's mean, clipped to the 0-100 scale; a single
        visit says nothing about its own spread and borrows the table's."""
        n, mean = rows.n, rows.mean
        repeated = n > 1
        own_variance = rows.sum_of_squares / np.maximum(n - 1, 1)
        if spread is None:  # no row has two visits, and the table one visit at most
            variance, df = np.where(repeated, own_variance, 0.0), np.where(repeated, n - 1, 0)
        else:
            variance = np.where(repeated, own_variance, spread.variance)
            df = np.where(repeated, n - 1, spread.df)
        has_spread = df > 0
        degrees, which = np.unique(df, return_inverse=True)
        t = np.array([t_quantile(t_probability, int(d)) if d > 0 else 0.0 for d in degrees])
        half_width = t[which.reshape(-1)] * np.sqrt(variance / n)
        low = np.where(has_spread, np.maximum(0.0, mean - half_width), 0.0)
        high = np.where(has_spread, np.minimum(100.0, mean + half_width), 100.0)
        weight = _own_weight(n, fits.between_variance[rows.group], spread)
        group_mean = fits.mean[rows.group]
        shrunk = group_mean + weight * (mean - group_mean)
        # Float noise must not push a bound past the mean, or the estimate outside [mean, group
        # mean], once rounded.
        exact, group_units = rows.mean_units, fits.rounded_units[rows.group]
        return cls(
            mean=exact,
            std_dev=np.where(repeated, _units(np.sqrt(variance * repeated)), NONE),
            low=np.minimum(_units(low), exact),
            high=np.maximum(_units(high), exact),
            own_weight=_units(weight),
            shrunk_mean=np.clip(
                _units(shrunk), np.minimum(exact, group_units), np.maximum(exact, group_units)
            ),
        )


def _own_weight(n: np.ndarray, between: np.ndarray, spread: _Spread | None) -> np.ndarray:
    """B = tau² / (tau² + sigma² / n): how much of each row's own mean survives shrinkage; 1
    when the row is alone in its group (it is its own group mean), and when there is neither
    noise nor difference (every mean already equals the group mean)."""
    if spread is None:
        return np.ones(len(n))
    denominator = between + spread.variance / n
    kept = np.isnan(between) | (denominator == 0)
    return np.where(kept, 1.0, between / np.where(kept, 1.0, denominator))


def _median_units(means: np.ndarray) -> int | None:
    """The median of the rounded means, rounded half up (as median_of_means)."""
    if not len(means):
        return None
    ordered = np.sort(means)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return int(ordered[middle])
    return (int(ordered[middle - 1]) + int(ordered[middle]) + 1) // 2


def _competition_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank and tie flag of each value: "1, 2, 2, 4" by rounded shrunk mean, best first."""
    ascending = np.sort(values)
    above = np.searchsorted(ascending, values, side="right")
    below_or_equal = np.searchsorted(ascending, values, side="left")
    return len(values) - above + 1, above - below_or_equal > 1


def _ranked(
    columns: ScoreColumns,
    rows: _Scored,
    fits: _GroupFits,
    estimates: _Estimates,
    median: int | None,
    min_visits: int,
) -> LeagueColumns:
    """Every row's figures, in rank order (key order within a tie), rows without visits last."""
    count = len(columns.keys)

    def placed(values: np.ndarray, nothing: object = NONE) -> np.ndarray:
        """The values of the rows with visits, in a column of every row."""
        column = np.full(count, nothing, dtype=values.dtype)
        column[rows.at] = values
        return column

    n = np.array(columns.n, dtype=np.int64)
    scored = n > 0
    mean = placed(estimates.mean)
    rank, tied = _competition_ranks(estimates.shrunk_mean)
    if median is None:  # no row has visits
        apart = np.zeros(0, dtype=bool)
    else:
        apart = ~((estimates.low <= median) & (median <= estimates.high))
    previous, target = _optional_units(columns.previous_means), _optional_units(columns.targets)
    # A row without visits still shows its group's mean, when the group has visits.
    group = [rows.groups.get(key, -1) for key in columns.groups]
    ranked = LeagueColumns(
        keys=list(columns.keys),
        groups=list(columns.groups),
        n=n,
        mean=mean,
        std_dev=placed(estimates.std_dev),
        interval_low=placed(estimates.low),
        interval_high=placed(estimates.high),
        interval_borrowed=n == 1,
        group_mean=np.append(fits.rounded_units, NONE)[group],
        own_weight=placed(estimates.own_weight),
        shrunk_mean=placed(estimates.shrunk_mean),
        rank=placed(rank, 0),
        rank_tied=placed(tied, False),
        previous_mean=previous,
        change=np.where(scored & (previous != NONE), mean - previous, NONE),
        target=target,
        target_met=scored & (target != NONE) & (mean >= target),
        too_few_visits=~scored | (n < min_visits),
        distinguishable_from_median=placed(apart, False),
    )
    order = np.argsort(np.where(scored, ranked.rank, count + 1), kind="stable")
    return LeagueColumns(
        [ranked.keys[i] for i in order.tolist()],
        [ranked.groups[i] for i in order.tolist()],
        *(getattr(ranked, field.name)[order] for field in fields(LeagueColumns)[2:]),
    )


def _optional_units(values: Sequence[int | None]) -> np.ndarray:
    return np.array([NONE if value is None else value for value in values], dtype=np.int64)


# --- Student's t quantile ----------------------------------------------------------------------


def _invert_upper_tail(tail: float, df: int) -> float:
    """The t with P(T > t) = tail, by Newton's method on the exact upper tail.

    The tail is convex and decreasing for t >= 0, so after the first step every Newton step lands
    short of the root and moves toward it: steps are never negative unless float noise dominates,
    which is where to stop.
    """
    t = max(0.0, _cornish_fisher(1 - tail, df))
    for step_number in range(_MAX_NEWTON_STEPS):
        step = (_upper_tail(t, df) - tail) / _density(t, df)
        if abs(step) <= 1e-13 * max(1.0, t) or (step_number > 0 and step < 0):
            return t
        t = max(0.0, t + step)
    raise ArithmeticError(f"t quantile did not converge for tail={tail}, df={df}")


def _density(t: float, df: int) -> float:
    """Student's t probability density."""
    log_density = (
        math.lgamma((df + 1) / 2)
        - math.lgamma(df / 2)
        - 0.5 * math.log(df * math.pi)
        - (df + 1) / 2 * math.log1p(t * t / df)
    )
    return math.exp(log_density)


def _upper_tail(t: float, df: int) -> float:
    """P(T > t) for t >= 0: half the regularized incomplete beta I_x(df/2, 1/2)."""
    # 1 - x computed on its own keeps its digits when t is small and x is nearly 1.
    return 0.5 * _regularized_beta(df / 2, 0.5, df / (df + t * t), t * t / (df + t * t))


def _regularized_beta(a: float, b: float, x: float, y: float) -> float:
    """I_x(a, b) for y = 1 - x, by its continued fraction (Numerical Recipes, section 6.4)."""
    if x <= 0:
        return 0.0
    if y <= 0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(y)
    )
    front = math.exp(log_front)
    # The fraction converges fast only on its own side of the mean; use symmetry otherwise.
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1.0 - front * _beta_fraction(b, a, y) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The incomplete beta's continued fraction, by the modified Lentz method."""
    c = 1.0
    d = _nonzero(1.0 - (a + b) * x / (a + 1))
    d = 1.0 / d
    result = d
    for m in range(1, _MAX_TERMS + 1):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1.0 / _nonzero(1.0 + even * d)
        c = _nonzero(1.0 + even / c)
        result *= d * c
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        d = 1.0 / _nonzero(1.0 + odd * d)
        c = _nonzero(1.0 + odd / c)
        step = d * c
        result *= step
        if abs(step - 1.0) < 1e-15:
            return result
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


def _nonzero(value: float) -> float:
    return value if abs(value) >= _FLOAT_TINY else _FLOAT_TINY


def _cornish_fisher(p: float, df: int) -> float:
    """t quantile from the normal one, expanded in 1/df (Abramowitz and Stegun 26.7.5)."""
    z = NormalDist().inv_cdf(p)
    z2 = z * z
    g1 = z * (z2 + 1) / 4
    g2 = z * ((5 * z2 + 16) * z2 + 3) / 96
    g3 = z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384
    g4 = z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / 92160
    return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
