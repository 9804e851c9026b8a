"""The branch scorecard, read back from the PDF as a branch manager would read it."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest

from reports import Comment, Photo, SectionResult, TrendPoint, render_branch_scorecard
from reports.document import AUTHOR, CREATOR
from reports.samples import BRANCHES

from .factories import make_branch, make_headline, make_scorecard, many_findings, many_visits
from .pdfs import read_pdf

#: language -> (title label, "page 1 of N" as printed, the headline score 87.45 as printed)
PRINTED = {
    "en": ("Branch scorecard", "Page 1 of", "87.5%"),
    "cs": ("Výsledková karta pobočky", "Strana 1 z", "87,5 %"),
    "hu": ("Fiók értékelőlapja", "1. oldal /", "87,5%"),
    "lt": ("Filialo vertinimo kortelė", "Puslapis 1 iš", "87,5 %"),
    "nb": ("Resultatkort for filialen", "Side 1 av", "87,5 %"),
    "pl": ("Karta wyników placówki", "Strona 1 z", "87,5%"),
}


@pytest.mark.parametrize("language", sorted(PRINTED))
def test_the_scorecard_prints_names_labels_and_scores_exactly_in_each_language(language) -> None:
    title, page, score = PRINTED[language]
    data = make_headline(make_scorecard(language), score=Decimal("87.45"))

    pdf = read_pdf(render_branch_scorecard(data))

    branch = BRANCHES[language]
    for text in (branch.name, branch.address, branch.area, title, page, score):
        assert text in pdf.text
    assert pdf.page_sizes[0] == pytest.approx((595.28, 841.89), abs=0.01)  # A4


def test_every_letter_of_the_six_languages_survives_into_the_text() -> None:
    letters = "Łódź Šiauliai Győr Tromsø Náměstí Svobody ą ę ń ś ź ż ě ř ů ő ű ė ų ū į æ ø å"
    data = make_scorecard("pl")
    finding = replace(data.findings[1], comments=(Comment(letters, data.visits[0].visited_on),))
    data = replace(data, findings=(finding,))

    assert letters in read_pdf(render_branch_scorecard(data)).flat_text


def test_only_the_embedded_truetype_family_is_used_never_helvetica() -> None:
    for data in (make_scorecard("cs"), make_headline(make_scorecard("hu"), visits=0)):
        fonts = read_pdf(render_branch_scorecard(data)).fonts
        assert fonts and all(fonts.values()), fonts  # each one embedded (FontFile2)
        assert all(re.fullmatch(r"/[A-Z]{6}\+SourceSansPro-\w+", name) for name in fonts), fonts


def test_the_metadata_names_the_branch_and_period_but_no_person() -> None:
    metadata = read_pdf(render_branch_scorecard(make_scorecard("pl"))).metadata

    assert metadata["/Title"] == (
        "Karta wyników placówki: Łódź Piotrkowska (PL-LDZ-001), październik 2026"
    )
    assert metadata["/Subject"] == "Wizyta w placówce, październik 2026"
    assert (metadata["/Author"], metadata["/Creator"]) == (AUTHOR, CREATOR)


def test_page_numbers_count_every_page_when_findings_comments_and_visits_run_long() -> None:
    comment = "The queue did not move while staff talked among themselves. " * 12
    data = make_scorecard("en", findings=many_findings(14, comment), visits=many_visits(150))

    pdf = read_pdf(render_branch_scorecard(data))

    assert pdf.pages >= 8
    for number, text in enumerate(pdf.page_texts, start=1):
        assert f"Page {number} of {pdf.pages}" in text
    assert "(finding 14, second)" in pdf.flat_text
    assert "V-00149" in pdf.text


def test_a_comment_longer_than_a_page_flows_on_to_the_next_page() -> None:
    long_comment = " ".join(f"word{index}" for index in range(2500)) + " THE-END"
    data = make_scorecard("en")
    finding = replace(
        data.findings[1], comments=(Comment(long_comment, data.visits[0].visited_on),)
    )

    pdf = read_pdf(render_branch_scorecard(replace(data, findings=(finding,))))

    assert "THE-END" in pdf.text
    assert "word1234" in pdf.text


def test_a_period_without_approved_visits_gives_one_page_that_says_so() -> None:
    data = make_headline(make_scorecard("en"), visits=0, score=None)

    pdf = read_pdf(render_branch_scorecard(data))

    assert pdf.pages == 1
    assert "No approved visits in October 2026." in pdf.text
    assert "Page 1 of 1" in pdf.text


def test_an_empty_period_with_no_data_at_all_is_still_one_page() -> None:
    data = make_headline(make_scorecard("nb", trend=(), sections=(), questions=()), visits=0)

    pdf = read_pdf(render_branch_scorecard(data))

    assert pdf.pages == 1
    assert "Ingen godkjente besøk i oktober 2026." in pdf.text


def test_user_text_with_markup_is_printed_literally() -> None:
    name = "<b>Bar & Grill</b> <font color='red'>Łódź</font> 1 < 2 > 0 &amp;"
    data = make_branch(make_scorecard("en"), name=name, address="ul. <i>Nowa</i> & Co")
    finding = replace(
        data.findings[1],
        question="Was <br/> & <para> shown?",
        comments=(Comment("a < b & c > d <u>x</u>", data.visits[0].visited_on),),
    )
    data = replace(data, findings=(finding,), form_title="<strike>Form</strike>")

    pdf = read_pdf(render_branch_scorecard(data))

    for text in (
        name,
        "ul. <i>Nowa</i> & Co",
        "Was <br/> & <para> shown?",
        "a < b & c > d <u>x</u>",
        "<strike>Form</strike>",
    ):
        assert text in pdf.flat_text
    assert pdf.metadata["/Title"].startswith(f"Branch scorecard: {name}")


def test_a_critical_failure_is_spelled_out_not_only_coloured() -> None:
    with_failure = read_pdf(render_branch_scorecard(make_scorecard("en")))
    without = read_pdf(
        render_branch_scorecard(replace(make_scorecard("en"), findings=(), visits=many_visits(3)))
    )

    assert "CRITICAL FAILURES" in with_failure.text
    assert "Each of these visits was scored 0.0% because a critical question failed." in (
        with_failure.flat_text
    )
    assert "CRITICAL FAILURES" not in without.text


def test_the_six_photo_thumbnails_are_embedded() -> None:
    pdf = read_pdf(render_branch_scorecard(make_scorecard("en")))

    assert pdf.images == 6


def test_an_unreadable_photo_is_noted_instead_of_failing_the_scorecard() -> None:
    data = make_scorecard("en")
    finding = replace(data.findings[1], photos=(Photo(b"not a jpeg"), data.findings[1].photos[0]))

    pdf = read_pdf(render_branch_scorecard(replace(data, findings=(finding,))))

    assert "Photo unavailable" in pdf.text
    assert pdf.images == 1


def test_missing_scores_print_as_dashes() -> None:
    data = make_scorecard("en")
    data = replace(
        make_headline(data, previous_score=None, area_rank=None, network_average=None),
        sections=(SectionResult("Premises", None, None), *data.sections[1:]),
        trend=tuple(TrendPoint(point.period, None) for point in data.trend[:-1])
        + (data.trend[-1],),
        questions=tuple(replace(q, value=None, previous=None) for q in data.questions),
    )

    pdf = read_pdf(render_branch_scorecard(data))

    assert "Change since the previous period\n–" in pdf.text
    assert "Rank in the area\n–" in pdf.text
