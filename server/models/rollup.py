"""Score sums per branch and form version: what the league table, heat map and trends add up,
kept in step with the visits.

A row holds, for one branch, one form version and one month (of `started_at` in UTC), the
approved, not deleted visits with a score: how many, the sum of their percents and the sum of
their squares; a section row holds how many of those visits the section applied to and the sum
of its percents. A league table then adds one or two rows per branch instead of joining every
visit's section scores. The same sums per quarter and per year (`PeriodScore`, the month rows
added up) spare a year's league table adding twelve months: 190,000 section rows for 2,000
branches where the year's own are 16,000.

Sums are whole numbers: a percent of 4 places counts as that many units of 1/10,000 of a point
(97.5416 % is 975416), its square as units of 1/10^8. They are exact on every database (SQLite
too, whose decimals are floats), and integers add up several times faster than decimals in
PostgreSQL, which is most of the league table's time in the database.

The rows are derived data, refreshed like a database trigger, whatever code changes a visit:

- before a flush, the month and branch a changed or deleted visit is leaving are noted (read
  from the database, which still holds them);
- after the flush, the visit itself (new, changed, or with section scores added, changed or
  removed) is noted;
- before a commit, and before the comparison reads the sums (`settle`), every noted cell
  (branch, month) is recomputed from the visits: deleted and inserted again; then its quarter
  and its year, from the months.

A cell is recomputed, never adjusted by a difference, so the rows always equal a fresh
computation over the stored visits. Changes made with bulk UPDATE or INSERT statements are not
seen; none of those touches what the sums count except the section rows written with a new
(submitted, so uncounted) visit. `rebuild` recomputes everything (after loading data by COPY;
`flask rebuild-rollup`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from itertools import chain
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    String,
    cast,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from audit_forms.decimals import UNITS
from reports.data import Period, PeriodKind
from server.extensions import db
from server.models.visit import Visit, VisitSectionScore, VisitStatus

# What a visit's rows depend on: a change to any of these moves or changes its sums.
_COUNTED_BY = (
    "status",
    "deleted_at",
    "score_percent",
    "started_at",
    "branch_id",
    "form_version_id",
)
_CELLS = "monthly_scores.cells"  # session.info: cells (branch_id, month) to recompute
_VISITS = "monthly_scores.visits"  # session.info: visit ids whose current cell to recompute


class MonthlyScore(db.Model):
    """Approved visits of a branch, form version and month: count, sum and sum of squares (in
    units: score_units / UNITS and square_units / UNITS² are in points)."""

    __tablename__ = "monthly_scores"
    __table_args__ = (Index("ix_monthly_scores_branch_id_month", "branch_id", "month"),)

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), primary_key=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"), primary_key=True)
    visits: Mapped[int]
    score_units: Mapped[int] = mapped_column(BigInteger)
    square_units: Mapped[int] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"<MonthlyScore {self.month:%Y-%m} branch {self.branch_id} n={self.visits}>"


class MonthlySectionScore(db.Model):
    """For the same visits: how many a section applied to, and the sum of its percents."""

    __tablename__ = "monthly_section_scores"
    __table_args__ = (Index("ix_monthly_section_scores_branch_id_month", "branch_id", "month"),)

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), primary_key=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"), primary_key=True)
    section_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    visits: Mapped[int]  # visits in which the section applied (its percent is not null)
    percent_units: Mapped[int] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return (
            f"<MonthlySectionScore {self.month:%Y-%m} branch {self.branch_id} "
            f"{self.section_key} n={self.visits}>"
        )


class PeriodScore(db.Model):
    """MonthlyScore's sums over a quarter or a year: the sums of its months."""

    __tablename__ = "period_scores"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # "quarter" or "year"
    start: Mapped[date] = mapped_column(Date, primary_key=True)  # its first month
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), primary_key=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"), primary_key=True)
    visits: Mapped[int]
    score_units: Mapped[int] = mapped_column(BigInteger)
    square_units: Mapped[int] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"<PeriodScore {self.kind} {self.start} branch {self.branch_id} n={self.visits}>"


