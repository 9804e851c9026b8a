"""What a report is made of: frozen dataclasses, filled by the server from aggregated rows.

Conventions for every class here:

- A percent is a `Decimal` in [0, 100], or None for "no data" (printed as an en dash). The
  library rounds it half-up to one decimal place for display only, as
  `audit_forms.display_percent` does.
- Texts (branch, form, section and question titles, option labels, units, comments) arrive
  already in the report's language and exactly as people wrote them: the library escapes them
  and prints them literally. It translates only its own labels.
- "Change" is never passed in: the library prints `value - previous` itself.
- Sequences are tuples and are printed in the order given.
- `locale` is a language code such as "pl" or "nb-NO"; en, cs, hu, lt, nb and pl are supported
  ("no" means nb), anything else is printed in English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

#: A percent in [0, 100], or None when there is no data.
Percent = Decimal | None


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_PERIOD_KEY = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$")
_MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}
# The calendar the platform reports on; a scorecard also looks 12 periods back, so a year near
# 1 or 9999 would leave the calendar.
YEARS = range(2000, 2100)


def _add_months(day: date, months: int) -> date:
    """The first of the month `months` after (or before) the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A calendar month, quarter or year; build it with `Period.parse("2026-10")`."""

    kind: PeriodKind
    start: date  # first day
    end: date  # last day, inclusive

    @classmethod
    def parse(cls, key: str) -> Period:
        """A period from its key: "2026-10" (month), "2026-Q4" (quarter) or "2026" (year)."""
        match = _PERIOD_KEY.match(key)
        if match is None:
            raise ValueError(f"not a period: {key!r} (expected 2026-10, 2026-Q4 or 2026)")
        year = int(match["year"])
        if year not in YEARS:
            raise ValueError(f"not a period: {key!r} (year outside {YEARS[0]}-{YEARS[-1]})")
        if match["month"]:
            month = int(match["month"])
            if not 1 <= month <= 12:
                raise ValueError(f"not a period: {key!r} (month out of range)")
            return cls.starting(PeriodKind.MONTH, date(year, month, 1))
        if match["quarter"]:
            return cls.starting(PeriodKind.QUARTER, date(year, 3 * int(match["quarter"]) - 2, 1))
        return cls.starting(PeriodKind.YEAR, date(year, 1, 1))

    @classmethod
    def starting(cls, kind: PeriodKind, start: date) -> Period:
        """The period of this kind that starts on `start` (a first of the month)."""
        return cls(kind, start, _add_months(start, _MONTHS[kind]) - timedelta(days=1))

    @classmethod
    def containing(cls, kind: PeriodKind, day: date) -> Period:
        """The period of this kind that holds `day`."""
        length = _MONTHS[kind]
        return cls.starting(kind, date(day.year, (day.month - 1) // length * length + 1, 1))

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return self.starting(self.kind, _add_months(self.start, -_MONTHS[self.kind]))


@dataclass(frozen=True)
class BranchInfo:
    code: str  # e.g. "PL-LDZ-004"
    name: str  # e.g. "Łódź Piotrkowska"
    address: str  # one line as it should be printed, e.g. "ul. Piotrkowska 104, 90-001 Łódź"
    area: str  # the area's name as printed, e.g. "Łódzkie / Łódź"


@dataclass(frozen=True)
class Photo:
    jpeg: bytes  # a small JPEG thumbnail (a few hundred pixels a side); not re-encoded
    caption: str = ""  # optional short text printed under it


# Branch scorecard --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rank:
    position: int  # 1 = best
    of: int  # how many branches were ranked


@dataclass(frozen=True)
class Headline:
    score: Percent  # mean score of the period's approved visits
    visits: int  # approved visits in the period; 0 gives the "no visits" scorecard
    target: Percent = None  # the branch's target score
    previous_score: Percent = None  # the same mean for the previous period
    area_average: Percent = None  # mean over the branch's area in the period
    network_average: Percent = None  # mean over every branch in the period
    area_rank: Rank | None = None  # rank within the area (None: not ranked)
    network_rank: Rank | None = None  # rank within the network (None: not ranked)


@dataclass(frozen=True)
class SectionResult:
    title: str  # section title
    score: Percent  # the branch's mean section score in the period
    area_average: Percent = None  # the area's mean for the same section, marked on the chart


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    score: Percent  # the branch's mean score; None leaves a gap in the line
    area_average: Percent = None  # drawn as a dashed second line when any point has one


class Measure(StrEnum):
    PASS_RATE = "pass_rate"  # share of answers that earned all points (yes/no questions)
    MEAN_SCORE = "mean_score"  # mean share of points earned (scale, choice, duration, number)


@dataclass(frozen=True)
class QuestionRow:
    section: str  # section title; consecutive rows with the same title form one group
    question: str  # question text
    measure: Measure
    value: Percent  # this period's pass rate or mean score
    previous: Percent = None  # the same measure for the previous period
    answers: int = 0  # answers counted (n.a. and unanswered left out)
    critical: bool = False  # a critical question: failing it sets a visit to 0 %


@dataclass(frozen=True)
class Comment:
    text: str  # the auditor's comment as written; never the auditor's name
    visited_on: date  # date of the visit it comes from


@dataclass(frozen=True)
class Finding:
    """A question that cost points in the period, with its evidence."""

    section: str  # section title
    question: str  # question text
    points_lost: Decimal  # points lost over the period's approved visits
    visits_lost: int  # visits in which it lost points
    visits: int  # visits in which it applied
    critical_failures: int = 0  # visits set to 0 % because this critical question failed
    comments: tuple[Comment, ...] = ()
    photos: tuple[Photo, ...] = ()  # printed as thumbnails beside the finding


@dataclass(frozen=True)
class VisitRow:
    visited_on: date
    score: Percent
    reference: str = ""  # e.g. the visit number, printed when any row has one
    critical_failures: tuple[str, ...] = ()  # texts of the critical questions it failed


@dataclass(frozen=True)
class BranchScorecard:
    locale: str  # language of the scorecard: the branch's locale
    branch: BranchInfo
    period: Period
    form_title: str  # the form the scores come from
    generated_on: date
    headline: Headline
    sections: tuple[SectionResult, ...] = ()
    trend: tuple[TrendPoint, ...] = ()  # oldest first, up to the period itself (12 is typical)
    questions: tuple[QuestionRow, ...] = ()
    findings: tuple[Finding, ...] = ()  # most costly first
    visits: tuple[VisitRow, ...] = ()  # the period's approved visits


# Visit report ------------------------------------------------------------------------------


class VisitStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"


class AnswerType(StrEnum):
    """The question types of audit_forms; the answer is printed according to its type."""

    YES_NO = "yes_no"
    SCALE = "scale"
    CHOICE = "choice"
    DURATION = "duration"
    NUMBER = "number"
    TEXT = "text"
    PHOTO = "photo"


#: An answer's value by type: yes_no bool, scale int, choice str (the option's label),
#: duration int (seconds), number Decimal, text str, photo None (see photos); None also means
#: "not answered".
AnswerValue = bool | int | Decimal | str | None


@dataclass(frozen=True)
class AnswerRow:
    section: str  # section title; consecutive rows with the same title form one group
    question: str  # question text
    type: AnswerType
    value: AnswerValue
    na: bool = False  # answered "not applicable"
    scale_max: int | None = None  # scale: the top of the scale, printed as "4 / 5"
    value_label: str = ""  # scale: the label of the chosen point, when the form has one
    unit: str = ""  # number: the unit, e.g. "rings"
    earned: Decimal | None = None  # points earned; None when unscored or n.a.
    possible: Decimal | None = None  # points possible; None when unscored or n.a.
    critical: bool = False  # a critical question
    comment: str = ""  # the auditor's comment on this answer
    photos: tuple[Photo, ...] = ()  # evidence, printed under the answer


@dataclass(frozen=True)
class VisitSectionScore:
    title: str
    score: Percent  # None when nothing in the section applied
    earned: Decimal | None = None
    possible: Decimal | None = None


@dataclass(frozen=True)
class VisitReport:
    locale: str  # language of the report
    branch: BranchInfo
    form_title: str
    form_version: int
    reference: str  # the visit's number or id as people quote it
    visited_at: datetime  # start of the visit, in the branch's local time
    status: VisitStatus
    score: Percent  # the visit score (0 when a critical question failed)
    generated_on: date
    sections: tuple[VisitSectionScore, ...] = ()
    answers: tuple[AnswerRow, ...] = ()
    critical_failures: tuple[str, ...] = ()  # texts of the failed critical questions
    auditor_name: str | None = None  # HQ version only; None prints nothing about an auditor


# HQ comparison -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LeagueRow:
    rank: int | None  # None: not ranked (no approved visits)
    branch_code: str
    branch_name: str
    area: str
    visits: int  # approved visits in the period
    mean: Percent  # mean visit score
    ci_low: Percent = None  # 95 % interval of the mean, lower end
    ci_high: Percent = None  # upper end
    previous: Percent = None  # mean in the previous period
    target: Percent = None  # the branch's target; "met" when mean >= target
    too_few_visits: bool = False  # fewer visits than ComparisonReport.min_visits
    section_means: tuple[Percent, ...] = ()  # aligned with ComparisonReport.section_titles


@dataclass(frozen=True)
class ComparisonReport:
    locale: str  # language of the report: the reader's locale
    scope: str | None  # the area compared, by name; None for the whole network
    form_title: str
    period: Period
    generated_on: date
    min_visits: int  # the "too few visits" threshold, explained under the table
    section_titles: tuple[str, ...] = ()
    rows: tuple[LeagueRow, ...] = ()  # in rank order
