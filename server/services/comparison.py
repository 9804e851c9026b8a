"""HQ comparison: league table, trends, section heat map and weakest questions.

Only approved, not deleted visits with a score count. A visit belongs to the period that holds
its `started_at` in UTC (a visit at 00:30 on 1 November in Warsaw is 23:30 on 31 October UTC and
counts for October). The league table, heat map and trends add up the monthly sums per branch
(server/models/rollup.py: at most 24 rows per branch for a year and the one before), the
weakest questions group the stored per-answer scores; each is one SQL GROUP BY, and Python then
handles one row per branch or area (and one per month or question), never one per visit.

Scope: rows are the branches (or areas) the caller may see, by `server.scope`. An `area` outside
the caller's scope is NotFound, exactly like a missing one. docs/comparison.md is the analysts'
description of every number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cached_property, lru_cache, partial
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Compiled,
    Dialect,
    Float,
    Numeric,
    Row,
    Select,
    Subquery,
    case,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.orm import aliased, defer

from audit_forms import Form, Question, Section
from audit_forms.decimals import QUANTUM, UNITS, quantize
from reports.data import Measure, Period, PeriodKind
from server.extensions import db
from server.models import (
    Area,
    Branch,
    FormVersion,
    MonthlyScore,
    MonthlySectionScore,
    PeriodScore,
    PeriodSectionScore,
    User,
    Visit,
    VisitAnswer,
    rollup,
)
from server.models.rollup import units
from server.models.visit import VisitStatus
from server.scope import area_filter, branch_filter
from server.services import forms
from server.services.errors import InvalidInput, NotFound
from server.services.statistics import (
    NONE,
    LeagueColumns,
    LeagueStats,
    ScoreColumns,
    decimals,
    league,
    rounded_quotient,
)

DEFAULT_FORM = "branch-visit"
DEFAULT_MIN_VISITS = 3
CONFIDENCE = 0.95
RANKING_METHOD = "empirical_bayes_shrinkage"
APPLICABLE = ("passed", "partial", "failed")
MAX_TREND_MONTHS = 120

# Sums come back as exact numerics from PostgreSQL and as floats from SQLite; this type keeps
# SQLAlchemy from rounding SQLite's floats to the 4 places of the score columns.
_SUM = Numeric(38, 10)


class Level(StrEnum):
    BRANCH = "branch"
    AREA = "area"


class Granularity(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


# --- what the functions return -----------------------------------------------------------------
# What a table holds once per row (Ref, Subject, ComparisonRow) is a NamedTuple: immutable like a
# frozen dataclass, and made several times faster (a league table has 2,000 rows).


class Ref(NamedTuple):
    id: int
    code: str
    name: str


class Subject(NamedTuple):
    """A row of a table: a branch (with its area and target) or an area."""

    id: int
    code: str
    name: str
    area: Ref | None  # the branch's area; None for area rows
    target_units: int | None  # the branch's target in 1/10,000 of a point (statistics.to_units)
    active: bool


@dataclass(frozen=True)
class SectionRef:
    key: str
    title: str


@dataclass(frozen=True)
class FormRef:
    key: str
    title: str


class SectionMean(NamedTuple):
    mean: Decimal | None
    count: int  # visits in which the section applied


class ComparisonRow(NamedTuple):
    subject: Subject
    stats: LeagueStats
    section_means: tuple[Decimal | None, ...]  # aligned with Comparison.sections
    section_counts: tuple[int, ...]  # visits in which each section applied


@dataclass(frozen=True)
class Ranking:
    """How the rows were ranked, for the response and the exports."""

    min_visits: int
    shrunk_toward: str  # "area" (branch rows) or "parent" (area rows)
    method: str = RANKING_METHOD
    ranked_by: str = "shrunk_mean"
    confidence: float = CONFIDENCE


@dataclass(frozen=True, eq=False)
class Comparison:
    """A league table. Its rows are held as columns (`subjects`, `stats`, the section arrays),
    in rank order, rows without visits last: the JSON is written a column at a time. `rows`
    gives them one object per row, their numbers as Decimals, for the exports."""

    period: Period
    previous_period: Period
    level: Level
    area: Ref | None
    scope: str | None  # what the rows cover, by name; None for the whole network
    form: FormRef
    language: str
    sections: tuple[SectionRef, ...]
    ranking: Ranking
    median: Decimal | None
    subjects: tuple[Subject, ...]
    stats: LeagueColumns
    section_means: np.ndarray  # rows x sections, in units; statistics.NONE where none
    section_counts: np.ndarray  # rows x sections: visits in which each section applied

    @cached_property
    def rows(self) -> tuple[ComparisonRow, ...]:
        means = _decimal_rows(self.section_means)
        counts = [tuple(row) for row in self.section_counts.tolist()]
        return tuple(map(ComparisonRow, self.subjects, self.stats.rows(), means, counts))


@dataclass(frozen=True)
class HeatmapRow:
    subject: Subject
    visits: int
    mean: Decimal | None
    cells: tuple[SectionMean, ...]  # aligned with Heatmap.sections


@dataclass(frozen=True)
class HeatmapSection:
    key: str
    title: str
    mean: Decimal | None  # over every row's visits
    count: int


@dataclass(frozen=True)
class Heatmap:
    period: Period
    level: Level
    area: Ref | None
    form: FormRef
    language: str
    sections: tuple[HeatmapSection, ...]
    rows: tuple[HeatmapRow, ...]  # best mean first, rows without visits last


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    visits: int
    mean: Decimal | None
    sections: tuple[SectionMean, ...]  # aligned with Trend.sections


@dataclass(frozen=True)
class Trend:
    subject_kind: str  # "branch" or "area"
    subject: Ref
    form: FormRef
    language: str
    granularity: Granularity
    sections: tuple[SectionRef, ...]
    points: tuple[TrendPoint, ...]  # oldest first, every period of the range


@dataclass(frozen=True)
class WeakQuestion:
    key: str
    section: SectionRef
    label: str
    type: str
    critical: bool
    measure: Measure
    value: Decimal  # percent: pass rate or mean share of points
    answers: int  # applicable answers counted
    previous: Decimal | None
    previous_answers: int

    @property
    def change(self) -> Decimal | None:
        return None if self.previous is None else self.value - self.previous


@dataclass(frozen=True)
class WeakestQuestions:
    period: Period
    previous_period: Period
    area: Ref | None
    form: FormRef
    language: str
    questions: tuple[WeakQuestion, ...]  # worst first


# --- periods -----------------------------------------------------------------------------------


def bounds(period: Period) -> tuple[datetime, datetime]:
    """[start, end) of the period in UTC."""
    start = datetime(period.start.year, period.start.month, 1, tzinfo=UTC)
    end = period.end + timedelta(days=1)
    return start, datetime(end.year, end.month, end.day, tzinfo=UTC)


def months_between(first: date, last: date, granularity: Granularity) -> list[Period]:
    """Every month (or quarter) from the one holding `first` to the one holding `last`."""
    kind = PeriodKind.MONTH if granularity is Granularity.MONTH else PeriodKind.QUARTER
    step = 1 if kind is PeriodKind.MONTH else 3
    month = first.month if step == 1 else first.month - (first.month - 1) % 3
    periods = [Period.starting(kind, date(first.year, month, 1))]
    while periods[-1].end < last:
        periods.append(Period.starting(kind, periods[-1].end + timedelta(days=1)))
    if len(periods) * step > MAX_TREND_MONTHS:
        raise InvalidInput(
            f"A trend covers at most {MAX_TREND_MONTHS} months.",
            {"to": [f"At most {MAX_TREND_MONTHS} months after from."]},
        )
    return periods


# --- forms -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FormVersions:
    """Every stored version of one form: scores of all versions count together."""

    key: str
    ids: tuple[int, ...]
    by_id: Mapping[int, Form]
    newest: Form

    def title(self, lang: str) -> str:
        return self.newest.text(self.newest.title, lang)

    def sections(self, lang: str) -> tuple[SectionRef, ...]:
        """The newest version's sections in order, then sections only older versions have."""
        found: dict[str, SectionRef] = {}
        for form in self._newest_first():
            for section in form.sections:
                found.setdefault(
                    section.key, SectionRef(section.key, form.text(section.title, lang))
                )
        return tuple(found.values())

    def question(self, key: str) -> tuple[Form, Section, Question] | None:
        """The question as the newest version that has it defines it."""
        for form in self._newest_first():
            for section, question in form.iter_questions():
                if question.key == key:
                    return form, section, question
        return None

    def _newest_first(self) -> list[Form]:
        return sorted(self.by_id.values(), key=lambda form: form.version, reverse=True)


