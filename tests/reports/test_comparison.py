"""The HQ comparison report: the league table as a landscape PDF."""

from __future__ import annotations

from reports import render_comparison_report
from reports.samples import sample_comparison

from .pdfs import read_pdf


def test_the_league_table_prints_ranks_flags_and_section_means_on_landscape_pages() -> None:
    data = sample_comparison("en", branches=120)

    pdf = read_pdf(render_comparison_report(data))

    width, height = pdf.page_sizes[0]
    assert width > height
    for page_number, text in enumerate(pdf.page_texts, start=1):
        assert f"Page {page_number} of {pdf.pages}" in text
        assert "Rank" in text  # the header row repeats on every page
    for row in data.rows:
        assert row.branch_code in pdf.text
    assert "too few visits" in pdf.text
    assert "Section means" in pdf.text
    for title in data.section_titles:
        assert title in pdf.flat_text
    assert "Whole network" in pdf.text


def test_an_area_report_in_czech_names_its_area() -> None:
    data = sample_comparison("cs", branches=6, scope="Jihomoravský kraj")

    pdf = read_pdf(render_comparison_report(data))

    assert "Jihomoravský kraj" in pdf.text
    assert "Pořadí poboček" in pdf.text
    assert "Brno Náměstí Svobody" in pdf.text


def test_no_branches_gives_a_short_report_that_says_so() -> None:
    pdf = read_pdf(render_comparison_report(sample_comparison("en", branches=0)))

    assert pdf.pages == 1
    assert "No branches to compare." in pdf.text
