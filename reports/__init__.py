"""PDF scorecards from plain dataclasses: no Flask, no database.

    from reports import register_fonts, render_branch_scorecard
    register_fonts()  # once per process; raises FontNotFoundError naming what to install
    pdf = render_branch_scorecard(scorecard)  # bytes

Input classes live in reports.data; reports.samples builds realistic examples of each.
"""

from reports.comparison import render_comparison_report
from reports.data import (
    AnswerRow,
    AnswerType,
    AnswerValue,
    BranchInfo,
    BranchScorecard,
    Comment,
    ComparisonReport,
    Finding,
    Headline,
    LeagueRow,
    Measure,
    Percent,
    Period,
    PeriodKind,
    Photo,
    QuestionRow,
    Rank,
    SectionResult,
    TrendPoint,
    VisitReport,
    VisitRow,
    VisitSectionScore,
    VisitStatus,
)
from reports.fonts import FontFiles, FontNotFoundError, register_fonts
from reports.i18n import LANGUAGES
from reports.scorecard import render_branch_scorecard
from reports.version import renderer_fingerprint
from reports.visit_report import render_visit_report

__all__ = [
    "LANGUAGES",
    "AnswerRow",
    "AnswerType",
    "AnswerValue",
    "BranchInfo",
    "BranchScorecard",
    "Comment",
    "ComparisonReport",
    "Finding",
    "FontFiles",
    "FontNotFoundError",
    "Headline",
    "LeagueRow",
    "Measure",
    "Percent",
    "Period",
    "PeriodKind",
    "Photo",
    "QuestionRow",
    "Rank",
    "SectionResult",
    "TrendPoint",
    "VisitReport",
    "VisitRow",
    "VisitSectionScore",
    "VisitStatus",
    "register_fonts",
    "render_branch_scorecard",
    "render_comparison_report",
    "render_visit_report",
    "renderer_fingerprint",
]