def _form_versions(key: str) -> _FormVersions:
    # The definition (a large JSON) loads only for a version not parsed yet in this process.
    stored = db.session.scalars(
        select(FormVersion)
        .options(defer(FormVersion.definition))
        .where(FormVersion.key == key)
        .order_by(FormVersion.version)
    ).all()
    if not stored:
        raise InvalidInput(f"No form {key!r}.", {"form": [f"No form {key!r}."]})
    by_id = {version.id: forms.form_of(version) for version in stored}
    return _FormVersions(key, tuple(by_id), by_id, by_id[stored[-1].id])


def _language(user: User, versions: _FormVersions, lang: str | None) -> str:
    return versions.newest.resolve_language(lang or user.locale)


# --- scope: which rows, and which branches feed each row ---------------------------------------


def scoped_area(user: User, area_id: int | None) -> Area | None:
    """The area asked for, or NotFound when it does not exist or lies outside the scope."""
    if area_id is None:
        return None
    area = db.session.scalar(select(Area).where(Area.id == area_id, area_filter(user)))
    if area is None:
        raise NotFound(f"Area {area_id} not found.")
    return area


def _ref(area: Area | None) -> Ref | None:
    return None if area is None else Ref(area.id, area.code, area.name)


def _in_subtree(area: Area | None) -> ColumnElement[bool]:
    """Branches in the area's subtree (every branch when no area is given)."""
    if area is None:
        return Branch.id.is_not(None)
    return Branch.area_id.in_(select(Area.id).where(Area.path.startswith(area.path)))


