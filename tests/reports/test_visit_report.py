"""One visit as a PDF; the auditor is named in the HQ version only."""

from __future__ import annotations

from dataclasses import replace

from reports import render_visit_report
from reports.samples import sample_visit_report

from .pdfs import read_pdf

AUDITOR = "Zuzanna Wójcik-Kowalczyk"


def test_the_hq_version_names_the_auditor_and_the_branch_version_never_does() -> None:
    hq = render_visit_report(sample_visit_report("pl", auditor_name=AUDITOR))
    branch = render_visit_report(sample_visit_report("pl", auditor_name=None))

    hq_pdf, branch_pdf = read_pdf(hq), read_pdf(branch)
    assert AUDITOR in hq_pdf.text
    assert "Audytor" in hq_pdf.text
    for surname in (AUDITOR, "Wójcik", "Kowalczyk", "Zuzanna"):
        assert surname not in branch_pdf.text
        assert all(surname not in value for value in branch_pdf.metadata.values())
        assert surname.encode() not in branch and surname.encode("utf-16-be") not in branch
    assert "Audytor" not in branch_pdf.text
    assert all(AUDITOR not in value for value in hq_pdf.metadata.values())


def test_every_answer_is_printed_with_its_points_comment_and_photos() -> None:
    pdf = read_pdf(render_visit_report(sample_visit_report("en")))

    text = pdf.flat_text
    for printed in (
        "How long did you wait until a staff member started serving you? 5 min 47 s 0 / 4",
        "Not applicable",
        "5 / 5 – Accurate, complete and confident 4 / 4",
        "Hurriedly, with barely a word 1 / 3",
        "3 photos",
        "I waited almost six minutes at the only open counter",
        "Waiting time · 25.0%",
    ):
        assert printed in text
    assert pdf.images == 5
    assert f"Page 1 of {pdf.pages}" in pdf.text


def test_a_critical_failure_is_spelled_out_and_scores_zero() -> None:
    pdf = read_pdf(render_visit_report(sample_visit_report("nb", critical=True)))

    assert "KRITISK FEIL" in pdf.text
    assert "0,0 %" in pdf.text
    assert "Et kritisk spørsmål ble ikke oppfylt, så resultatet for besøket er satt til 0,0 %." in (
        pdf.flat_text
    )


def test_answers_and_comments_with_markup_and_long_free_text_are_printed_literally() -> None:
    data = sample_visit_report("en")
    long_text = "The staff <b>ignored</b> me & my kettle. " * 300 + "LAST-WORDS"
    answers = tuple(
        replace(row, value=long_text)
        if row.type == "text"
        else replace(row, comment="<font size=40>&nbsp;</font>")
        if row.comment
        else row
        for row in data.answers
    )

    pdf = read_pdf(render_visit_report(replace(data, answers=answers)))

    assert "<font size=40>&nbsp;</font>" in pdf.flat_text
    assert "The staff <b>ignored</b> me & my kettle." in pdf.flat_text
    assert "LAST-WORDS" in pdf.text
