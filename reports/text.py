"""User text into reportlab Paragraphs, always escaped.

A Paragraph reads its text as reportlab's own markup: a branch called "<b>Bar & Grill" would turn
bold, lose its ampersand, or stop the rendering. Every text that comes from people goes through
`escape` (or `para`), and only the library's own tags are added around the escaped text.
"""

from __future__ import annotations

from xml.sax.saxutils import escape as _xml_escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph


def escape(text: str) -> str:
    """Text for a Paragraph, printed literally; line breaks are kept."""
    escaped = _xml_escape(text.replace("\r\n", "\n").replace("\r", "\n"))
    return escaped.replace("\n", "<br/>")


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of user (or label) text, printed literally."""
    return Paragraph(escape(text), style)


def bold(text: str) -> str:
    """Escaped text in bold, to be joined with other escaped pieces."""
    return f"<b>{escape(text)}</b>"
