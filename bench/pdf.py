"""Benchmark: a realistic branch scorecard against a bare reportlab document, in one run.

    python bench/pdf.py [--runs 200] [--locale pl]

The scorecard (reports.render_branch_scorecard) has a header, headline, section bar chart, trend
chart, a question table, findings with six photo thumbnails and a visit list, in an embedded TTF
with "page N of M". The baseline is the same text, one table and the same six JPEGs laid out
with plain platypus (SimpleDocTemplate, Paragraphs, one Table, Images) in the same font: what any
reportlab document of that size costs. The target is a ratio of at most 1.5.

`sample_scorecard()` (re-exported from reports.samples) is the input the job-queue benchmark
can reuse.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypdf import PdfReader  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Table, TableStyle  # noqa: E402

from reports import BranchScorecard, register_fonts, render_branch_scorecard  # noqa: E402
from reports.fonts import BOLD, REGULAR  # noqa: E402
from reports.samples import sample_scorecard  # noqa: E402
from reports.text import escape  # noqa: E402

__all__ = ["bare_document", "printed_text", "sample_scorecard"]


def printed_text(pdf: bytes) -> list[str]:
    """The lines of text a PDF shows, as pypdf extracts them."""
    reader = PdfReader(BytesIO(pdf))
    return [line for page in reader.pages for line in page.extract_text().splitlines() if line]


def _table_rows(data: BranchScorecard, cell: ParagraphStyle) -> list[list]:
    rows: list[list] = [["Question", "Measure", "This period", "Previous", "Answers"]]
    rows += [
        [
            Paragraph(escape(q.question), cell),
            str(q.measure),
            f"{q.value:.1f}",
            f"{q.previous:.1f}",
            str(q.answers),
        ]
        for q in data.questions
    ]
    return rows


def bare_document(data: BranchScorecard, lines: Sequence[str]) -> bytes:
    """The baseline: as much text as the scorecard prints, as paragraphs and one table (the
    questions), and the same photos; plain platypus, the same embedded font."""
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=11.5)
    cell = ParagraphStyle("cell", body, fontSize=8.5, leading=10.5)
    rows = _table_rows(data, cell)
    budget = sum(len(line) for line in lines) - _table_chars(rows)
    story: list = []
    for line in lines:  # the scorecard's own lines until the same volume of text is reached
        if budget <= 0:
            break
        story.append(Paragraph(escape(line), body))
        budget -= len(line)
    table = Table(rows, colWidths=[95 * mm, 20 * mm, 20 * mm, 20 * mm, 15 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("FONTNAME", (0, 0), (-1, 0), BOLD),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, "grey"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    for finding in data.findings:
        story += [Image(BytesIO(photo.jpeg), 40 * mm, 30 * mm) for photo in finding.photos]
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, initialFontName=REGULAR).build(story)
    return buffer.getvalue()


def _table_chars(rows: list[list]) -> int:
    return sum(len(c.text if isinstance(c, Paragraph) else c) for row in rows for c in row)


def _timings(render: Callable[[], bytes], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        render()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--locale", default="pl")
    args = parser.parse_args()

    register_fonts()
    data = sample_scorecard(args.locale)
    photos = sum(len(finding.photos) for finding in data.findings)

    def scorecard() -> bytes:
        return render_branch_scorecard(data)

    lines = printed_text(render_branch_scorecard(data))

    def bare() -> bytes:
        return bare_document(data, lines)

    start = time.perf_counter()
    first = scorecard()
    first_ms = (time.perf_counter() - start) * 1000
    for _ in range(args.warmup):  # fonts, catalogs, imports and caches are warm after this
        scorecard()
        bare()

    # Interleaved blocks, so that a slow patch of the machine hits both alike.
    card_times: list[float] = []
    bare_times: list[float] = []
    block = 10
    for _ in range(0, args.runs, block):
        card_times += _timings(scorecard, block)
        bare_times += _timings(bare, block)

    card_ms = statistics.median(card_times) * 1000
    bare_ms = statistics.median(bare_times) * 1000
    print(
        f"scorecard: {len(first):,} bytes, {photos} photos, locale {args.locale}; "
        f"first render in this process {first_ms:.0f} ms"
    )
    bare_lines = printed_text(bare())
    print(
        f"text printed: scorecard {sum(map(len, lines)):,} characters, "
        f"bare {sum(map(len, bare_lines)):,}"
    )
    print(f"bare document: {len(bare()):,} bytes")
    print(
        f"median ms per document over {len(card_times)}: scorecard {card_ms:.1f}, "
        f"bare {bare_ms:.1f}"
    )
    print(
        f"documents per second over {len(card_times)}: "
        f"scorecard {len(card_times) / sum(card_times):.1f}, "
        f"bare {len(bare_times) / sum(bare_times):.1f}"
    )
    ratio = card_ms / bare_ms
    print(
        f"ratio scorecard / bare: {ratio:.2f} (target <= 1.5) "
        f"{'OK' if ratio <= 1.5 else 'ABOVE TARGET'}"
    )


if __name__ == "__main__":
    main()
