"""The one stylesheet of every report: type sizes, greys, table looks.

Everything must read in black and white: meaning is carried by words, markers, line patterns and
weights; colour (one dark blue accent, one dark red for critical) only adds to it, and both print
as dark greys.
"""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.platypus import TableStyle

from reports.fonts import BOLD, ITALIC, REGULAR

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#595959")
RULE = colors.HexColor("#9e9e9e")
LIGHT_RULE = colors.HexColor("#d0d0d0")
SHADE = colors.HexColor("#efefef")
ACCENT = colors.HexColor("#1f4e79")
BAR = colors.HexColor("#6f8fae")
CRITICAL = colors.HexColor("#9b1c1c")
WHITE = colors.white

BODY_SIZE = 9
SMALL_SIZE = 7.5


def _stylesheet() -> StyleSheet1:
    sheet = StyleSheet1()
    base = ParagraphStyle("body", fontName=REGULAR, fontSize=BODY_SIZE, leading=11.5, textColor=INK)
    sheet.add(base)
    add = sheet.add
    add(ParagraphStyle("small", base, fontSize=SMALL_SIZE, leading=9.5))
    add(ParagraphStyle("muted", base, fontSize=SMALL_SIZE, leading=9.5, textColor=MUTED))
    add(ParagraphStyle("comment", base, fontName=ITALIC, leftIndent=8, spaceBefore=2))
    add(ParagraphStyle("cell", base, fontSize=8.5, leading=10.5))
    add(ParagraphStyle("cell_bold", base, fontName=BOLD, fontSize=8.5, leading=10.5))
    add(ParagraphStyle("cell_right", base, fontSize=8.5, leading=10.5, alignment=TA_RIGHT))
    add(
        ParagraphStyle(
            "head_cell", base, fontName=BOLD, fontSize=SMALL_SIZE, leading=9, textColor=INK
        )
    )
    add(ParagraphStyle("head_cell_right", sheet["head_cell"], alignment=TA_RIGHT))
    add(ParagraphStyle("kicker", base, fontName=BOLD, fontSize=8, leading=10, textColor=ACCENT))
    add(ParagraphStyle("title", base, fontName=BOLD, fontSize=19, leading=23, spaceAfter=2))
    add(
        ParagraphStyle(
            "h2",
            base,
            fontName=BOLD,
            fontSize=12,
            leading=15,
            spaceBefore=10,
            spaceAfter=5,
            textColor=ACCENT,
        )
    )
    add(ParagraphStyle("h3", base, fontName=BOLD, fontSize=9.5, leading=12, spaceBefore=2))
    add(ParagraphStyle("big_number", base, fontName=BOLD, fontSize=30, leading=33))
    add(ParagraphStyle("label", base, fontSize=SMALL_SIZE, leading=9.5, textColor=MUTED))
    add(ParagraphStyle("value", base, fontName=BOLD, fontSize=10, leading=12.5))
    add(ParagraphStyle("notice", base, fontSize=11, leading=15))
    add(
        ParagraphStyle(
            "critical", base, fontName=BOLD, fontSize=8.5, leading=10.5, textColor=CRITICAL
        )
    )
    return sheet


#: The shared stylesheet; font names refer to reports.fonts and are resolved at render time.
STYLES = _stylesheet()


def widths(total: float, *fractions: float) -> list[float]:
    """Column widths as fractions of the frame width; the fractions must add up to 1."""
    assert abs(sum(fractions) - 1) < 1e-6, fractions
    return [total * fraction for fraction in fractions]


def table_style(*commands: tuple) -> TableStyle:
    """A TableStyle in the report font: a table draws its text cells, even empty ones, in
    Helvetica unless told otherwise, and that would put Helvetica into the PDF."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR), *commands])


def grid_table_style(header_rows: int = 1, extra: Sequence[tuple] = ()) -> TableStyle:
    """The look of every data table: a shaded header, thin rules between rows."""
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), REGULAR),
            ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("LEADING", (0, 0), (-1, -1), 10.5),
            ("TEXTCOLOR", (0, 0), (-1, -1), INK),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("FONTNAME", (0, 0), (-1, header_rows - 1), BOLD),
            ("FONTSIZE", (0, 0), (-1, header_rows - 1), SMALL_SIZE),
            ("BACKGROUND", (0, 0), (-1, header_rows - 1), SHADE),
            ("LINEBELOW", (0, header_rows - 1), (-1, header_rows - 1), 0.8, INK),
            ("LINEBELOW", (0, header_rows), (-1, -1), 0.25, LIGHT_RULE),
            *extra,
        ]
    )
