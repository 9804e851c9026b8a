"""Building blocks shared by the reports: title block, facts grid, photos, boxes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from itertools import groupby
from typing import Protocol, TypeVar

from PIL import Image as PILImage
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Spacer, Table

from reports.data import Photo
from reports.i18n import ReportLocale
from reports.styles import CRITICAL, INK, LIGHT_RULE, MUTED, SHADE, STYLES, table_style, widths
from reports.text import Paragraph, escape, para


class _InSection(Protocol):
    @property
    def section(self) -> str: ...


Row = TypeVar("Row", bound=_InSection)


def by_section(rows: Sequence[Row]) -> Iterator[tuple[str, list[Row]]]:
    """Consecutive rows with the same section title, as (title, rows)."""
    for title, group in groupby(rows, key=lambda row: row.section):
        yield title, list(group)


@dataclass(frozen=True)
class Context:
    """What every section function needs: the language and the frame width."""

    loc: ReportLocale
    width: float


def title_block(
    ctx: Context, kicker: str, title: str, facts: Sequence[tuple[str, str]]
) -> list[Flowable]:
    """The top of the first page: what the report is, about whom, and its key facts."""
    return [
        para(kicker.upper(), STYLES["kicker"]),
        para(title, STYLES["title"]),
        Spacer(1, 2),
        facts_grid(ctx, facts),
        Spacer(1, 8),
    ]


def facts_grid(ctx: Context, facts: Sequence[tuple[str, str]]) -> Table:
    """Label/value pairs in two columns, filled row by row."""
    cells = [[para(label, STYLES["label"]), para(value, STYLES["body"])] for label, value in facts]
    if len(cells) % 2:
        cells.append(["", ""])
    rows = [cells[i] + cells[i + 1] for i in range(0, len(cells), 2)]
    table = Table(rows, colWidths=widths(ctx.width, 0.12, 0.38, 0.12, 0.38))
    table.setStyle(
        table_style(
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ("TOPPADDING", (0, 0), (0, -1), 2.5),
            ("TOPPADDING", (2, 0), (2, -1), 2.5),
            ("LINEABOVE", (0, 0), (-1, 0), 0.8, INK),
            ("LINEBELOW", (0, -1), (-1, -1), 0.4, LIGHT_RULE),
        )
    )
    return table


def score_beside(
    ctx: Context, score_box: list[Flowable], detail: Flowable, share: float, gap: float
) -> Table:
    """The headline score in a shaded box, with `detail` (a table) to its right."""
    table = Table([[score_box, detail]], colWidths=widths(ctx.width, share, 1 - share))
    table.setStyle(
        table_style(
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (0, 0), SHADE),
            ("BOX", (0, 0), (0, 0), 0.8, INK),
            ("LEFTPADDING", (0, 0), (0, 0), 10),
            ("TOPPADDING", (0, 0), (0, 0), 7),
            ("BOTTOMPADDING", (0, 0), (0, 0), 9),
            ("LEFTPADDING", (1, 0), (1, 0), gap),
            ("RIGHTPADDING", (1, 0), (1, 0), 0),
            ("TOPPADDING", (1, 0), (1, 0), 0),
        )
    )
    return table


def heading(text: str) -> Paragraph:
    return para(text, STYLES["h2"])


def notice_box(ctx: Context, lines: Sequence[Paragraph], *, critical: bool = False) -> Table:
    """A framed box; a critical one has a heavy dark-red bar on its left, which prints black."""
    table = Table([[list(lines)]], colWidths=[ctx.width])
    bar = (4, CRITICAL) if critical else (2, INK)
    table.setStyle(
        table_style(
            ("BOX", (0, 0), (-1, -1), 0.6, CRITICAL if critical else MUTED),
            ("LINEBEFORE", (0, 0), (0, -1), bar[0], bar[1]),
            ("BACKGROUND", (0, 0), (-1, -1), SHADE),
            ("LEFTPADDING", (0, 0), (-1, -1), 10),
            ("RIGHTPADDING", (0, 0), (-1, -1), 8),
            ("TOPPADDING", (0, 0), (-1, -1), 6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
        )
    )
    return table


def critical_heading(title: str) -> Paragraph:
    """The title of a critical box: bold capitals, so it stands out in black and white too."""
    return para(title.upper(), STYLES["critical"])


def critical_tag(loc: ReportLocale) -> str:
    """Markup for the word that flags a critical question (bold capitals, not just colour)."""
    word = escape(loc._("CRITICAL"))
    return f'<font color="{CRITICAL.hexval()}"><b>{word}</b></font>'


def thumbnail(photo: Photo, max_width: float, max_height: float, loc: ReportLocale) -> Flowable:
    """A photo scaled to fit the box, keeping its proportions; a framed note if unreadable."""
    try:
        # Reads the header only; JPEG only, so reportlab embeds the bytes without re-encoding.
        with PILImage.open(BytesIO(photo.jpeg), formats=["JPEG"]) as image:
            pixel_width, pixel_height = image.size
    except (OSError, ValueError, PILImage.DecompressionBombError):
        # A broken thumbnail must not cost the branch its whole scorecard.
        return _missing_photo(max_width, max_height, loc)
    scale = min(max_width / pixel_width, max_height / pixel_height)
    return Image(BytesIO(photo.jpeg), width=pixel_width * scale, height=pixel_height * scale)


def _missing_photo(width: float, height: float, loc: ReportLocale) -> Table:
    table = Table(
        [[para(loc._("Photo unavailable"), STYLES["muted"])]],
        colWidths=[width],
        rowHeights=[height * 0.6],
    )
    table.setStyle(
        table_style(
            ("BOX", (0, 0), (-1, -1), 0.5, MUTED),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        )
    )
    return table


def photo_grid(
    photos: Sequence[Photo],
    width: float,
    columns: int,
    loc: ReportLocale,
    max_height: float = 30 * mm,
) -> Table:
    """Thumbnails in a grid `width` wide, captions under them."""
    cell = width / columns
    cells: list[list[Flowable]] = []
    for photo in photos:
        content: list[Flowable] = [thumbnail(photo, cell - 4, max_height, loc)]
        if photo.caption:
            content.append(para(photo.caption, STYLES["muted"]))
        cells.append(content)
    while len(cells) % columns:
        cells.append([])
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    table = Table(rows, colWidths=[cell] * columns, hAlign="LEFT")
    table.setStyle(
        table_style(
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        )
    )
    return table