@dataclass(frozen=True)
class _Branches:
    """Which branches' visits count: every branch, one, or those a query selects."""

    query: Select | None = None
    branch_id: int | None = None

    def where(self, column: ColumnElement[int]) -> tuple[ColumnElement[bool], ...]:
        """Conditions on a branch id column (of visits or of monthly sums)."""
        if self.branch_id is not None:
            return (column == self.branch_id,)
        return () if self.query is None else (column.in_(self.query),)


def _visible(user: User, area: Area | None) -> _Branches:
    """The branches in the scope (and in the area's subtree)."""
    if user.sees_whole_network and area is None:
        return _Branches()  # every branch: no filter for the database to apply
    return _Branches(select(Branch.id).where(branch_filter(user), _in_subtree(area)))


def _branch_subjects(user: User, area: Area | None) -> Select:
    """The branches in the scope with their areas, for `_branch_subjects_of`: plain columns,
    not ORM objects (2,000 branches load in a few milliseconds this way)."""
    return (
        select(
            Branch.id,
            Branch.code,
            Branch.name,
            units(Branch.target_score),
            Branch.active,
            Area.id,
            Area.code,
            Area.name,
        )
        .join(Area, Area.id == Branch.area_id)
        .where(branch_filter(user), _in_subtree(area))
        .order_by(Branch.code)
    )


def _branch_subjects_of(rows: Iterable[Sequence[Any]]) -> list[Subject]:
    areas: dict[int, Ref] = {}  # one Ref per area, shared by its branches
    subjects = []
    for id_, code, name, target, active, area_id, area_code, area_name in rows:
        area = areas.get(area_id)
        if area is None:
            area = areas[area_id] = Ref(area_id, area_code, area_name)
        subjects.append(Subject(id_, code, name, area, target, active))
    return subjects


def _area_subjects(user: User, area: Area | None) -> list[Subject]:
    """The child areas of `area` (of the network when None) that lie wholly in the scope.

    A scoped user's "network" is their scope: without an area, their rows are the areas given
    to them. An area only partly in the scope is never a row, so no row's mean mixes in or
    leaves out branches silently.
    """
    if user.sees_whole_network:
        parent = Area.parent_id == area.id if area is not None else Area.parent_id.is_(None)
        candidates = db.session.scalars(select(Area).where(parent).order_by(Area.code)).all()
    else:
        granted = sorted(user.areas, key=lambda granted: granted.path)
        if area is not None:
            candidates = db.session.scalars(
                select(Area).where(Area.parent_id == area.id).order_by(Area.code)
            ).all()
            candidates = [c for c in candidates if any(c.path.startswith(g.path) for g in granted)]
        else:  # the topmost granted areas
            candidates = [
                g
                for g in granted
                if not any(g is not o and g.path.startswith(o.path) for o in granted)
            ]
            candidates.sort(key=lambda candidate: candidate.code)
    return [Subject(a.id, a.code, a.name, None, None, a.active) for a in candidates]


@dataclass(frozen=True)
class _Rows:
    """Which branches' sums feed which row: the branch itself, or the area rows it belongs to."""

    branches: _Branches = _Branches()  # branch rows
    members: Subquery | None = None  # (branch_id, row_id) to join, for area rows

    def select(self, table: type[_ScoreTable | _SectionTable_], *columns: Any) -> Select:
        """Columns of `table` (aggregates) per row: `row_id, *columns`, grouped by row."""
        if self.members is None:
            return (
                select(table.branch_id, *columns)
                .where(*self.branches.where(table.branch_id))
                .group_by(table.branch_id)
            )
        row_id = self.members.c.row_id
        return (
            select(row_id, *columns)
            .join_from(table, self.members, self.members.c.branch_id == table.branch_id)
            .group_by(row_id)
        )


def _rows(user: User, area: Area | None, level: Level, subjects: Sequence[Subject]) -> _Rows:
    if level is Level.BRANCH:
        return _Rows(_visible(user, area))
    branch_area, row_area = aliased(Area), aliased(Area)
    members = (
        select(Branch.id.label("branch_id"), row_area.id.label("row_id"))
        .join(branch_area, branch_area.id == Branch.area_id)
        .join(row_area, branch_area.path.startswith(row_area.path))
        .where(row_area.id.in_([subject.id for subject in subjects]), branch_filter(user))
        .subquery("members")
    )
    return _Rows(members=members)


def _scope_label(user: User, area: Area | None) -> str | None:
    if area is not None:
        return area.name
    if user.sees_whole_network:
        return None
    names = sorted(granted.name for granted in user.areas)
    return ", ".join(names + sorted(branch.name for branch in user.branches))


# --- SQL aggregates ----------------------------------------------------------------------------


def _approved(versions: _FormVersions, start: datetime, end: datetime) -> tuple:
    """Conditions on Visit: the visits that count, in [start, end)."""
    return (
        Visit.status == VisitStatus.APPROVED,
        Visit.deleted_at.is_(None),
        Visit.score_percent.is_not(None),
        Visit.started_at >= start,
        Visit.started_at < end,
        Visit.form_version_id.in_(versions.ids),
    )