class PeriodSectionScore(db.Model):
    """MonthlySectionScore's sums over a quarter or a year."""

    __tablename__ = "period_section_scores"

    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), primary_key=True)
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"), primary_key=True)
    section_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    visits: Mapped[int]
    percent_units: Mapped[int] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return (
            f"<PeriodSectionScore {self.kind} {self.start} branch {self.branch_id} "
            f"{self.section_key} n={self.visits}>"
        )


#: The periods summed beyond months.
SPANS = (PeriodKind.QUARTER, PeriodKind.YEAR)


def _spans(months: Iterable[date]) -> set[Period]:
    """The quarters and years that hold these months."""
    return {Period.containing(kind, month) for month in months for kind in SPANS}


def month_of(moment: datetime) -> date:
    """The month (its first day) a visit counts for: that of its start in UTC."""
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


# --- recomputing -------------------------------------------------------------------------------


def _counted() -> tuple[ColumnElement[bool], ...]:
    return (
        Visit.status == VisitStatus.APPROVED,
        Visit.deleted_at.is_(None),
        Visit.score_percent.is_not(None),
    )


def _month_column(session: Session) -> ColumnElement:
    """The month of a visit's start in SQL, as a date (PostgreSQL and SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc(literal_column("'month'"), Visit.started_at), Date)
    return func.date(Visit.started_at, "start of month")


def units(percent: ColumnElement) -> ColumnElement[int]:
    """A stored 4-place percent as whole units (exact: SQLite's float is within far less than
    half a unit of it)."""
    return cast(func.round(percent * UNITS), BigInteger)


def _fill(session: Session, month: ColumnElement, where: Iterable[ColumnElement[bool]]) -> None:
    """Insert the sums of the counted visits that match `where`, grouped by month."""
    where = (*_counted(), *where)
    score = units(Visit.score_percent)
    session.execute(
        insert(MonthlyScore).from_select(
            ["month", "branch_id", "form_version_id", "visits", "score_units", "square_units"],
            select(
                month,
                Visit.branch_id,
                Visit.form_version_id,
                func.count(),
                func.sum(score),
                func.sum(score * score),
            )
            .where(*where)
            .group_by(month, Visit.branch_id, Visit.form_version_id),
        )
    )
    percent = VisitSectionScore.percent
    session.execute(
        insert(MonthlySectionScore).from_select(
            ["month", "branch_id", "form_version_id", "section_key", "visits", "percent_units"],
            select(
                month,
                Visit.branch_id,
                Visit.form_version_id,
                VisitSectionScore.section_key,
                func.count(),
                func.sum(units(percent)),
            )
            .join(Visit, Visit.id == VisitSectionScore.visit_id)
            .where(*where, percent.is_not(None))
            .group_by(month, Visit.branch_id, Visit.form_version_id, VisitSectionScore.section_key),
        )
    )


def refresh(session: Session, cells: Iterable[tuple[int, date]]) -> None:
    """Recompute the given (branch_id, month) cells from the visits, then their quarters and
    years from the months."""
    by_month: dict[date, set[int]] = defaultdict(set)
    by_span: dict[Period, set[int]] = defaultdict(set)
    for branch_id, month in cells:
        by_month[month].add(branch_id)
        for span in _spans([month]):
            by_span[span].add(branch_id)
    for month, branch_ids in sorted(by_month.items()):
        for table in (MonthlyScore, MonthlySectionScore):
            session.execute(
                delete(table).where(table.month == month, table.branch_id.in_(branch_ids))
            )
        start = datetime(month.year, month.month, 1, tzinfo=UTC)
        end = datetime.combine(next_month(month), datetime.min.time(), tzinfo=UTC)
        _fill(
            session,
            literal(month, Date),
            (Visit.branch_id.in_(branch_ids), Visit.started_at >= start, Visit.started_at < end),
        )
    for span, branch_ids in sorted(by_span.items(), key=lambda item: (item[0].start, item[0].kind)):
        for span_table in (PeriodScore, PeriodSectionScore):
            session.execute(
                delete(span_table).where(
                    span_table.kind == span.kind.value,
                    span_table.start == span.start,
                    span_table.branch_id.in_(branch_ids),
                )
            )
        _fill_span(session, span, branch_ids)


def _fill_span(session: Session, span: Period, branch_ids: set[int] | None) -> None:
    """Insert the sums of a quarter or year from its months, of these branches (None: all)."""
    for month_table, span_table, keys, sums in (
        (MonthlyScore, PeriodScore, (), ("visits", "score_units", "square_units")),
        (MonthlySectionScore, PeriodSectionScore, ("section_key",), ("visits", "percent_units")),
    ):
        grouped = [
            month_table.branch_id,
            month_table.form_version_id,
            *(getattr(month_table, key) for key in keys),
        ]
        where = [month_table.month >= span.start, month_table.month <= span.end]
        if branch_ids is not None:
            where.append(month_table.branch_id.in_(branch_ids))
        session.execute(
            insert(span_table).from_select(
                ["kind", "start", "branch_id", "form_version_id", *keys, *sums],
                select(
                    literal(span.kind.value, String),
                    literal(span.start, Date),
                    *grouped,
                    *(func.sum(getattr(month_table, name)) for name in sums),
                )
                .where(*where)
                .group_by(*grouped),
            )
        )


def rebuild(session: Session) -> None:
    """Recompute every row (after visits were loaded or changed by bulk statements)."""
    session.flush()
    for table in (PeriodSectionScore, PeriodScore, MonthlySectionScore, MonthlyScore):
        session.execute(delete(table))
    _fill(session, _month_column(session), ())
    months = session.scalars(select(MonthlyScore.month).distinct()).all()
    for span in _spans(months):
        _fill_span(session, span, None)
    _pending(session, _CELLS).clear()
    _pending(session, _VISITS).clear()


def settle(session: Session) -> None:
    """Recompute the cells noted since the last time: before reading the sums."""
    session.flush()
    cells, visit_ids = _pending(session, _CELLS), _pending(session, _VISITS)
    if visit_ids:
        # Only where they count now: a cell a visit left was noted before the flush.
        rows = session.execute(
            select(Visit.branch_id, Visit.started_at).where(Visit.id.in_(visit_ids), *_counted())
        )
        cells.update((branch_id, month_of(started)) for branch_id, started in rows)
    if cells:
        refresh(session, cells)
    cells.clear()
    visit_ids.clear()


# --- noting what changed -----------------------------------------------------------------------


def _pending(session: Session, key: str) -> set[Any]:
    return session.info.setdefault(key, set())


def _counts_changed(visit: Visit) -> bool:
    state = inspect(visit)
    return any(state.attrs[name].history.has_changes() for name in _COUNTED_BY)


@event.listens_for(Session, "before_flush")
def _note_cells_left(session: Session, flush_context, instances) -> None:
    """The cells changed or deleted visits are in now, read from the database before the flush
    writes their new branch or start."""
    leaving = [
        visit.id
        for visit in chain(session.dirty, session.deleted)
        if isinstance(visit, Visit)
        and visit.id is not None
        and (visit in session.deleted or _counts_changed(visit))
    ]
    if not leaving:
        return
    rows = session.connection().execute(
        select(Visit.branch_id, Visit.started_at).where(Visit.id.in_(leaving))
    )
    _pending(session, _CELLS).update((branch_id, month_of(started)) for branch_id, started in rows)


@event.listens_for(Session, "after_flush")
def _note_visits_changed(session: Session, flush_context) -> None:
    """Visits whose sums may have changed; their cells are read when the sums are settled."""
    visit_ids = None
    for instance in chain(session.new, session.dirty, session.deleted):
        if isinstance(instance, Visit):
            if instance in session.new:  # a new visit counts only if it arrives approved
                changed = instance.status == VisitStatus.APPROVED
            else:
                changed = _counts_changed(instance)
            visit_id = instance.id if changed and instance not in session.deleted else None
        elif isinstance(instance, VisitSectionScore):
            visit_id = inspect(instance).dict.get("visit_id")  # never a load mid-flush
        else:
            continue
        if visit_id is not None:
            if visit_ids is None:
                visit_ids = _pending(session, _VISITS)
            visit_ids.add(visit_id)


@event.listens_for(Session, "before_commit")
def _settle_before_commit(session: Session) -> None:
    settle(session)
