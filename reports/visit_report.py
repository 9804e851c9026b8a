"""One visit as a PDF: every answer with its points, comments and photos in place.

The auditor is named only when the data carries a name (the HQ version); with None nothing about
an auditor is printed, in the text or in the metadata.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from reportlab.platypus import CondPageBreak, Flowable, Spacer, Table

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
from reports.data import AnswerRow, AnswerType, VisitReport, VisitSectionScore, VisitStatus
from reports.document import PORTRAIT, DocumentInfo, build_pdf
from reports.fonts import register_fonts
from reports.i18n import N_, ReportLocale
from reports.styles import (
    LIGHT_RULE,
    MUTED,
    STYLES,
    grid_table_style,
    widths,
)
from reports.text import Paragraph, bold, escape, para

_STATUSES = {
    VisitStatus.SUBMITTED: N_("Submitted, awaiting review"),
    VisitStatus.APPROVED: N_("Approved"),
    VisitStatus.RETURNED: N_("Returned to the auditor"),
    VisitStatus.REJECTED: N_("Rejected"),
}


def render_visit_report(data: VisitReport) -> bytes:
    """The visit report as PDF bytes (A4 portrait)."""
    register_fonts()
    loc = ReportLocale.for_locale(data.locale)
    ctx = Context(loc, PORTRAIT.width)
    return build_pdf(visit_flowables(ctx, data), _document_info(loc, data), loc)


def visit_flowables(ctx: Context, data: VisitReport) -> list[Flowable]:
    return [
        *header(ctx, data),
        *summary(ctx, data),
        *critical_failures(ctx, data.critical_failures),
        *answers(ctx, data),
    ]


def _document_info(loc: ReportLocale, data: VisitReport) -> DocumentInfo:
    kind = loc._("Visit report")
    when = loc.date(data.visited_at.date())
    return DocumentInfo(
        title=f"{kind}: {data.branch.name} ({data.branch.code}), {when}",
        subject=f"{data.form_title}, {data.reference}",
        header_left=kind,
        header_right=f"{data.branch.name} · {data.branch.code} · {when}",
        footer_left=loc._("Generated on {date}").format(date=loc.date(data.generated_on)),
        keywords=(data.branch.code, data.reference),
    )


def header(ctx: Context, data: VisitReport) -> list[Flowable]:
    loc = ctx.loc
    facts = [
        (loc._("Branch code"), data.branch.code),
        (loc._("Visit"), loc.datetime(data.visited_at)),
        (loc._("Address"), data.branch.address),
        (
            loc._("Form"),
            loc._("{title}, version {version}").format(
                title=data.form_title, version=loc.integer(data.form_version)
            ),
        ),
        (loc._("Area"), data.branch.area),
        (loc._("Reference"), data.reference),
        (loc._("Status"), loc._(_STATUSES[VisitStatus(data.status)])),
    ]
    if data.auditor_name is not None:
        facts.append((loc._("Auditor"), data.auditor_name))
    flowables = title_block(ctx, loc._("Visit report"), data.branch.name, facts)
    if data.auditor_name is not None:
        note = loc._("HQ copy: it names the auditor. Do not pass it on to the branch.")
        flowables[-1:-1] = [Spacer(1, 3), para(note, STYLES["critical"])]
    return flowables


def summary(ctx: Context, data: VisitReport) -> list[Flowable]:
    """The visit score beside a table of section scores."""
    loc = ctx.loc
    score_box: list[Flowable] = [
        para(loc._("Visit score"), STYLES["label"]),
        para(loc.percent(data.score), STYLES["big_number"]),
    ]
    if data.critical_failures:
        score_box.append(critical_heading(loc._("Critical failure")))
    rows: list[list] = [[loc._("Section"), loc._("Score"), loc._("Points")]]
    for section in data.sections:
        rows.append(
            [
                para(section.title, STYLES["cell"]),
                loc.percent(section.score),
                _section_points(loc, section),
            ]
        )
    inner = Table(rows, colWidths=widths(ctx.width * 0.7, 0.6, 0.18, 0.22))
    inner.setStyle(grid_table_style(extra=[("ALIGN", (1, 0), (-1, -1), "RIGHT")]))
    return [score_beside(ctx, score_box, inner, share=0.3, gap=10), Spacer(1, 6)]


def _section_points(loc: ReportLocale, section: VisitSectionScore) -> str:
    if section.earned is None or section.possible is None or not section.possible:
        return "–"
    return f"{loc.points(section.earned)} / {loc.points(section.possible)}"


def critical_failures(ctx: Context, questions: Sequence[str]) -> list[Flowable]:
    if not questions:
        return []
    loc = ctx.loc
    lines: list[Flowable] = [
        critical_heading(loc._("Critical failures")),
        para(
            loc._("A critical question failed, so the visit score is set to {score}.").format(
                score=loc.percent(Decimal(0))
            ),
            STYLES["small"],
        ),
    ]
    lines += [Paragraph(bold(question), STYLES["cell"]) for question in questions]
    return [notice_box(ctx, lines, critical=True), Spacer(1, 4)]


def answers(ctx: Context, data: VisitReport) -> list[Flowable]:
    loc = ctx.loc
    scores = {section.title: section.score for section in data.sections}
    flowables: list[Flowable] = [heading(loc._("Answers"))]
    for section, rows in by_section(data.answers):
        title = (
            f'{bold(section)} <font color="{MUTED.hexval()}">· '
            f"{escape(loc.percent(scores.get(section)))}</font>"
        )
        table = _answer_table(ctx, rows)
        # Room for the title and a few answers, so a title never ends a page alone.
        flowables += [
            CondPageBreak(90),
            Paragraph(title, STYLES["h3"]),
            Spacer(1, 3),
            table,
            Spacer(1, 8),
        ]
    return flowables


def _answer_table(ctx: Context, rows: Sequence[AnswerRow]) -> Table:
    loc = ctx.loc
    cells: list[list] = [[loc._("Question"), loc._("Answer"), loc._("Points")]]
    commands: list[tuple] = []
    for row in rows:
        question = escape(row.question)
        if row.critical:
            question += f" {critical_tag(loc)}"
        lost = row.earned is not None and row.possible is not None and row.earned < row.possible
        points = _answer_points(loc, row)
        cells.append(
            [
                Paragraph(question, STYLES["cell"]),
                para(
                    "" if _is_text(row) else format_answer(loc, row),
                    STYLES["cell_bold" if lost else "cell"],
                ),
                Paragraph(bold(points) if lost else escape(points), STYLES["cell_right"]),
            ]
        )
        detail = _detail(ctx, row)
        if detail:
            at = len(cells)
            commands += [
                ("SPAN", (0, at), (-1, at)),
                # The detail belongs to the answer above: no rule between them.
                ("LINEABOVE", (0, at), (-1, at), 1.2, "white"),
                ("LEFTPADDING", (0, at), (-1, at), 14),
            ]
            cells.append([detail, "", ""])
    table = Table(cells, colWidths=widths(ctx.width, 0.56, 0.32, 0.12), repeatRows=1, splitInRow=1)
    table.setStyle(
        grid_table_style(
            extra=[
                ("ALIGN", (2, 0), (2, 0), "RIGHT"),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, LIGHT_RULE),
                *commands,
            ]
        )
    )
    return table


def _detail(ctx: Context, row: AnswerRow) -> list[Flowable]:
    """The comment and photos printed under an answer."""
    detail: list[Flowable] = []
    if _is_text(row):
        detail.append(para(str(row.value), STYLES["cell"]))
    if row.comment:
        detail.append(para(row.comment, STYLES["comment"]))
    if row.photos:
        detail.append(Spacer(1, 3))
        detail.append(photo_grid(row.photos, ctx.width * 0.8, 4, ctx.loc))
    return detail


def _is_text(row: AnswerRow) -> bool:
    """A free-text answer: printed across the table's width, under its question."""
    return AnswerType(row.type) is AnswerType.TEXT and not row.na and bool(row.value)


