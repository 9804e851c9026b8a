"""The branch scorecard: one branch, one period, for the branch manager to print.

Never names an auditor: the input has no field for one.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Spacer,
    Table,
)

from reports.blocks import (
    Context,
    by_section,
    critical_heading,
    critical_tag,
    heading,
    notice_box,
    photo_grid,
    score_beside,
    title_block,
)
from reports.charts import SectionChart, TrendChart
from reports.data import BranchScorecard, Finding, Measure, Percent, QuestionRow, Rank, VisitRow
from reports.document import PORTRAIT, DocumentInfo, build_pdf
from reports.fonts import REGULAR, register_fonts
from reports.i18n import N_, ReportLocale
from reports.styles import (
    CRITICAL,
    INK,
    LIGHT_RULE,
    MUTED,
    SHADE,
    STYLES,
    grid_table_style,
    table_style,
    widths,
)
from reports.text import Paragraph, bold, escape, para

ZERO = Decimal(0)

_MEASURES = {
    Measure.PASS_RATE: N_("pass rate"),
    Measure.MEAN_SCORE: N_("mean score"),
}


def render_branch_scorecard(data: BranchScorecard) -> bytes:
    """The branch scorecard as PDF bytes (A4 portrait)."""
    register_fonts()
    loc = ReportLocale.for_locale(data.locale)
    ctx = Context(loc, PORTRAIT.width)
    return build_pdf(scorecard_flowables(ctx, data), _document_info(loc, data), loc)


def scorecard_flowables(ctx: Context, data: BranchScorecard) -> list[Flowable]:
    if data.headline.visits == 0:
        return [*header(ctx, data), *no_visits(ctx, data), *trend(ctx, data)]
    return [
        *header(ctx, data),
        *headline(ctx, data),
        *critical_failures(ctx, data.visits),
        *section_scores(ctx, data),
        *trend(ctx, data),
        *question_table(ctx, data.questions),
        *findings(ctx, data.findings),
        *visit_list(ctx, data.visits),
    ]


def _document_info(loc: ReportLocale, data: BranchScorecard) -> DocumentInfo:
    period = loc.period(data.period)
    kind = loc._("Branch scorecard")
    return DocumentInfo(
        title=f"{kind}: {data.branch.name} ({data.branch.code}), {period}",
        subject=f"{data.form_title}, {period}",
        header_left=kind,
        header_right=f"{data.branch.name} · {data.branch.code} · {period}",
        footer_left=loc._("Generated on {date}").format(date=loc.date(data.generated_on)),
        keywords=(data.branch.code, data.period.key),
    )


# Sections ----------------------------------------------------------------------------------


def header(ctx: Context, data: BranchScorecard) -> list[Flowable]:
    loc = ctx.loc
    facts = [
        (loc._("Branch code"), data.branch.code),
        (loc._("Period"), loc.period(data.period)),
        (loc._("Address"), data.branch.address),
        (loc._("Form"), data.form_title),
        (loc._("Area"), data.branch.area),
        (loc._("Generated on"), loc.date(data.generated_on)),
    ]
    return title_block(ctx, loc._("Branch scorecard"), data.branch.name, facts)


def no_visits(ctx: Context, data: BranchScorecard) -> list[Flowable]:
    loc = ctx.loc
    message = loc._("No approved visits in {period}.").format(period=loc.period(data.period))
    explanation = loc._(
        "This scorecard has no scores for the period. It is filled in as soon as a visit "
        "for the period has been approved."
    )
    lines: list[Flowable] = [para(message, STYLES["notice"]), para(explanation, STYLES["body"])]
    if data.headline.target is not None:
        target = loc._("Target: {score}").format(score=loc.percent(data.headline.target))
        lines.append(para(target, STYLES["body"]))
    return [notice_box(ctx, lines), Spacer(1, 6)]


def headline(ctx: Context, data: BranchScorecard) -> list[Flowable]:
    loc, head = ctx.loc, data.headline
    visits = loc.ngettext("{count} approved visit", "{count} approved visits", head.visits).format(
        count=loc.integer(head.visits)
    )
    score_box: list[Flowable] = [
        para(loc._("Overall score"), STYLES["label"]),
        para(loc.percent(head.score), STYLES["big_number"]),
        para(visits, STYLES["body"]),
    ]
    status = _target_status(loc, head.score, head.target)
    if status:
        score_box.append(Paragraph(status, STYLES["body"]))
    facts = [
        _fact(loc._("Target"), loc.percent(head.target)),
        _fact(
            loc._("Change since the previous period"),
            _arrow(head.score, head.previous_score) + loc.change(head.score, head.previous_score),
            loc._("previous period: {score}").format(score=loc.percent(head.previous_score)),
        ),
        _fact(loc._("Area average"), loc.percent(head.area_average)),
        _fact(loc._("Network average"), loc.percent(head.network_average)),
        _fact(loc._("Rank in the area"), _rank(loc, head.area_rank)),
        _fact(loc._("Rank in the network"), _rank(loc, head.network_rank)),
    ]
    grid = [[facts[0], facts[1]], [facts[2], facts[3]], [facts[4], facts[5]]]
    inner = Table(grid, colWidths=widths(ctx.width * 0.64, 0.5, 0.5))
    inner.setStyle(
        table_style(
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LINEBELOW", (0, 0), (-1, -2), 0.4, LIGHT_RULE),
        )
    )
    return [score_beside(ctx, score_box, inner, share=0.36, gap=0), Spacer(1, 4)]


def _fact(label: str, value: str, note: str | None = None) -> list[Flowable]:
    cell: list[Flowable] = [para(label, STYLES["label"]), para(value, STYLES["value"])]
    if note:
        cell.append(para(note, STYLES["muted"]))
    return cell


def _rank(loc: ReportLocale, rank: Rank | None) -> str:
    if rank is None:
        return "–"
    return loc._("{position} of {count}").format(
        position=loc.integer(rank.position), count=loc.integer(rank.of)
    )


def _arrow(current: Percent, previous: Percent) -> str:
    """▲ or ▼ before a change, so a rise and a fall differ by shape, not colour."""
    if current is None or previous is None or current == previous:
        return ""
    return "▲ " if current > previous else "▼ "


def _target_status(loc: ReportLocale, score: Percent, target: Percent) -> str:
    if score is None or target is None:
        return ""
    if score >= target:
        return "✓ " + bold(loc._("Target met"))
    return bold(loc._("Below target by {points}").format(points=loc.pp(target - score)))


def critical_failures(ctx: Context, visits: Sequence[VisitRow]) -> list[Flowable]:
    loc = ctx.loc
    failed = [(visit, question) for visit in visits for question in visit.critical_failures]
    if not failed:
        return []
    lines: list[Flowable] = [
        critical_heading(loc._("Critical failures")),
        para(
            loc._(
                "Each of these visits was scored {score} because a critical question failed."
            ).format(score=loc.percent(ZERO)),
            STYLES["small"],
        ),
    ]
    for visit, question in failed:
        lines.append(
            Paragraph(f"{escape(loc.date(visit.visited_on))}: {bold(question)}", STYLES["cell"])
        )
    return [Spacer(1, 4), notice_box(ctx, lines, critical=True), Spacer(1, 2)]


def section_scores(ctx: Context, data: BranchScorecard) -> list[Flowable]:
    if not data.sections:
        return []
    loc = ctx.loc
    chart = SectionChart(
        ctx.width,
        len(data.sections),
        branch_label=data.branch.name,
        average_label=loc._("Area average"),
        axis_format=loc.percent_axis,
    )
    chart.plot(
        [section.title for section in data.sections],
        [_float(section.score) for section in data.sections],
        [_float(section.area_average) for section in data.sections],
        [loc.percent(section.score) for section in data.sections],
    )
    return [KeepTogether([heading(loc._("Section scores")), chart])]


def trend(ctx: Context, data: BranchScorecard) -> list[Flowable]:
    points = data.trend
    if not any(point.score is not None for point in points):
        return []
    loc = ctx.loc
    chart = TrendChart(
        ctx.width,
        150,
        branch_label=data.branch.name,
        average_label=loc._("Area average"),
        target_label=loc._("Target"),
        axis_format=loc.percent_axis,
    )
    labels = [
        loc.period_axis(point.period, index == 0 or point.period.start.month == 1)
        for index, point in enumerate(points)
    ]
    chart.plot(
        labels,
        [_float(point.score) for point in points],
        [_float(point.area_average) for point in points],
        _float(data.headline.target),
        loc.percent(points[-1].score),
    )
    return [KeepTogether([heading(loc._("Score over time")), chart])]


def question_table(ctx: Context, questions: Sequence[QuestionRow]) -> list[Flowable]:
    if not questions:
        return []
    loc = ctx.loc
    rows: list[list] = [
        [
            loc._("Question"),
            loc._("Measure"),
            loc._("This period"),
            loc._("Change"),
            loc._("Answers"),
        ]
    ]
    extra: list[tuple] = []
    for section, group in by_section(questions):
        # A shaded row with the section's title; the first column is wide enough to need no
        # SPAN, which would make the table costlier to lay out.
        extra.append(("BACKGROUND", (0, len(rows)), (-1, len(rows)), SHADE))
        rows.append([para(section, STYLES["cell_bold"]), "", "", "", ""])
        for question in group:
            text = escape(question.question)
            if question.critical:
                text += f" {critical_tag(loc)}"
            rows.append(
                [
                    Paragraph(text, STYLES["cell"]),
                    loc._(_MEASURES[question.measure]),
                    loc.percent(question.value),
                    _arrow(question.value, question.previous)
                    + loc.change(question.value, question.previous),
                    loc.integer(question.answers),
                ]
            )
    table = Table(rows, colWidths=widths(ctx.width, 0.55, 0.12, 0.11, 0.13, 0.09), repeatRows=1)
    table.setStyle(
        grid_table_style(
            extra=[
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("TEXTCOLOR", (1, 1), (1, -1), MUTED),
                ("FONTSIZE", (1, 1), (1, -1), 7.5),
                *extra,
            ]
        )
    )
    return [CondPageBreak(120), heading(loc._("Results by question")), table]


def findings(ctx: Context, items: Sequence[Finding]) -> list[Flowable]:
    if not items:
        return []
    loc = ctx.loc
    flowables: list[Flowable] = [
        CondPageBreak(150),
        heading(loc._("Where points were lost")),
        para(
            loc._(
                "The questions that cost the most points in the period, with the auditors' "
                "comments and photos."
            ),
            STYLES["muted"],
        ),
        Spacer(1, 5),
    ]
    for number, finding in enumerate(items, start=1):
        # Whole on one page when it fits: a question's title never ends a page alone.
        flowables.append(KeepTogether([_finding(ctx, number, finding), Spacer(1, 6)]))
    return flowables


def _finding(ctx: Context, number: int, finding: Finding) -> Table:
    loc = ctx.loc
    text: list[Flowable] = [
        Paragraph(f"{number}. {bold(finding.question)}", STYLES["body"]),
        para(finding.section, STYLES["muted"]),
        para(
            loc._("Points lost: {points} · visits affected: {lost} of {visits}").format(
                points=loc.points(finding.points_lost),
                lost=loc.integer(finding.visits_lost),
                visits=loc.integer(finding.visits),
            ),
            STYLES["small"],
        ),
    ]
    if finding.critical_failures:
        failed = loc.ngettext(
            "Failed in {count} visit, which was scored {score}.",
            "Failed in {count} visits, each scored {score}.",
            finding.critical_failures,
        ).format(count=loc.integer(finding.critical_failures), score=loc.percent(ZERO))
        text.append(Paragraph(f"{critical_tag(loc)} {escape(failed)}", STYLES["critical"]))
    for comment in finding.comments:
        when = escape(loc.date(comment.visited_on))
        text.append(
            Paragraph(
                f'<font name="{REGULAR}" color="{MUTED.hexval()}">{when}</font>'
                f" – {escape(comment.text)}",
                STYLES["comment"],
            )
        )
    has_photos = bool(finding.photos)
    split = (0.66, 0.34) if has_photos else (1.0,)
    row: list = [text]
    if has_photos:
        row.append(photo_grid(finding.photos, ctx.width * split[1] - 8, 2, loc))
    table = Table([row], colWidths=widths(ctx.width, *split), splitInRow=1)
    table.setStyle(
        table_style(
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            (
                "LINEBEFORE",
                (0, 0),
                (0, -1),
                3.5 if finding.critical_failures else 1.2,
                CRITICAL if finding.critical_failures else INK,
            ),
            ("LEFTPADDING", (0, 0), (0, -1), 8),
            ("LEFTPADDING", (1, 0), (1, -1), 8),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        )
    )
    return table


def visit_list(ctx: Context, visits: Sequence[VisitRow]) -> list[Flowable]:
    if not visits:
        return []
    loc = ctx.loc
    with_reference = any(visit.reference for visit in visits)
    head = [loc._("Visit date"), loc._("Score")]
    if with_reference:
        head.append(loc._("Reference"))
    head.append(loc._("Critical failures"))
    rows: list[list] = [head]
    for visit in visits:
        row: list = [loc.date(visit.visited_on), loc.percent(visit.score)]
        if with_reference:
            row.append(visit.reference)
        if visit.critical_failures:
            text = critical_tag(loc) + " " + "; ".join(escape(q) for q in visit.critical_failures)
            row.append(Paragraph(text, STYLES["cell"]))
        else:
            row.append("–")
        rows.append(row)
    fractions = (0.18, 0.12, 0.16, 0.54) if with_reference else (0.2, 0.14, 0.66)
    table = Table(rows, colWidths=widths(ctx.width, *fractions), repeatRows=1)
    table.setStyle(grid_table_style(extra=[("ALIGN", (1, 0), (1, -1), "RIGHT")]))
    title = loc._("Approved visits")
    return [CondPageBreak(90), heading(title), table]


def _float(value: Percent) -> float | None:
    return None if value is None else float(value)