_ScoreTable = MonthlyScore | PeriodScore
_SectionTable_ = MonthlySectionScore | PeriodSectionScore


def _stored(period: Period) -> tuple[type[_ScoreTable], type[_SectionTable_]]:
    """The tables that hold a period's sums: a month's its own month's, a quarter's or year's its
    own too (rollup.PeriodScore), rather than three or twelve months added up."""
    if period.kind is PeriodKind.MONTH:
        return MonthlyScore, MonthlySectionScore
    return PeriodScore, PeriodSectionScore


def _in_period(
    table: type[_ScoreTable | _SectionTable_],
    versions: _FormVersions,
    period: Period,
    *,
    since: Period | None = None,
) -> tuple[ColumnElement[bool], ...]:
    """Conditions on a table of `_stored` sums: the form's versions, and the rows of the period
    (and of `since`, an earlier period of its kind, up to it)."""
    first = (since or period).start
    if table is PeriodScore or table is PeriodSectionScore:
        return (
            table.form_version_id.in_(versions.ids),
            table.kind == period.kind.value,
            table.start >= first,
            table.start <= period.start,
        )
    return _in_months(table, versions, first, _months(period)[1])


def _months(period: Period) -> tuple[date, date]:
    """[first, end) of the period as months: the keys of the monthly sums."""
    return period.start, period.end + timedelta(days=1)


def _in_months(
    table: type[MonthlyScore | MonthlySectionScore],
    versions: _FormVersions,
    first: date,
    end: date,
) -> tuple[ColumnElement[bool], ...]:
    """Conditions on a table of monthly sums: the form's versions, months in [first, end)."""
    return (table.form_version_id.in_(versions.ids), table.month >= first, table.month < end)


class _Sums(NamedTuple):
    """A row's visits and sums; totals in whole units of 1/10,000 of a point, exact."""

    n: int
    total: int
    total_squares: float  # in points², for float arithmetic only
    previous_n: int
    previous_total: int

    @property
    def previous_mean(self) -> int | None:
        """In units, rounded half up."""
        return rounded_quotient(self.previous_total, self.previous_n) if self.previous_n else None


def _fetch(statement: Select) -> Sequence[Row]:
    """The rows of a select of plain columns, read on the session's connection: without the
    ORM's work per row (a few milliseconds for 2,000 rows). Only after `rollup.settle`, which
    flushes the session as the ORM's autoflush would."""
    return db.session.connection().execute(statement).all()


