"""Branch managers: their branch, its approved visits and findings, the scorecard PDF; never
who the auditor was."""

from __future__ import annotations

from server.models.types import utcnow
from tests.web.conftest import AUDITOR_NAME


def test_a_branch_manager_sees_approved_visits_without_the_auditor_and_gets_the_scorecard(
    open_browser, people, make_visit
):
    make_visit(people.lodz_1, quality="poor", decision="approve", days_ago=2)
    make_visit(people.lodz_1, decision="approve", days_ago=35)
    make_visit(people.lodz_1)  # still waiting for review: not for branch staff
    make_visit(people.lodz_2, decision="approve")  # another branch

    web = open_browser()
    page = web.page
    web.log_in(people.manager.email)
    cards = page.locator("#branch-cards li")
    cards.first.wait_for()
    assert cards.count() == 1
    page.get_by_role("link", name="Łódź Piotrkowska").click()
    visits = page.locator("#visits ul.visits > li")
    visits.first.wait_for()
    assert visits.count() == 2
    page.locator("#trend svg.chart").wait_for()

    weak = visits.first
    weak.locator("summary").click()
    with page.expect_download() as report:
        weak.get_by_role("button", name="Visit report (PDF)").click()
    with open(report.value.path(), "rb") as content:
        assert content.read(5) == b"%PDF-"
    assert "What lost points" in weak.inner_text()
    assert "Nikt nie odpowiedział na pytanie." in weak.inner_text()
    web.screenshot("manager-branch")
    assert AUDITOR_NAME not in page.content()

    page.get_by_role("textbox", name="Month").fill(utcnow().strftime("%Y-%m"))
    with page.expect_download() as download:
        page.get_by_role("button", name="Download scorecard (PDF)").click()
    pdf = download.value
    assert pdf.suggested_filename.endswith(".pdf")
    with open(pdf.path(), "rb") as content:
        assert content.read(5) == b"%PDF-"
    assert AUDITOR_NAME not in page.content()
