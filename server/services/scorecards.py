"""Scorecards: gather what a PDF shows from the stored scores, render it once, serve it cached.

Only approved, not deleted visits count. A visit belongs to the period of its start (UTC).
Aggregates are SQL over the stored visit, section and answer scores; the only per-visit work
in Python is for the one branch's own visits (a handful a period).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from audit_forms import Form
from reports import data as report
from reports import render_branch_scorecard, render_visit_report, renderer_fingerprint
from server.extensions import db
from server.models import (
    Area,
    Branch,
    FormVersion,
    Photo,
    PhotoStatus,
    Visit,
    VisitAnswer,
    VisitSectionScore,
    VisitStatus,
)
from server.models.types import utcnow
from server.services import forms
from server.services.errors import InvalidInput
from server.services.files import get_storage
from server.storage import StorageObjectNotFound

DEFAULT_FORM = "branch-visit"
TREND_PERIODS = 12
FINDINGS = 8
PHOTOS_PER_FINDING = 3
COMMENTS_PER_FINDING = 5
SCALE = Decimal("0.0001")
APPLICABLE = ("passed", "failed", "partial")


def parse_period(key: str) -> report.Period:
    try:
        return report.Period.parse(key)
    except ValueError as error:
        raise InvalidInput(str(error), {"period": [str(error)]}) from error


def bounds(period: report.Period) -> tuple[datetime, datetime]:
    """[start, end) in UTC for SQL comparisons."""
    start = datetime(period.start.year, period.start.month, period.start.day, tzinfo=UTC)
    end = datetime(period.end.year, period.end.month, period.end.day, tzinfo=UTC)
    return start, end + timedelta(days=1)


def _pct(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(SCALE)


def _approved(form_key: str, period: report.Period, end: datetime | None = None):
    """The WHERE conditions of 'approved visits of this form in this period' (or from its
    start up to `end`)."""
    start, period_end = bounds(period)
    end = end or period_end
    return (
        Visit.status == VisitStatus.APPROVED,
        Visit.deleted_at.is_(None),
        Visit.started_at >= start,
        Visit.started_at < end,
        Visit.form_version_id.in_(select(FormVersion.id).where(FormVersion.key == form_key)),
    )


def _area_branch_ids(area: Area):
    return (
        select(Branch.id)
        .join(Area, Area.id == Branch.area_id)
        .where(Area.path.startswith(area.path))
    )


@dataclass
class PeriodFacts:
    """Per-branch sums of one period's approved visits: every average and rank a scorecard
    shows follows from these (visit-weighted, as SQL's AVG over visits would give).

    A batch shares one PeriodFacts across thousands of scorecards, so what is derived from all
    branches (the network's and an area's mean, section means and ranking) is computed once per
    set of branches and kept: a scorecard then costs the same whatever the network's size."""

    visits: dict[int, tuple[int, Decimal]]  # branch id -> (visits, sum of scores)
    sections: dict[int, dict[str, tuple[int, Decimal]]]  # branch id -> section -> (n, sum)
    _means: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _section_means: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    _ranked: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def load(cls, form_key: str, period: report.Period) -> PeriodFacts:
        visits = {
            branch_id: (int(n), Decimal(str(total)))
            for branch_id, n, total in db.session.execute(
                select(Visit.branch_id, func.count(Visit.id), func.sum(Visit.score_percent))
                .where(*_approved(form_key, period))
                .group_by(Visit.branch_id)
            )
        }
        sections: dict[int, dict[str, tuple[int, Decimal]]] = defaultdict(dict)
        for branch_id, key, n, total in db.session.execute(
            select(
                Visit.branch_id,
                VisitSectionScore.section_key,
                func.count(VisitSectionScore.percent),
                func.sum(VisitSectionScore.percent),
            )
            .join(Visit, Visit.id == VisitSectionScore.visit_id)
            .where(*_approved(form_key, period))
            .group_by(Visit.branch_id, VisitSectionScore.section_key)
        ):
            sections[branch_id][key] = (int(n), Decimal(str(total or 0)))
        return cls(visits, dict(sections))

    def mean(self, branch_ids=None) -> Decimal | None:
        key = None if branch_ids is None else frozenset(branch_ids)
        if key not in self._means:
            rows = [v for b, v in self.visits.items() if key is None or b in key]
            count = sum(n for n, _ in rows)
            total = sum(total for _, total in rows)
            self._means[key] = (total / count).quantize(SCALE) if count else None
        return self._means[key]

    def branch_mean(self, branch_id: int) -> Decimal | None:
        """mean({branch_id}) without keeping it: one branch's is asked for once per batch."""
        if branch_id not in self.visits:
            return None
        n, total = self.visits[branch_id]
        return (total / n).quantize(SCALE)

    def section_means(self, branch_ids) -> dict[str, Decimal | None]:
        key = frozenset(branch_ids)
        if key not in self._section_means:
            sums: dict[str, list] = defaultdict(lambda: [0, Decimal(0)])
            for branch_id in key:
                for section, (n, total) in self.sections.get(branch_id, {}).items():
                    sums[section][0] += n
                    sums[section][1] += total
            means = {
                section: (total / n).quantize(SCALE) if n else None
                for section, (n, total) in sums.items()
            }
            if len(key) == 1:
                return means
            self._section_means[key] = means
        return dict(self._section_means[key])

    def rank(self, branch_id: int, among=None) -> report.Rank | None:
        """Competition rank ("1, 2, 2, 4") by mean score among branches with visits."""
        if among is not None and branch_id not in among:
            return None
        mine = self.branch_mean(branch_id)
        if mine is None:
            return None
        key = None if among is None else frozenset(among)
        if key not in self._ranked:
            self._ranked[key] = sorted(
                self.branch_mean(b) for b in self.visits if key is None or b in key
            )
        ranked = self._ranked[key]
        better = len(ranked) - bisect_right(ranked, mine)
        return report.Rank(position=better + 1, of=len(ranked))


class Facts:
    """Where PeriodFacts come from: loaded per request, or kept for a whole batch run."""

    def __init__(self, form_key: str) -> None:
        self.form_key = form_key
        self._periods: dict[str, PeriodFacts] = {}
        self._areas: dict[int, frozenset[int]] = {}
        self._form: Form | None = None

    def period(self, period: report.Period) -> PeriodFacts:
        if period.key not in self._periods:
            self._periods[period.key] = PeriodFacts.load(self.form_key, period)
        return self._periods[period.key]

    def area_branches(self, area: Area) -> frozenset[int]:
        if area.id not in self._areas:
            self._areas[area.id] = frozenset(db.session.scalars(_area_branch_ids(area)))
        return self._areas[area.id]

    def form(self) -> Form:
        """The newest version of the form, looked up once per Facts (a batch's lifetime)."""
        if self._form is None:
            self._form = latest_form(self.form_key)
        return self._form


@dataclass(frozen=True)
class QuestionStats:
    applicable: int
    passed: int
    earned: Decimal
    possible: Decimal
    failed_visits: int

    def value(self, measure: report.Measure) -> Decimal | None:
        if self.applicable == 0:
            return None
        if measure is report.Measure.PASS_RATE:
            return (Decimal(self.passed) * 100 / self.applicable).quantize(SCALE)
        if not self.possible:
            return None
        return (self.earned * 100 / self.possible).quantize(SCALE)


def _question_stats(
    form_key, period, branch_id
) -> tuple[dict[str, QuestionStats], dict[str, QuestionStats]]:
    """Per question: the branch's stats for the period and for the one before, in one query
    (the previous period ends where this one starts)."""
    previous = period.previous()
    start, end = bounds(period)
    applicable = VisitAnswer.status.in_(APPLICABLE)
    current = (Visit.started_at >= start).label("current")
    rows = db.session.execute(
        select(
            current,
            VisitAnswer.question_key,
            func.sum(case((applicable, 1), else_=0)),
            func.sum(case((VisitAnswer.status == "passed", 1), else_=0)),
            func.sum(case((applicable, VisitAnswer.earned), else_=0)),
            func.sum(case((applicable, VisitAnswer.possible), else_=0)),
            func.sum(case((VisitAnswer.status.in_(("failed", "partial")), 1), else_=0)),
        )
        .join(Visit, Visit.id == VisitAnswer.visit_id)
        .where(*_approved(form_key, previous, end=end), Visit.branch_id == branch_id)
        .group_by(current, VisitAnswer.question_key)
    ).all()
    stats: tuple[dict[str, QuestionStats], dict[str, QuestionStats]] = ({}, {})
    for is_current, key, n, passed, earned, possible, failed in rows:
        stats[0 if is_current else 1][key] = QuestionStats(
            int(n or 0),
            int(passed or 0),
            Decimal(str(earned or 0)),
            Decimal(str(possible or 0)),
            int(failed or 0),
        )
    return stats


def _measure(question) -> report.Measure:
    return report.Measure.PASS_RATE if question.type == "yes_no" else report.Measure.MEAN_SCORE


def _local_date(moment: datetime, branch: Branch) -> date:
    return moment.astimezone(ZoneInfo(branch.timezone)).date()


def _thumbnails(photos: Sequence[Photo]) -> tuple[report.Photo, ...]:
    found = []
    storage = get_storage()
    for photo in photos[:PHOTOS_PER_FINDING]:
        try:
            with storage.open(photo.thumbnail_key) as stream:
                found.append(report.Photo(jpeg=stream.read()))
        except StorageObjectNotFound:
            continue  # purged evidence: the finding still stands without it
    return tuple(found)


def branch_info(branch: Branch) -> report.BranchInfo:
    address = ", ".join(part for part in (branch.address, branch.city) if part)
    return report.BranchInfo(
        code=branch.code, name=branch.name, address=address, area=branch.area.name
    )


def latest_form(form_key: str) -> Form:
    return forms.form_of(forms.get_form_version(form_key))


def gather_branch_scorecard(
    branch: Branch,
    period_key: str,
    lang: str | None = None,
    form_key: str = DEFAULT_FORM,
    today: date | None = None,
    facts: Facts | None = None,
) -> report.BranchScorecard:
    """The scorecard's data. `facts` may be shared by a batch of scorecards of one period."""
    period = parse_period(period_key)
    facts = facts or Facts(form_key)
    form = facts.form()
    lang = form.resolve_language(lang or branch.locale)
    area = facts.area_branches(branch.area)
    now = facts.period(period)
    own = db.session.scalars(
        select(Visit)
        .where(*_approved(form_key, period), Visit.branch_id == branch.id)
        .order_by(Visit.started_at)
    ).all()
    headline = report.Headline(
        score=now.branch_mean(branch.id),
        visits=len(own),
        target=_pct(branch.target_score),
        previous_score=facts.period(period.previous()).branch_mean(branch.id),
        area_average=now.mean(area),
        network_average=now.mean(),
        area_rank=now.rank(branch.id, area),
        network_rank=now.rank(branch.id),
    )
    card = report.BranchScorecard(
        locale=lang,
        branch=branch_info(branch),
        period=period,
        form_title=form.text(form.title, lang),
        generated_on=today or utcnow().date(),
        headline=headline,
        trend=_trend(facts, period, branch.id, area),
    )
    if not own:
        return card
    branch_sections = now.section_means({branch.id})
    area_sections = now.section_means(area)
    sections = tuple(
        report.SectionResult(
            title=form.text(section.title, lang),
            score=branch_sections.get(section.key),
            area_average=area_sections.get(section.key),
        )
        for section in form.sections
        if section.key in branch_sections
    )
    return dataclasses.replace(
        card,
        sections=sections,
        questions=_questions(form, lang, form_key, period, branch),
        findings=_findings(form, lang, own, branch),
        visits=_visit_rows(form, lang, own, branch),
    )


def _trend(facts: Facts, period, branch_id, area) -> tuple[report.TrendPoint, ...]:
    periods = [period]
    while len(periods) < TREND_PERIODS:
        periods.insert(0, periods[0].previous())
    return tuple(
        report.TrendPoint(
            period=p,
            score=facts.period(p).branch_mean(branch_id),
            area_average=facts.period(p).mean(area),
        )
        for p in periods
    )


def _questions(form, lang, form_key, period, branch) -> tuple[report.QuestionRow, ...]:
    now, before = _question_stats(form_key, period, branch.id)
    rows = []
    for section, question in form.iter_questions():
        if not question.scored or question.key not in now:
            continue
        measure = _measure(question)
        previous = before.get(question.key)
        rows.append(
            report.QuestionRow(
                section=form.text(section.title, lang),
                question=form.text(question.label, lang),
                measure=measure,
                value=now[question.key].value(measure),
                previous=previous.value(measure) if previous else None,
                answers=now[question.key].applicable,
                critical=question.critical,
            )
        )
    return tuple(rows)


def _findings(form, lang, own: Sequence[Visit], branch) -> tuple[report.Finding, ...]:
    visit_ids = [visit.id for visit in own]
    visit_dates = {visit.id: _local_date(visit.started_at, branch) for visit in own}
    answers = db.session.scalars(
        select(VisitAnswer).where(
            VisitAnswer.visit_id.in_(visit_ids), VisitAnswer.status.in_(APPLICABLE)
        )
    ).all()
    lost: dict[str, Decimal] = defaultdict(Decimal)
    applied: dict[str, int] = defaultdict(int)
    failed: dict[str, list[VisitAnswer]] = defaultdict(list)
    for answer in answers:
        applied[answer.question_key] += 1
        if answer.earned < answer.possible:
            lost[answer.question_key] += answer.possible - answer.earned
            failed[answer.question_key].append(answer)
    worst = sorted(lost, key=lambda key: -lost[key])[:FINDINGS]
    evidence = db.session.scalars(
        select(Photo)
        .where(
            Photo.visit_id.in_(visit_ids),
            Photo.question_key.in_(worst),
            Photo.status == PhotoStatus.COMPLETE,
        )
        .order_by(Photo.id)
    ).all()
    photos_by_question: dict[str, list[Photo]] = defaultdict(list)
    failed_visits = {(a.question_key, a.visit_id) for key in worst for a in failed[key]}
    for photo in evidence:
        if (photo.question_key, photo.visit_id) in failed_visits:
            photos_by_question[photo.question_key].append(photo)
    findings = []
    for key in worst:
        question = form.question(key)
        section = next(s for s, q in form.iter_questions() if q.key == key)
        comments = tuple(
            report.Comment(text=a.comment, visited_on=visit_dates[a.visit_id])
            for a in failed[key]
            if a.comment and a.comment.strip()
        )[:COMMENTS_PER_FINDING]
        findings.append(
            report.Finding(
                section=form.text(section.title, lang),
                question=form.text(question.label, lang),
                points_lost=lost[key],
                visits_lost=len(failed[key]),
                visits=applied[key],
                critical_failures=sum(
                    1 for a in failed[key] if question.critical and a.status == "failed"
                ),
                comments=comments,
                photos=_thumbnails(photos_by_question[key]),
            )
        )
    return tuple(findings)


def _visit_rows(form, lang, own: Sequence[Visit], branch) -> tuple[report.VisitRow, ...]:
    critical_keys = [q.key for q in form.questions if q.critical]
    failures = defaultdict(list)
    if critical_keys:
        for visit_id, key in db.session.execute(
            select(VisitAnswer.visit_id, VisitAnswer.question_key).where(
                VisitAnswer.visit_id.in_([v.id for v in own]),
                VisitAnswer.question_key.in_(critical_keys),
                VisitAnswer.status == "failed",
            )
        ):
            failures[visit_id].append(form.text(form.question(key).label, lang))
    return tuple(
        report.VisitRow(
            visited_on=_local_date(visit.started_at, branch),
            score=_pct(visit.score_percent),
            reference=f"#{visit.id}",
            critical_failures=tuple(failures[visit.id]),
        )
        for visit in own
    )


# Visit reports ---------------------------------------------------------------------------------


def gather_visit_report(
    visit: Visit, lang: str | None = None, *, with_auditor: bool, today: date | None = None
) -> report.VisitReport:
    form = forms.form_of(visit.form_version)
    branch = visit.branch
    lang = form.resolve_language(lang or branch.locale)
    photos_by_question: dict[str, list[Photo]] = defaultdict(list)
    for photo in visit.photos:
        if photo.status == PhotoStatus.COMPLETE and photo.question_key:
            photos_by_question[photo.question_key].append(photo)
    stored = {answer.question_key: answer for answer in visit.answers}
    rows, critical = [], []
    for section, question in form.iter_questions():
        answer = stored.get(question.key)
        if answer is None or answer.status == "unanswered":
            continue
        if question.critical and answer.status == "failed":
            critical.append(form.text(question.label, lang))
        rows.append(
            _answer_row(form, lang, section, question, answer, photos_by_question[question.key])
        )
    scores = {score.section_key: score for score in visit.section_scores}
    sections = tuple(
        report.VisitSectionScore(
            title=form.text(section.title, lang),
            score=_pct(scores[section.key].percent) if section.key in scores else None,
            earned=scores[section.key].earned if section.key in scores else None,
            possible=scores[section.key].possible if section.key in scores else None,
        )
        for section in form.sections
    )
    return report.VisitReport(
        locale=lang,
        branch=branch_info(branch),
        form_title=form.text(form.title, lang),
        form_version=form.version,
        reference=f"#{visit.id}",
        visited_at=visit.started_at.astimezone(ZoneInfo(branch.timezone)),
        status=report.VisitStatus(visit.status.value),
        score=_pct(visit.score_percent),
        generated_on=today or utcnow().date(),
        sections=sections,
        answers=tuple(rows),
        critical_failures=tuple(critical),
        auditor_name=visit.auditor.name if with_auditor else None,
    )


def _answer_row(form, lang, section, question, answer, photos) -> report.AnswerRow:
    settings = question.settings
    value = answer.value
    extra = {}
    if question.type == "scale":
        extra["scale_max"] = int(settings.max)
        labels = getattr(settings, "labels", None) or {}
        if isinstance(value, int) and value in labels:
            extra["value_label"] = form.text(labels[value], lang)
    elif question.type == "choice" and value not in (None, "na"):
        option = next((o for o in settings.options if o.key == value), None)
        if option is not None:
            extra["value_label"] = form.text(option.label, lang)
    elif question.type == "number" and getattr(settings, "unit", None):
        extra["unit"] = form.text(settings.unit, lang)
    if question.type == "yes_no" and value in ("yes", "no"):
        value = value == "yes"
    return report.AnswerRow(
        section=form.text(section.title, lang),
        question=form.text(question.label, lang),
        type=report.AnswerType(question.type),
        value=None if value == "na" else value,
        na=answer.status == "na",
        earned=answer.earned,
        possible=answer.possible,
        critical=question.critical,
        comment=answer.comment or "",
        photos=tuple(
            report.Photo(jpeg=_read(p.thumbnail_key)) for p in photos if _read(p.thumbnail_key)
        ),
        **extra,
    )


def _read(key: str | None) -> bytes:
    if not key:
        return b""
    try:
        with get_storage().open(key) as stream:
            return stream.read()
    except StorageObjectNotFound:
        return b""


# Rendering and the cache -----------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedPdf:
    key: str  # where it is stored
    etag: str  # the fingerprint of what it shows
    filename: str
    rendered: bool  # False: served from the cache


def fingerprint(data) -> str:
    """What the PDF shows (minus the date it was made) and the code that draws it: the same
    data and the same renderer give the same PDF."""
    stable = dataclasses.replace(data, generated_on=date.min)
    return hashlib.sha256((renderer_fingerprint() + repr(stable)).encode()).hexdigest()


def ensure_scorecard(
    branch: Branch,
    period_key: str,
    lang: str | None = None,
    form_key: str = DEFAULT_FORM,
    facts: Facts | None = None,
) -> RenderedPdf:
    """Render and store the scorecard unless an identical one is stored already."""
    data = gather_branch_scorecard(branch, period_key, lang, form_key, facts=facts)
    etag = fingerprint(data)
    key = (
        f"reports/scorecards/{branch.code}/{data.period.key}/"
        f"{form_key}-{data.locale}-{etag[:20]}.pdf"
    )
    filename = f"scorecard-{branch.code}-{data.period.key}-{data.locale}.pdf"
    storage = get_storage()
    if storage.exists(key):
        return RenderedPdf(key, etag, filename, rendered=False)
    pdf = render_branch_scorecard(data)
    storage.put(key, io.BytesIO(pdf), "application/pdf")
    return RenderedPdf(key, etag, filename, rendered=True)


def visit_report_pdf(
    visit: Visit, lang: str | None, *, with_auditor: bool
) -> tuple[bytes, str, str]:
    data = gather_visit_report(visit, lang, with_auditor=with_auditor)
    filename = f"visit-{visit.id}-{data.locale}.pdf"
    return render_visit_report(data), fingerprint(data), filename
