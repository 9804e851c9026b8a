"""Reading the PDFs the tests make: every one passes qpdf's structural check first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO

import pikepdf
from pypdf import PdfReader


@dataclass(frozen=True)
class PdfFacts:
    page_texts: list[str]  # extracted text per page, non-breaking spaces made plain
    metadata: dict[str, str]
    fonts: dict[str, bool]  # base font name -> embedded as a TrueType font file
    page_sizes: list[tuple[float, float]]
    images: int  # image XObjects over all pages, counted once each

    @property
    def pages(self) -> int:
        return len(self.page_texts)

    @property
    def text(self) -> str:
        return "\n".join(self.page_texts)

    @property
    def flat_text(self) -> str:
        """All text with every run of whitespace made one space (lines wrap anywhere)."""
        return re.sub(r"\s+", " ", self.text)


def read_pdf(pdf: bytes) -> PdfFacts:
    """Checks the PDF's structure with qpdf (through pikepdf), then extracts what tests read."""
    assert pdf.startswith(b"%PDF-")
    with pikepdf.open(BytesIO(pdf)) as document:
        assert document.check_pdf_syntax() == []
    reader = PdfReader(BytesIO(pdf))
    fonts: dict[str, bool] = {}
    images: set[int] = set()
    for page in reader.pages:
        resources = page["/Resources"]
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            fonts[str(font["/BaseFont"])] = embedded
        for reference in resources.get("/XObject", {}).values():
            if reference.get_object().get("/Subtype") == "/Image":
                images.add(reference.idnum)
    metadata = {key: str(value) for key, value in (reader.metadata or {}).items()}
    return PdfFacts(
        page_texts=[page.extract_text().replace("\xa0", " ") for page in reader.pages],
        metadata=metadata,
        fonts=fonts,
        page_sizes=[(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages],
        images=len(images),
    )
