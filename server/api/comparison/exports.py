"""The league table as CSV, XLSX and PDF: the same rows and numbers as the JSON.

CSV: UTF-8 with a byte order mark (so Excel reads Ł and ø right), `;` between fields (what Excel
expects in the comma-decimal locales of our users), numbers plain with a decimal point
("87.5000"), booleans as true/false, no data as an empty field, one header row.
XLSX: numbers are numbers (shown with one decimal), the header row and the name columns are
frozen; sheets "League table", "Sections" and "About".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports import ComparisonReport, LeagueRow
from server.services.comparison import Comparison, ComparisonRow

CSV_DELIMITER = ";"
PERCENT_FORMAT = "0.0"
MAX_COLUMN_WIDTH = 50

#: League table columns: header, value of a row, whether it is a percent.
LEAGUE_COLUMNS: tuple[tuple[str, Any, bool], ...] = (
    ("rank", lambda row: row.stats.rank, False),
    ("code", lambda row: row.subject.code, False),
    ("name", lambda row: row.subject.name, False),
    ("area", lambda row: row.subject.area.name if row.subject.area else None, False),
    ("visits", lambda row: row.stats.n, False),
    ("mean", lambda row: row.stats.mean, True),
    ("interval_low", lambda row: row.stats.interval_low, True),
    ("interval_high", lambda row: row.stats.interval_high, True),
    ("std_dev", lambda row: row.stats.std_dev, True),
    ("group_mean", lambda row: row.stats.group_mean, True),
    ("own_weight", lambda row: row.stats.own_weight, False),
    ("shrunk_mean", lambda row: row.stats.shrunk_mean, True),
    ("previous_mean", lambda row: row.stats.previous_mean, True),
    ("change", lambda row: row.stats.change, True),
    ("target", lambda row: row.stats.target, True),
    ("target_met", lambda row: row.stats.target_met, False),
    ("too_few_visits", lambda row: row.stats.too_few_visits, False),
    ("distinguishable_from_median", lambda row: row.stats.distinguishable_from_median, False),
    ("rank_tied", lambda row: row.stats.rank_tied, False),
    ("interval_borrowed", lambda row: row.stats.interval_borrowed, False),
)
KEY_COLUMNS = 3  # rank, code, name: frozen beside the numbers


def filename(comparison: Comparison, extension: str) -> str:
    return f"comparison-{comparison.period.key}.{extension}"


# --- CSV ---------------------------------------------------------------------------------------


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def comparison_csv(comparison: Comparison) -> bytes:
    """League table columns, then one mean per section (titled in the comparison's language)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER)
    writer.writerow(
        [name for name, _, _ in LEAGUE_COLUMNS] + [s.title for s in comparison.sections]
    )
    for row in comparison.rows:
        values = [value(row) for _, value, _ in LEAGUE_COLUMNS] + list(row.section_means)
        writer.writerow([_csv_value(value) for value in values])
    return buffer.getvalue().encode("utf-8-sig")


# --- XLSX --------------------------------------------------------------------------------------


def comparison_xlsx(comparison: Comparison) -> bytes:
    workbook = Workbook()
    league = workbook.active
    league.title = "League table"
    _fill(
        league,
        [name for name, _, _ in LEAGUE_COLUMNS],
        [[value(row) for _, value, _ in LEAGUE_COLUMNS] for row in comparison.rows],
        percent_columns={i for i, (_, _, percent) in enumerate(LEAGUE_COLUMNS) if percent},
    )
    _fill(
        workbook.create_sheet("Sections"),
        ["rank", "code", "name", "visits", *(section.title for section in comparison.sections)],
        [_section_row(row) for row in comparison.rows],
        percent_columns=set(range(4, 4 + len(comparison.sections))),
    )
    _about(workbook.create_sheet("About"), comparison)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _section_row(row: ComparisonRow) -> list[Any]:
    return [row.stats.rank, row.subject.code, row.subject.name, row.stats.n, *row.section_means]


def _fill(
    sheet: Worksheet,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    percent_columns: set[int],
) -> None:
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(list(values))
    for index in percent_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.number_format = PERCENT_FORMAT
    sheet.freeze_panes = sheet.cell(row=2, column=KEY_COLUMNS + 1)
    if rows:
        sheet.auto_filter.ref = sheet.dimensions
    _fit_widths(sheet, header, rows)


def _fit_widths(sheet: Worksheet, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    for index, title in enumerate(header):
        longest = max([len(_shown(row[index])) for row in rows] + [len(str(title))])
        width = min(MAX_COLUMN_WIDTH, longest + 2)
        sheet.column_dimensions[get_column_letter(index + 1)].width = width


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        return f"{value:.1f}"
    return "" if value is None else str(value)


def _about(sheet: Worksheet, comparison: Comparison) -> None:
    ranking = comparison.ranking
    facts = [
        ("period", comparison.period.key),
        ("previous period", comparison.previous_period.key),
        ("rows", comparison.level.value),
        ("scope", comparison.scope or "whole network"),
        ("form", f"{comparison.form.title} ({comparison.form.key})"),
        ("language", comparison.language),
        ("ranking", f"{ranking.method}, by {ranking.ranked_by}, toward {ranking.shrunk_toward}"),
        ("min_visits", ranking.min_visits),
        ("confidence", ranking.confidence),
        ("median", comparison.median),
        ("counted", "approved visits whose start (UTC) lies in the period"),
    ]
    for name, value in facts:
        sheet.append([name, value])
    for (cell,) in sheet.iter_rows(min_col=1, max_col=1):
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 60


# --- PDF ---------------------------------------------------------------------------------------


def comparison_report(comparison: Comparison, generated_on: date) -> ComparisonReport:
    """The reports library's input: rows in rank order, texts in the comparison's language."""
    return ComparisonReport(
        locale=comparison.language,
        scope=comparison.scope,
        form_title=comparison.form.title,
        period=comparison.period,
        generated_on=generated_on,
        min_visits=comparison.ranking.min_visits,
        section_titles=tuple(section.title for section in comparison.sections),
        rows=tuple(_league_row(row) for row in comparison.rows),
    )


def _league_row(row: ComparisonRow) -> LeagueRow:
    stats = row.stats
    return LeagueRow(
        rank=stats.rank,
        branch_code=row.subject.code,
        branch_name=row.subject.name,
        area=row.subject.area.name if row.subject.area else "",
        visits=stats.n,
        mean=stats.mean,
        ci_low=stats.interval_low,
        ci_high=stats.interval_high,
        previous=stats.previous_mean,
        target=stats.target,
        too_few_visits=stats.too_few_visits,
        section_means=row.section_means,
    )
