"""The HQ comparison report: the league table as a landscape A4 PDF.

A first table ranks the branches (visits, mean, 95 % interval, change, target, a flag for too few
visits); a second one gives each branch's mean per section.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.platypus import CondPageBreak, Flowable, Spacer, Table

from reports.blocks import Context, heading, title_block
from reports.data import ComparisonReport, LeagueRow, Percent
from reports.document import LANDSCAPE, DocumentInfo, build_pdf
from reports.fonts import ITALIC, register_fonts
from reports.i18n import ReportLocale
from reports.styles import MUTED, STYLES, grid_table_style, widths
from reports.text import Paragraph, para

#: League table columns: rank, code, branch, area, visits, mean, interval, change, target, note.
_LEAGUE = (0.045, 0.09, 0.19, 0.15, 0.055, 0.075, 0.125, 0.09, 0.075, 0.105)
_KEY = (0.045, 0.09, 0.19)  # rank, code and branch, repeated in the section table


def render_comparison_report(data: ComparisonReport) -> bytes:
    """The comparison report as PDF bytes (A4 landscape)."""
    register_fonts()
    loc = ReportLocale.for_locale(data.locale)
    ctx = Context(loc, LANDSCAPE.width)
    return build_pdf(comparison_flowables(ctx, data), _document_info(loc, data), loc, LANDSCAPE)


def comparison_flowables(ctx: Context, data: ComparisonReport) -> list[Flowable]:
    return [
        *header(ctx, data),
        *league_table(ctx, data),
        *legend(ctx, data),
        *section_table(ctx, data),
    ]


def _scope(loc: ReportLocale, data: ComparisonReport) -> str:
    return data.scope if data.scope is not None else loc._("Whole network")


def _document_info(loc: ReportLocale, data: ComparisonReport) -> DocumentInfo:
    kind = loc._("Comparison report")
    period = loc.period(data.period)
    scope = _scope(loc, data)
    return DocumentInfo(
        title=f"{kind}: {scope}, {period}",
        subject=f"{data.form_title}, {period}",
        header_left=kind,
        header_right=f"{scope} · {data.form_title} · {period}",
        footer_left=loc._("Generated on {date}").format(date=loc.date(data.generated_on)),
        keywords=(data.period.key,),
    )


def header(ctx: Context, data: ComparisonReport) -> list[Flowable]:
    loc = ctx.loc
    ranked = sum(1 for row in data.rows if row.rank is not None)
    facts = [
        (loc._("Period"), loc.period(data.period)),
        (loc._("Form"), data.form_title),
        (
            loc._("Branches"),
            loc._("{ranked} ranked of {count}").format(
                ranked=loc.integer(ranked), count=loc.integer(len(data.rows))
            ),
        ),
        (loc._("Generated on"), loc.date(data.generated_on)),
    ]
    return title_block(ctx, loc._("Comparison report"), _scope(loc, data), facts)


def league_table(ctx: Context, data: ComparisonReport) -> list[Flowable]:
    loc = ctx.loc
    if not data.rows:
        return [para(loc._("No branches to compare."), STYLES["notice"])]
    head = [
        loc._("Rank"),
        loc._("Code"),
        loc._("Branch"),
        loc._("Area"),
        loc._("Visits"),
        loc._("Mean"),
        loc._("95 % interval"),
        loc._("Change"),
        loc._("Target met"),
        loc._("Note"),
    ]
    rows: list[list] = [_head_row(head, right=(0, 4, 5, 6, 7, 8))]
    muted: list[tuple] = []
    for row in data.rows:
        if row.too_few_visits:
            at = len(rows)
            muted += [("TEXTCOLOR", (0, at), (-1, at), MUTED)]
        rows.append(_league_row(loc, row))
    table = Table(rows, colWidths=widths(ctx.width, *_LEAGUE), repeatRows=1)
    table.setStyle(
        grid_table_style(
            extra=[
                ("ALIGN", (4, 1), (8, -1), "RIGHT"),
                ("ALIGN", (0, 1), (0, -1), "RIGHT"),
                ("FONTNAME", (9, 1), (9, -1), ITALIC),
                *muted,
            ]
        )
    )
    return [heading(loc._("League table")), table]


def _head_row(texts: Sequence[str], right: Sequence[int]) -> list[Paragraph]:
    """Header cells that wrap, right-aligned over columns of numbers."""
    return [
        para(text, STYLES["head_cell_right" if index in right else "head_cell"])
        for index, text in enumerate(texts)
    ]


def _league_row(loc: ReportLocale, row: LeagueRow) -> list:
    return [
        loc.integer(row.rank) if row.rank is not None else "–",
        row.branch_code,
        para(row.branch_name, STYLES["cell"]),
        para(row.area, STYLES["cell"]),
        loc.integer(row.visits),
        loc.percent(row.mean),
        _interval(loc, row.ci_low, row.ci_high),
        loc.change(row.mean, row.previous),
        _target_met(loc, row.mean, row.target),
        loc._("too few visits") if row.too_few_visits else "",
    ]


def _interval(loc: ReportLocale, low: Percent, high: Percent) -> str:
    if low is None or high is None:
        return "–"
    return f"{loc.percent(low)} – {loc.percent(high)}"


def _target_met(loc: ReportLocale, mean: Percent, target: Percent) -> str:
    if mean is None or target is None:
        return "–"
    return loc._("yes") if mean >= target else loc._("no")


def legend(ctx: Context, data: ComparisonReport) -> list[Flowable]:
    loc = ctx.loc
    notes = [
        loc.ngettext(
            "Too few visits: fewer than {count} approved visit in the period, so the mean is "
            "uncertain; such branches are printed in grey.",
            "Too few visits: fewer than {count} approved visits in the period, so the mean is "
            "uncertain; such branches are printed in grey.",
            data.min_visits,
        ).format(count=loc.integer(data.min_visits)),
        loc._(
            "95 % interval: the range that holds the branch's true mean score with 95 % "
            "confidence, given its visits."
        ),
        loc._("Change: the mean against the previous period, in percentage points."),
    ]
    return [Spacer(1, 4), *(para(note, STYLES["muted"]) for note in notes)]


def section_table(ctx: Context, data: ComparisonReport) -> list[Flowable]:
    titles = data.section_titles
    if not titles or not data.rows:
        return []
    loc = ctx.loc
    share = (1 - sum(_KEY)) / len(titles)
    head = [loc._("Rank"), loc._("Code"), loc._("Branch"), *titles]
    rows: list[list] = [_head_row(head, right=(0, *range(3, len(head))))]
    for row in data.rows:
        means = _aligned(row.section_means, len(titles))
        rows.append(
            [
                loc.integer(row.rank) if row.rank is not None else "–",
                row.branch_code,
                para(row.branch_name, STYLES["cell"]),
                *(loc.percent(mean) for mean in means),
            ]
        )
    table = Table(rows, colWidths=widths(ctx.width, *_KEY, *[share] * len(titles)), repeatRows=1)
    table.setStyle(
        grid_table_style(
            extra=[
                ("ALIGN", (3, 1), (-1, -1), "RIGHT"),
                ("ALIGN", (0, 1), (0, -1), "RIGHT"),
            ]
        )
    )
    intro = para(loc._("Mean score of each section, per branch."), STYLES["muted"])
    return [CondPageBreak(140), heading(loc._("Section means")), intro, Spacer(1, 4), table]


def _aligned(means: Sequence[Percent], count: int) -> list[Percent]:
    """Pads or cuts the means to the number of section columns."""
    return [*means[:count], *([None] * (count - len(means)))]