def _decimal(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _score_sums(
    rows: _Rows, versions: _FormVersions, period: Period, previous: Period | None
) -> Select:
    """Per row: count, sum and sum of squares of visit scores in the period, and count and sum
    in the previous period; one GROUP BY over both periods' stored sums (`_sums_of`). Whole
    numbers and floats only: they load several times faster than decimals."""
    table = _stored(period)[0]
    return rows.select(table, *_score_sum_columns(table, period.start)).where(
        *_in_period(table, versions, period, since=previous)
    )


@lru_cache(maxsize=256)
def _score_sum_columns(table: type[_ScoreTable], first: date) -> tuple[ColumnElement, ...]:
    """The columns of `_score_sums` for a period from `first`: made once (SQLAlchemy builds
    expressions slowly, and they never change)."""
    current = (table.month if table is MonthlyScore else table.start) >= first
    visits, total = table.visits, table.score_units
    squares = cast(func.sum(table.square_units).filter(current), Float) / float(UNITS**2)
    return (
        func.sum(visits).filter(current),
        _whole_sum(total, current),
        squares,  # in points²
        func.sum(visits).filter(~current),
        _whole_sum(total, ~current),
    )


def _sums_of(result: Iterable[Sequence[Any]]) -> dict[int, _Sums]:
    return {
        row_id: _Sums(n or 0, total or 0, squares or 0.0, previous_n or 0, previous_total or 0)
        for row_id, n, total, squares, previous_n, previous_total in result
    }


def _whole_sum(column: ColumnElement, when: ColumnElement[bool] | None = None) -> ColumnElement:
    """The sum of a column of whole numbers, as a whole number (PostgreSQL's sum of bigints is
    a decimal)."""
    total = func.sum(column)
    return cast(total if when is None else total.filter(when), BigInteger)


def _rounded_quotient_in_sql(total: ColumnElement, n: ColumnElement) -> ColumnElement:
    """statistics.rounded_quotient by the database: whole numbers divide exactly, as whole
    numbers, on PostgreSQL and SQLite alike."""
    return (2 * total + n) // (2 * n)


class _SectionTable(NamedTuple):
    """The rows of `_section_means`: a row per branch (or area) id, a column per section."""

    rows: dict[int, int]  # id -> row
    means: np.ndarray  # in units; statistics.NONE where the section never applied
    counts: np.ndarray

    @classmethod
    def of(cls, result: Sequence[Sequence[Any]], sections: int) -> _SectionTable:
        # Through floats, which take None (as NaN): the database's whole numbers fit them exactly.
        values = np.array(result, dtype=float).reshape(-1, 1 + 2 * sections)
        means = values[:, 1::2]
        known = ~np.isnan(means)
        units = np.full(means.shape, NONE, dtype=np.int64)
        units[known] = means[known]
        rows = {id_: row for row, id_ in enumerate(values[:, 0].astype(np.int64).tolist())}
        return cls(rows, units, values[:, 2::2].astype(np.int64))

    def aligned(self, ids: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """Means and counts of these ids, in their order: NONE and 0 for an id without visits."""
        rows = np.array([self.rows.get(id_, -1) for id_ in ids], dtype=np.intp)
        # Row -1 is the one appended: no means, no counts.
        means = np.vstack([self.means, np.full((1, self.means.shape[1]), NONE)])
        counts = np.vstack([self.counts, np.zeros((1, self.counts.shape[1]), dtype=np.int64)])
        return means[rows], counts[rows]


def _decimal_rows(units: np.ndarray) -> list[tuple[Decimal | None, ...]]:
    """A table of units, a tuple of Decimals (None for NONE) per row."""
    width = units.shape[1]
    values = decimals(units.reshape(-1))
    return [tuple(values[start : start + width]) for start in range(0, len(values), width)]


def _section_means(
    rows: _Rows, versions: _FormVersions, period: Period, sections: Sequence[SectionRef]
) -> Select:
    """Per row: mean and count of each section's percents over the period's visits.

    One result row per branch (or area), a pair of columns per section: the database does the
    work, and Python reads 2,000 rows rather than 2,000 x sections (`_SectionTable`).
    """
    table = _stored(period)[1]
    columns = _section_mean_columns(table, tuple(section.key for section in sections))
    return rows.select(table, *columns).where(*_in_period(table, versions, period))


@lru_cache(maxsize=256)
def _section_mean_columns(
    table: type[_SectionTable_], keys: tuple[str, ...]
) -> tuple[ColumnElement, ...]:
    """The columns of `_section_means` for these sections, made once: building them took a
    millisecond or two a request."""
    columns = []
    for key in keys:
        # FILTER rather than CASE: a quarter less of the database's time for the pivot.
        chosen = table.section_key == key
        n = func.sum(table.visits).filter(chosen)
        columns.append(_rounded_quotient_in_sql(_whole_sum(table.percent_units, chosen), n))
        columns.append(func.coalesce(n, 0))
    return tuple(columns)


# What `_Pipeline.send` returns: called, it gives the query's rows.
_Collector = Callable[[], Sequence[Sequence[Any]]]


class _Pipeline:
    """Queries sent ahead, whose rows are collected later (`send` returns what collects them),
    so that on PostgreSQL the database computes them, on the other core, while Python goes on
    with its own work: psycopg's pipeline mode sends them at once on the session's connection
    (and so in its transaction), and collecting one collects every query sent before it.
    Elsewhere a query runs when collected. Nothing else may use the session meanwhile."""

    def __init__(self, stack: ExitStack) -> None:
        self._connection = db.session.connection()
        self._driver = self._pipeline = None
        if self._connection.dialect.name == "postgresql":
            self._driver = self._connection.connection.driver_connection
            self._pipeline = stack.enter_context(self._driver.pipeline())
        self._stack = stack

    def sync(self) -> None:
        """Wait for the results of the queries sent so far, without reading their rows yet:
        collecting them afterwards waits for nothing sent later."""
        if self._pipeline is not None:
            self._pipeline.sync()

    def send(self, statement: Select, *, binary: bool = False) -> _Collector:
        """binary: rows in PostgreSQL's binary format, which loads whole numbers and floats
        several times faster than text (and decimals slower)."""
        if self._driver is None:
            return partial(_fetch, statement)
        sql, parameters = _compiled(statement, self._connection.dialect)
        cursor = self._stack.enter_context(self._driver.cursor(binary=binary))
        cursor.execute(sql, parameters)
        return cursor.fetchall


_COMPILED: dict[Any, Compiled] = {}  # by the statement's cache key and dialect
_COMPILED_MAX = 256


def _compiled(statement: Select, dialect: Dialect) -> tuple[str, Mapping[str, Any]]:
    """The SQL and parameters of a statement, compiled once for every statement of its shape,
    as SQLAlchemy's own execute does (by the statement's cache key; its dogpile caching example
    uses the key the same way): compiling the section means anew took 2 ms a request."""
    key = statement._generate_cache_key()
    if key is None:  # a statement SQLAlchemy would not cache either
        compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        return compiled.string, compiled.params
    compiled = _COMPILED.get((dialect.name, key.key))
    if compiled is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        compiled = _COMPILED[dialect.name, key.key] = statement.compile(
            dialect=dialect, cache_key=key
        )
    expanded = compiled.construct_expanded_state(
        compiled.construct_params(extracted_parameters=key.bindparams)
    )
    return expanded.statement, expanded.parameters


@contextmanager
def _table(
    user: User,
    area: Area | None,
    level: Level,
    versions: _FormVersions,
    period: Period,
    previous: Period | None,
    sections: Sequence[SectionRef],
) -> Iterator[tuple[list[Subject], dict[int, _Sums], Callable[[], _SectionTable]]]:
    """The rows of a league table or heat map (those without visits too), their score sums
    (`_score_sums`), and their section means to collect later.

    On PostgreSQL the section means (the dearest query) are computed while the caller ranks the
    rows; they are sent once the rows and sums are read, which would otherwise wait for them
    too. (On a connection of their own from the start, they took as long: with two cores, the
    database's two queries and Python's work only took turns.) Nothing else may use the session
    until the block ends.
    """
    rollup.settle(db.session)
    if level is Level.BRANCH:
        selected, subjects = _Rows(_visible(user, area)), None
    else:
        subjects = _area_subjects(user, area)  # the areas' rows are the subjects' ids
        selected = _rows(user, area, level, subjects)
    with ExitStack() as stack:
        pipeline = _Pipeline(stack)
        branch_rows = pipeline.send(_branch_subjects(user, area)) if subjects is None else None
        sum_rows = pipeline.send(_score_sums(selected, versions, period, previous), binary=True)
        section_means = _section_means(selected, versions, period, sections)  # meanwhile
        pipeline.sync()
        section_rows = pipeline.send(section_means, binary=True)
        if branch_rows is not None:
            subjects = _branch_subjects_of(branch_rows())
        sums = _sums_of(sum_rows())
        yield subjects, sums, lambda: _SectionTable.of(section_rows(), len(sections))


def _shown(subject: Subject, sums: _Sums | None) -> bool:
    """Inactive branches and areas appear only in periods in which they have visits."""
    return subject.active or (sums is not None and sums.n > 0)


# --- the league table --------------------------------------------------------------------------


def compare(
    user: User,
    period: Period,
    *,
    area_id: int | None = None,
    form_key: str = DEFAULT_FORM,
    level: Level = Level.BRANCH,
    min_visits: int = DEFAULT_MIN_VISITS,
    lang: str | None = None,
) -> Comparison:
    """The league table of the branches (or child areas) in the caller's scope."""
    previous = period.previous()
    area = scoped_area(user, area_id)
    versions = _form_versions(form_key)
    language = _language(user, versions, lang)
    sections = versions.sections(language)
    with _table(user, area, level, versions, period, previous, sections) as (
        subjects,
        sums,
        section_columns,
    ):
        subjects = [subject for subject in subjects if _shown(subject, sums.get(subject.id))]
        table = league(_score_columns(subjects, sums), min_visits=min_visits, confidence=CONFIDENCE)
        section_table = section_columns()
    by_code = {subject.code: subject for subject in subjects}
    ranked = tuple(by_code[key] for key in table.columns.keys)
    section_means, section_counts = section_table.aligned(subject.id for subject in ranked)
    return Comparison(
        period=period,
        previous_period=previous,
        level=level,
        area=_ref(area),
        scope=_scope_label(user, area),
        form=FormRef(form_key, versions.title(language)),
        language=language,
        sections=sections,
        ranking=Ranking(min_visits, "area" if level is Level.BRANCH else "parent"),
        median=table.median,
        subjects=ranked,
        stats=table.columns,
        section_means=section_means,
        section_counts=section_counts,
    )


def _score_columns(subjects: Sequence[Subject], sums: Mapping[int, _Sums]) -> ScoreColumns:
    """The rows' sums as the statistics take them. Branch rows shrink toward their area; area
    rows toward their common parent."""
    nothing = _Sums(0, 0, 0.0, 0, 0)
    rows = [sums.get(subject.id, nothing) for subject in subjects]
    return ScoreColumns(
        [subject.code for subject in subjects],
        [subject.area.id if subject.area is not None else 0 for subject in subjects],
        [row.n for row in rows],
        [row.total for row in rows],
        [row.total_squares for row in rows],
        [row.previous_mean for row in rows],
        [subject.target_units for subject in subjects],
    )


# --- the heat map ------------------------------------------------------------------------------


def heatmap(
    user: User,
    period: Period,
    *,
    area_id: int | None = None,
    form_key: str = DEFAULT_FORM,
    level: Level = Level.BRANCH,
    lang: str | None = None,
) -> Heatmap:
    """Mean section scores per row (with the visits behind each), and per section overall."""
    area = scoped_area(user, area_id)
    versions = _form_versions(form_key)
    language = _language(user, versions, lang)
    sections = versions.sections(language)
    with _table(user, area, level, versions, period, None, sections) as (
        subjects,
        sums,
        section_columns,
    ):
        section_table = section_columns()
    subjects = [subject for subject in subjects if _shown(subject, sums.get(subject.id))]
    means, counts = section_table.aligned(subject.id for subject in subjects)
    rows = [
        HeatmapRow(
            subject,
            sums[subject.id].n if subject.id in sums else 0,
            _mean_of(sums.get(subject.id)),
            tuple(map(SectionMean, row_means, row_counts)),
        )
        for subject, row_means, row_counts in zip(
            subjects, _decimal_rows(means), counts.tolist(), strict=True
        )
    ]
    rows.sort(key=lambda row: (row.mean is None, -(row.mean or 0), row.subject.code))
    return Heatmap(
        period=period,
        level=level,
        area=_ref(area),
        form=FormRef(form_key, versions.title(language)),
        language=language,
        sections=_section_totals(sections, rows),
        rows=tuple(rows),
    )


def _mean_of(sums: _Sums | None) -> Decimal | None:
    return _mean(sums.total, sums.n) if sums is not None else None


def _section_totals(
    sections: Sequence[SectionRef], rows: Sequence[HeatmapRow]
) -> tuple[HeatmapSection, ...]:
    """Each section's mean over all visits of the rows: the rows' means weighted by counts.

    The row means are rounded to 4 places, so this can differ from an exact mean by far less
    than the 0.1 shown anywhere.
    """
    totals = []
    for index, section in enumerate(sections):
        cells = [row.cells[index] for row in rows if row.cells[index].mean is not None]
        count = sum(cell.count for cell in cells)
        weighted = sum((cell.mean * cell.count for cell in cells), Decimal(0))  # type: ignore[operator]
        mean = quantize(weighted / count) if count else None
        totals.append(HeatmapSection(section.key, section.title, mean, count))
    return tuple(totals)


# --- trends ------------------------------------------------------------------------------------


def trend(
    user: User,
    *,
    branch_id: int | None = None,
    area_id: int | None = None,
    first: date,
    last: date,
    granularity: Granularity = Granularity.MONTH,
    form_key: str = DEFAULT_FORM,
    lang: str | None = None,
) -> Trend:
    """Visits, mean score and section means per month (or quarter) for one branch or area."""
    if (branch_id is None) == (area_id is None):
        raise InvalidInput(
            "Give exactly one of branch and area.", {"branch": ["Exactly one of branch, area."]}
        )
    periods = months_between(first, last, granularity)
    versions = _form_versions(form_key)
    language = _language(user, versions, lang)
    sections = versions.sections(language)
    kind, subject, branches = _trend_subject(user, branch_id, area_id)
    rollup.settle(db.session)
    first, end = _months(periods[0])[0], _months(periods[-1])[1]
    in_range = (versions, first, end, branches)
    by_month = {
        _year_month(month): (n, total) for month, n, total in _monthly_sums(MonthlyScore, *in_range)
    }
    by_month_section: dict[tuple[int, int], dict[str, tuple[int, int]]] = defaultdict(dict)
    for month, key, n, total in _monthly_sums(MonthlySectionScore, *in_range):
        by_month_section[_year_month(month)][key] = (n, total)
    points = tuple(_trend_point(period, by_month, by_month_section, sections) for period in periods)
    return Trend(
        subject_kind=kind,
        subject=subject,
        form=FormRef(form_key, versions.title(language)),
        language=language,
        granularity=granularity,
        sections=sections,
        points=points,
    )


def _trend_subject(
    user: User, branch_id: int | None, area_id: int | None
) -> tuple[str, Ref, _Branches]:
    """ "branch" or "area", which one, and the branches whose visits count."""
    if branch_id is None:
        area = scoped_area(user, area_id)
        assert area is not None
        return "area", Ref(area.id, area.code, area.name), _visible(user, area)
    branch = db.session.execute(
        select(Branch.id, Branch.code, Branch.name).where(
            Branch.id == branch_id, branch_filter(user)
        )
    ).first()
    if branch is None:
        raise NotFound(f"Branch {branch_id} not found.")
    return "branch", Ref(*branch), _Branches(branch_id=branch_id)


def _monthly_sums(
    table: type[MonthlyScore | MonthlySectionScore],
    versions: _FormVersions,
    first: date,
    end: date,
    branches: _Branches,
) -> list[tuple[Any, ...]]:
    """Per month (and per section, for section sums): visits and the sum of their percents in
    whole units,
    `(month, [section_key,] n, total)`."""
    keys = (table.month,) if table is MonthlyScore else (table.month, table.section_key)
    total = table.score_units if table is MonthlyScore else table.percent_units
    rows = db.session.execute(
        select(*keys, func.sum(table.visits), _whole_sum(total))
        .where(*_in_months(table, versions, first, end), *branches.where(table.branch_id))
        .group_by(*keys)
    ).all()
    return [tuple(row) for row in rows]


def _year_month(month: date) -> tuple[int, int]:
    return month.year, month.month


def _months_of(period: Period) -> list[tuple[int, int]]:
    first = period.start.year * 12 + period.start.month - 1
    last = period.end.year * 12 + period.end.month - 1
    return [(index // 12, index % 12 + 1) for index in range(first, last + 1)]


def _trend_point(
    period: Period,
    by_month: Mapping[tuple[int, int], tuple[int, int]],
    by_month_section: Mapping[tuple[int, int], Mapping[str, tuple[int, int]]],
    sections: Sequence[SectionRef],
) -> TrendPoint:
    """A month, or a quarter folded from its months' counts and sums (exactly)."""
    months = _months_of(period)
    n = sum(by_month.get(month, (0, 0))[0] for month in months)
    total = sum(by_month.get(month, (0, 0))[1] for month in months)
    cells = []
    for section in sections:
        parts = [by_month_section.get(month, {}).get(section.key) for month in months]
        count = sum(part[0] for part in parts if part)
        section_total = sum(part[1] for part in parts if part)
        cells.append(SectionMean(_mean(section_total, count), count))
    return TrendPoint(period, n, _mean(total, n), tuple(cells))


def _mean(total_units: int, n: int) -> Decimal | None:
    """The mean of n percents summing to total_units, rounded half up to 4 places."""
    return QUANTUM * rounded_quotient(total_units, n) if n else None


# --- weakest questions -------------------------------------------------------------------------


@dataclass
class _QuestionSums:
    answers: int = 0
    passed: int = 0
    earned: Decimal = Decimal(0)
    possible: Decimal = Decimal(0)

    def add(self, answers: int, passed: int, earned: Any, possible: Any) -> None:
        self.answers += answers
        self.passed += passed
        self.earned += _decimal(earned)
        self.possible += _decimal(possible)

    def value(self, measure: Measure) -> Decimal | None:
        """Pass rate or mean share of points, as a percent; None without answers."""
        if not self.answers:
            return None
        if measure is Measure.PASS_RATE:
            return quantize(Decimal(self.passed) * 100 / self.answers)
        return quantize(self.earned * 100 / self.possible) if self.possible else None


def weakest_questions(
    user: User,
    period: Period,
    *,
    area_id: int | None = None,
    form_key: str = DEFAULT_FORM,
    limit: int = 20,
    lang: str | None = None,
) -> WeakestQuestions:
    """The scored questions with the lowest pass rate (yes/no) or mean share of points (others)
    over the caller's scope, worst first, with the previous period beside them."""
    previous = period.previous()
    area = scoped_area(user, area_id)
    versions = _form_versions(form_key)
    language = _language(user, versions, lang)
    current, before = _question_sums(user, area, versions, period, previous)
    questions = []
    for key, sums in current.items():
        question = _weak_question(key, versions, language, sums, before.get(key))
        if question is not None:
            questions.append(question)
    questions.sort(key=lambda question: (question.value, question.key))
    return WeakestQuestions(
        period=period,
        previous_period=previous,
        area=_ref(area),
        form=FormRef(form_key, versions.title(language)),
        language=language,
        questions=tuple(questions[:limit]),
    )


def _question_sums(
    user: User, area: Area | None, versions: _FormVersions, period: Period, previous: Period
) -> tuple[dict[str, _QuestionSums], dict[str, _QuestionSums]]:
    """Applicable answers, passes, points earned and possible per question in both periods.

    Grouped by form version in SQL (a question keeps its key across versions, while its type or
    points may change) and summed per question here: a few dozen rows per version.
    """
    start, end = bounds(period)
    first = bounds(previous)[0]
    current = Visit.started_at >= start
    passed = VisitAnswer.status == "passed"

    def in_period(when: ColumnElement[bool]):
        return (
            func.count(case((when, 1))),
            func.count(case((when & passed, 1))),
            type_coerce(func.sum(case((when, VisitAnswer.earned))), _SUM),
            type_coerce(func.sum(case((when, VisitAnswer.possible))), _SUM),
        )

    rows = db.session.execute(
        select(VisitAnswer.question_key, *in_period(current), *in_period(~current))
        .join(Visit, Visit.id == VisitAnswer.visit_id)
        .where(
            *_approved(versions, first, end),
            *_visible(user, area).where(Visit.branch_id),
            VisitAnswer.status.in_(APPLICABLE),
        )
        .group_by(Visit.form_version_id, VisitAnswer.question_key)
    ).all()
    now: dict[str, _QuestionSums] = defaultdict(_QuestionSums)
    then: dict[str, _QuestionSums] = defaultdict(_QuestionSums)
    for key, *numbers in rows:
        now[key].add(*numbers[:4])
        then[key].add(*numbers[4:])
    return {k: v for k, v in now.items() if v.answers}, {k: v for k, v in then.items() if v.answers}


def _weak_question(
    key: str,
    versions: _FormVersions,
    language: str,
    now: _QuestionSums,
    before: _QuestionSums | None,
) -> WeakQuestion | None:
    """The question worded as the newest version that has it, with its measure."""
    found = versions.question(key)
    if found is None:
        return None  # answers to a question no stored version defines: nothing to show
    form, section, question = found
    measure = Measure.PASS_RATE if question.type == "yes_no" else Measure.MEAN_SCORE
    value = now.value(measure)
    if value is None:
        return None
    return WeakQuestion(
        key=key,
        section=SectionRef(section.key, form.text(section.title, language)),
        label=form.text(question.label, language),
        type=question.type,
        critical=question.critical,
        measure=measure,
        value=value,
        answers=now.answers,
        previous=before.value(measure) if before else None,
        previous_answers=before.answers if before else 0,
    )
