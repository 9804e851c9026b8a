"""Comparison schemas: query arguments, and responses that dump fast (`FastDumpSchema`: a
league table of 2,000 branches has about 50,000 values). tests/server/api/test_comparison.py
checks that both dumps agree.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import marshmallow as ma

from reports.data import Measure, Period, PeriodKind
from server.api.fastdump import ColumnarRows, FastDumpSchema
from server.api.smorest import Schema
from server.services.comparison import (
    DEFAULT_FORM,
    DEFAULT_MIN_VISITS,
    Comparison,
    Granularity,
    Level,
    Ref,
)
from server.services.statistics import texts
from server.validators import ExactDecimal

# --- query arguments ---------------------------------------------------------------------------


class PeriodField(ma.fields.String):
    """A period, "2026-10" (month), "2026-Q4" (quarter) or "2026" (year), as a reports Period."""

    def _deserialize(self, value, attr, data, **kwargs) -> Period:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return Period.parse(text)
        except ValueError as error:
            raise ma.ValidationError(str(error)) from error


_MONTH = re.compile(r"^\d{4}-\d{2}$")


class MonthField(ma.fields.String):
    """A month "2026-10", loaded as its first day."""

    def _deserialize(self, value, attr, data, **kwargs) -> date:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            if not _MONTH.match(text):
                raise ValueError
            return Period.parse(text).start
        except ValueError as error:
            raise ma.ValidationError(
                "Not a month: expected YYYY-MM, e.g. 2026-10, in the years 2000-2099."
            ) from error


ALIGNED = "Aligned with the response's sections"
PERIOD = "A month (2026-10), quarter (2026-Q4) or year (2026); visits count by started_at in UTC"
LANG = "Language of section and question texts (and the PDF); default: the caller's locale"


# Ids are 32-bit integer columns: a larger number is refused here, not by the database.
ID = ma.validate.Range(min=1, max=2**31 - 1)


def _period() -> PeriodField:
    return PeriodField(required=True, metadata={"description": PERIOD, "example": "2026-10"})


def _area() -> ma.fields.Integer:
    return ma.fields.Integer(
        validate=ID,
        metadata={"description": "Compare within this area (its subtree); default: whole scope"},
    )


def _form() -> ma.fields.String:
    return ma.fields.String(
        load_default=DEFAULT_FORM,
        validate=ma.validate.Length(min=1, max=100),
        metadata={"description": "Form key; every version of the form counts"},
    )


def _lang() -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.Length(min=2, max=16), metadata={"description": LANG}
    )


def _level() -> ma.fields.Enum:
    return ma.fields.Enum(
        Level,
        by_value=True,
        load_default=Level.BRANCH,
        metadata={"description": "branch: one row per branch; area: one per child area"},
    )


class ComparisonArgsSchema(Schema):
    period = _period()
    area = _area()
    form = _form()
    level = _level()
    min_visits = ma.fields.Integer(
        load_default=DEFAULT_MIN_VISITS,
        validate=ma.validate.Range(min=1, max=1000),
        metadata={"description": "Rows with fewer approved visits are flagged too_few_visits"},
    )
    lang = _lang()


class HeatmapArgsSchema(Schema):
    period = _period()
    area = _area()
    form = _form()
    level = _level()
    lang = _lang()


class WeakestQuestionsArgsSchema(Schema):
    period = _period()
    area = _area()
    form = _form()
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=500))
    lang = _lang()


class TrendArgsSchema(Schema):
    branch = ma.fields.Integer(
        validate=ID, metadata={"description": "A branch (exactly one of branch, area)"}
    )
    area = ma.fields.Integer(
        validate=ID, metadata={"description": "An area's subtree (exactly one of them)"}
    )
    first = MonthField(
        data_key="from",
        metadata={"description": "First month, YYYY-MM; default: 11 months before `to`"},
    )
    last = MonthField(
        data_key="to", metadata={"description": "Last month, YYYY-MM; default: this month (UTC)"}
    )
    granularity = ma.fields.Enum(
        Granularity,
        by_value=True,
        load_default=Granularity.MONTH,
        metadata={"description": "quarter: from and to widen to whole quarters"},
    )
    form = _form()
    lang = _lang()

    @ma.validates_schema
    def _one_subject(self, data: dict[str, Any], **kwargs) -> None:
        if ("branch" in data) == ("area" in data):
            message = "Give exactly one of branch and area."
            raise ma.ValidationError({"branch": [message], "area": [message]})

    @ma.post_load
    def _default_months(self, data: dict[str, Any], **kwargs) -> dict[str, Any]:
        if "last" not in data:
            today = datetime.now(UTC).date()
            data["last"] = date(today.year, today.month, 1)
        if "first" not in data:
            index = data["last"].year * 12 + data["last"].month - 1 - 11
            data["first"] = date(index // 12, index % 12 + 1, 1)
        if data["first"] > data["last"]:
            raise ma.ValidationError({"from": ["Must not be after to."]})
        return data


# --- responses ---------------------------------------------------------------------------------


def _percent(description: str, attribute: str | None = None) -> ExactDecimal:
    return ExactDecimal(
        allow_none=True,
        attribute=attribute,
        metadata={"description": f"{description} (percent, 4 places; null: no data)"},
    )


class ReportPeriodSchema(FastDumpSchema):
    key = ma.fields.String(metadata={"example": "2026-10"})
    kind = ma.fields.Enum(PeriodKind, by_value=True)
    start = ma.fields.Date()
    end = ma.fields.Date(metadata={"description": "Last day, inclusive"})


class NamedRefSchema(FastDumpSchema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()


class FormTitleSchema(FastDumpSchema):
    key = ma.fields.String()
    title = ma.fields.String()


class SectionTitleSchema(FastDumpSchema):
    key = ma.fields.String()
    title = ma.fields.String()


class RankingSchema(FastDumpSchema):
    method = ma.fields.String(metadata={"example": "empirical_bayes_shrinkage"})
    ranked_by = ma.fields.String(metadata={"example": "shrunk_mean"})
    shrunk_toward = ma.fields.String(
        metadata={
            "description": "area: each branch toward its area's mean; parent: the areas "
            "toward their common mean"
        }
    )
    min_visits = ma.fields.Integer()
    confidence = ma.fields.Float(metadata={"example": 0.95})


def _stat(name: str, kind: type[ma.fields.Field] = ExactDecimal, **options) -> Any:
    return kind(attribute=f"stats.{name}", allow_none=True, **options)


class ComparisonRowSchema(FastDumpSchema):
    """One branch (or area); docs/comparison.md explains every field."""

    rank = _stat("rank", ma.fields.Integer, metadata={"description": "1 = best; null: no visits"})
    rank_tied = _stat("rank_tied", ma.fields.Boolean)
    id = ma.fields.Integer(attribute="subject.id")
    code = ma.fields.String(attribute="subject.code")
    name = ma.fields.String(attribute="subject.name")
    area = ma.fields.Nested(
        NamedRefSchema,
        attribute="subject.area",
        allow_none=True,
        metadata={"description": "The branch's area; null for area rows"},
    )
    visits = _stat("n", ma.fields.Integer, metadata={"description": "Approved visits"})
    mean = _stat("mean")
    std_dev = _stat("std_dev")
    interval_low = _stat("interval_low", metadata={"description": "95 % interval of the mean"})
    interval_high = _stat("interval_high")
    interval_borrowed = _stat(
        "interval_borrowed",
        ma.fields.Boolean,
        metadata={"description": "One visit: the interval used the table's pooled spread"},
    )
    group_mean = _stat("group_mean", metadata={"description": "Mean of the row's area (group)"})
    own_weight = _stat("own_weight", metadata={"description": "0 to 1, kept of the own mean"})
    shrunk_mean = _stat("shrunk_mean", metadata={"description": "Adjusted score; ranks use it"})
    previous_mean = _stat("previous_mean")
    change = _stat("change", metadata={"description": "mean - previous_mean, in points"})
    target = _stat("target")
    target_met = _stat("target_met", ma.fields.Boolean)
    too_few_visits = _stat("too_few_visits", ma.fields.Boolean)
    distinguishable_from_median = _stat(
        "distinguishable_from_median",
        ma.fields.Boolean,
        metadata={"description": "The interval lies wholly above or below the median"},
    )
    section_means = ma.fields.List(
        ExactDecimal(allow_none=True),
        metadata={"description": "Mean section percents, aligned with the response's sections"},
    )


def _row_dicts(table: Comparison) -> list[dict[str, Any]]:
    """ComparisonRowSchema's dump of every row of the table, written a column at a time from
    its columns: no Decimal and no object per row on the way (a third of the time)."""
    stats = table.stats
    areas: dict[int, dict[str, Any]] = {}  # one dict per area, shared by its branches

    def area(ref: Ref | None) -> dict[str, Any] | None:
        if ref is None:
            return None
        dumped = areas.get(ref.id)
        if dumped is None:
            dumped = areas[ref.id] = {"id": ref.id, "code": ref.code, "name": ref.name}
        return dumped

    return [
        {
            "rank": rank,
            "rank_tied": tied,
            "id": subject.id,
            "code": subject.code,
            "name": subject.name,
            "area": area(subject.area),
            "visits": n,
            "mean": mean,
            "std_dev": std_dev,
            "interval_low": low,
            "interval_high": high,
            "interval_borrowed": borrowed,
            "group_mean": group_mean,
            "own_weight": weight,
            "shrunk_mean": shrunk,
            "previous_mean": previous,
            "change": change,
            "target": target,
            "target_met": met,
            "too_few_visits": too_few,
            "distinguishable_from_median": apart,
            "section_means": section_means,
        }
        for (
            subject,
            n,
            rank,
            tied,
            mean,
            std_dev,
            low,
            high,
            borrowed,
            group_mean,
            weight,
            shrunk,
            previous,
            change,
            target,
            met,
            too_few,
            apart,
            section_means,
        ) in zip(
            table.subjects,
            stats.n.tolist(),
            stats.ranks(),
            stats.rank_tied.tolist(),
            *map(texts, (stats.mean, stats.std_dev, stats.interval_low, stats.interval_high)),
            stats.interval_borrowed.tolist(),
            *map(texts, (stats.group_mean, stats.own_weight, stats.shrunk_mean)),
            *map(texts, (stats.previous_mean, stats.change, stats.target)),
            stats.targets_met(),
            stats.too_few_visits.tolist(),
            stats.distinguishable(),
            texts(table.section_means),
            strict=True,
        )
    ]


class ComparisonSchema(FastDumpSchema):
    period = ma.fields.Nested(ReportPeriodSchema)
    previous_period = ma.fields.Nested(ReportPeriodSchema)
    level = ma.fields.Enum(Level, by_value=True)
    area = ma.fields.Nested(NamedRefSchema, allow_none=True)
    scope = ma.fields.String(
        allow_none=True, metadata={"description": "What the rows cover; null: the whole network"}
    )
    form = ma.fields.Nested(FormTitleSchema)
    language = ma.fields.String()
    sections = ma.fields.Nested(SectionTitleSchema, many=True)
    ranking = ma.fields.Nested(RankingSchema)
    median = _percent("Median of the rows' means")
    rows = ColumnarRows(ComparisonRowSchema, _row_dicts)


class SectionCellSchema(FastDumpSchema):
    mean = _percent("Mean section score")
    count = ma.fields.Integer(metadata={"description": "Visits in which the section applied"})


class HeatmapSectionSchema(FastDumpSchema):
    key = ma.fields.String()
    title = ma.fields.String()
    mean = _percent("The section's mean over every row")
    count = ma.fields.Integer()


class HeatmapRowSchema(FastDumpSchema):
    id = ma.fields.Integer(attribute="subject.id")
    code = ma.fields.String(attribute="subject.code")
    name = ma.fields.String(attribute="subject.name")
    area = ma.fields.Nested(NamedRefSchema, attribute="subject.area", allow_none=True)
    visits = ma.fields.Integer()
    mean = _percent("Mean visit score")
    cells = ma.fields.Nested(
        SectionCellSchema,
        many=True,
        metadata={"description": "Aligned with the response's sections"},
    )


class HeatmapSchema(FastDumpSchema):
    period = ma.fields.Nested(ReportPeriodSchema)
    level = ma.fields.Enum(Level, by_value=True)
    area = ma.fields.Nested(NamedRefSchema, allow_none=True)
    form = ma.fields.Nested(FormTitleSchema)
    language = ma.fields.String()
    sections = ma.fields.Nested(HeatmapSectionSchema, many=True)
    rows = ma.fields.Nested(HeatmapRowSchema, many=True)


class TrendPointSchema(FastDumpSchema):
    period = ma.fields.Nested(ReportPeriodSchema)
    visits = ma.fields.Integer()
    mean = _percent("Mean visit score")
    sections = ma.fields.Nested(
        SectionCellSchema,
        many=True,
        metadata={"description": "Aligned with the response's sections"},
    )


class TrendSchema(FastDumpSchema):
    kind = ma.fields.String(attribute="subject_kind", metadata={"description": "branch or area"})
    subject = ma.fields.Nested(NamedRefSchema)
    form = ma.fields.Nested(FormTitleSchema)
    language = ma.fields.String()
    granularity = ma.fields.Enum(Granularity, by_value=True)
    sections = ma.fields.Nested(SectionTitleSchema, many=True)
    points = ma.fields.Nested(TrendPointSchema, many=True)


class WeakQuestionSchema(FastDumpSchema):
    key = ma.fields.String()
    section = ma.fields.Nested(SectionTitleSchema)
    label = ma.fields.String(metadata={"description": "The question in ?lang="})
    type = ma.fields.String()
    critical = ma.fields.Boolean()
    measure = ma.fields.Enum(
        Measure,
        by_value=True,
        metadata={"description": "pass_rate (yes/no questions) or mean_score (the others)"},
    )
    value = _percent("Pass rate or mean share of points")
    answers = ma.fields.Integer(metadata={"description": "Applicable answers (not n.a.)"})
    previous = _percent("The same measure in the previous period")
    previous_answers = ma.fields.Integer()
    change = _percent("value - previous, in points")


class WeakestQuestionsSchema(FastDumpSchema):
    period = ma.fields.Nested(ReportPeriodSchema)
    previous_period = ma.fields.Nested(ReportPeriodSchema)
    area = ma.fields.Nested(NamedRefSchema, allow_none=True)
    form = ma.fields.Nested(FormTitleSchema)
    language = ma.fields.String()
    questions = ma.fields.Nested(WeakQuestionSchema, many=True)
