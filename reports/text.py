"""User text into reportlab Paragraphs, always escaped.

A Paragraph reads its text as reportlab's own markup: a branch called "<b>Bar & Grill" would turn
bold, lose its ampersand, or stop the rendering. Every text that comes from people goes through
`escape` (or `para`), and only the library's own tags are added around the escaped text.
"""

from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import escape as _xml_escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import paragraph as _rl_paragraph


class Paragraph(_rl_paragraph.Paragraph):
    """reportlab's Paragraph, its markup parsed once per process for each text and style.

    A batch of scorecards repeats most of its texts (labels, section and question titles);
    parsing them is a tenth of a scorecard's rendering time. Each Paragraph gets its own copies
    of the parsed fragments, so laying one out never touches another; the result is the same
    PDF, byte for byte.
    """

    def _setup(self, text, style, bulletText, frags, cleaner):  # noqa: N803 - reportlab's
        if frags is None and cleaner is _rl_paragraph.cleanBlockQuotedText:
            cleaned, parsed_style, parsed, bullet = _parse(text, style, self.caseSensitive)
            frags = [frag.clone() for frag in parsed]
            super()._setup(cleaned, parsed_style, bullet or bulletText, frags, cleaner)
            return
        super()._setup(text, style, bulletText, frags, cleaner)

    def wrap(self, availWidth, availHeight):  # noqa: N803 - reportlab's names
        """Laid out once per width: tables and KeepTogether ask the same cell two or three
        times, and the lines depend on the width alone."""
        last = self.__dict__.get("_last_wrap")
        if last is not None and last[0] == availWidth and last[1] is self.__dict__.get("blPara"):
            _, _, self.width, self.height, self._wrapWidths = last
            return self.width, self.height
        size = super().wrap(availWidth, availHeight)
        if "blPara" in self.__dict__:
            self._last_wrap = (availWidth, self.blPara, self.width, self.height, self._wrapWidths)
        return size


@lru_cache(maxsize=4096)
def _parse(text: str, style: ParagraphStyle, case_sensitive: int) -> tuple:
    """What Paragraph._setup makes of a text before layout: the cleaned text, the style, the
    fragments and the bullet's fragments."""
    probe = _rl_paragraph.Paragraph.__new__(_rl_paragraph.Paragraph)
    probe.caseSensitive = case_sensitive
    _rl_paragraph.Paragraph._setup(
        probe, text, style, None, None, _rl_paragraph.cleanBlockQuotedText
    )
    return probe.text, probe.style, tuple(probe.frags), probe.bulletText


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