def _answer_points(loc: ReportLocale, row: AnswerRow) -> str:
    if row.earned is None or row.possible is None:
        return "–"
    return f"{loc.points(row.earned)} / {loc.points(row.possible)}"


def format_answer(loc: ReportLocale, row: AnswerRow) -> str:
    """An answer as people read it, in the report's language."""
    if row.na:
        return loc._("Not applicable")
    kind = AnswerType(row.type)
    if kind is AnswerType.PHOTO:
        count = len(row.photos)
        if not count:
            return loc._("No photos")
        return loc.ngettext("{count} photo", "{count} photos", count).format(
            count=loc.integer(count)
        )
    value = row.value
    if value is None:
        return loc._("Not answered")
    if kind is AnswerType.YES_NO:
        return loc._("Yes") if value else loc._("No")
    if kind is AnswerType.SCALE:
        text = (
            f"{loc.integer(int(value))} / {loc.integer(row.scale_max)}"
            if row.scale_max is not None
            else loc.integer(int(value))
        )
        return f"{text} – {row.value_label}" if row.value_label else text
    if kind is AnswerType.DURATION:
        return loc.duration(int(value))
    if kind is AnswerType.NUMBER:
        number = loc.decimal(Decimal(value))
        return f"{number} {row.unit}" if row.unit else number
    return str(value)
