"""The page frame shared by every report: A4, a running header, a "page N of M" footer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from reports.fonts import BOLD, REGULAR, register_fonts
from reports.i18n import ReportLocale
from reports.styles import INK, MUTED, RULE

#: Who the PDF says made it. Never a person: an auditor's name must not reach a PDF's metadata.
AUTHOR = "Mystery-shopper audit platform"
CREATOR = "Mystery-shopper audit platform (reports, reportlab)"

_MARGIN_X = 16 * mm
_MARGIN_TOP = 20 * mm
_MARGIN_BOTTOM = 17 * mm
_HEADER_Y = 11 * mm  # from the top edge
_FOOTER_Y = 9 * mm  # from the bottom edge


@dataclass(frozen=True)
class Layout:
    """A page size and the frame inside it."""

    pagesize: tuple[float, float]

    @property
    def width(self) -> float:
        """The frame width: every column width is a fraction of this."""
        return self.pagesize[0] - 2 * _MARGIN_X

    @property
    def height(self) -> float:
        return self.pagesize[1] - _MARGIN_TOP - _MARGIN_BOTTOM


PORTRAIT = Layout(A4)
LANDSCAPE = Layout(landscape(A4))


@dataclass(frozen=True)
class DocumentInfo:
    """What is printed around every page and written into the PDF's metadata."""

    title: str  # metadata title, e.g. "Branch scorecard: Łódź Piotrkowska, October 2026"
    subject: str  # metadata subject
    header_left: str  # running header, left: the kind of report
    header_right: str  # running header, right: what it is about
    footer_left: str  # e.g. "Generated on 3 Oct 2026"
    keywords: tuple[str, ...] = ()


def _numbered_canvas(loc: ReportLocale, pagesize: tuple[float, float]) -> type[Canvas]:
    """A canvas class that holds pages back until the end, then writes "page N of M" on each."""
    label = loc._("Page {page} of {pages}")
    right = pagesize[0] - _MARGIN_X

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFont(REGULAR, 7.5)
                self.setFillColor(MUTED)
                text = label.format(page=loc.integer(number), pages=loc.integer(total))
                self.drawRightString(right, _FOOTER_Y, text)
                super().showPage()
            super().save()

    return NumberedCanvas


class ReportDocument(BaseDocTemplate):
    """One report: the frame, the running header and footer, the metadata."""

    def __init__(
        self, buffer: BytesIO, info: DocumentInfo, loc: ReportLocale, layout: Layout = PORTRAIT
    ) -> None:
        super().__init__(
            buffer,
            pagesize=layout.pagesize,
            leftMargin=_MARGIN_X,
            rightMargin=_MARGIN_X,
            topMargin=_MARGIN_TOP,
            bottomMargin=_MARGIN_BOTTOM,
            title=info.title,
            subject=info.subject,
            author=AUTHOR,
            creator=CREATOR,
            keywords=list(info.keywords),
            lang=loc.language,
            # The canvas's first font would otherwise be Helvetica, written into every page.
            initialFontName=REGULAR,
        )
        self.info = info
        self.loc = loc
        self.layout = layout
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])

    def _decorate(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        width, height = self.layout.pagesize
        left, right = _MARGIN_X, width - _MARGIN_X
        canvas.saveState()
        top = height - _HEADER_Y
        canvas.setFont(BOLD, 7.5)
        canvas.setFillColor(INK)
        canvas.drawString(left, top, self.info.header_left)
        canvas.setFont(REGULAR, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(
            right, top, _fit(canvas, self.info.header_right, (right - left) * 0.65)
        )
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        canvas.line(left, top - 2.5 * mm, right, top - 2.5 * mm)
        canvas.line(left, _FOOTER_Y + 3.5 * mm, right, _FOOTER_Y + 3.5 * mm)
        canvas.drawString(left, _FOOTER_Y, self.info.footer_left)
        canvas.restoreState()


def _fit(canvas: Canvas, text: str, width: float) -> str:
    """Shortens a header text with an ellipsis so it never runs into the left header."""
    if canvas.stringWidth(text) <= width:
        return text
    while text and canvas.stringWidth(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def build_pdf(
    flowables: Sequence[Flowable], info: DocumentInfo, loc: ReportLocale, layout: Layout = PORTRAIT
) -> bytes:
    """Lays the flowables out on pages and returns the PDF."""
    register_fonts()
    buffer = BytesIO()
    document = ReportDocument(buffer, info, loc, layout)
    document.build(list(flowables), canvasmaker=_numbered_canvas(loc, layout.pagesize))
    return buffer.getvalue()
