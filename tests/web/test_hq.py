"""HQ: the league table sorted by any column, and the QA review of a waiting visit."""

from __future__ import annotations

from datetime import timedelta

from server.models import Visit, VisitStatus
from server.models.types import utcnow

MEANS = "[...document.querySelectorAll('#league-table tbody tr')].map(r => r.cells[3].textContent)"


def as_numbers(texts: list[str]) -> list[float]:
    return [float(text.replace(",", ".")) for text in texts if text != "–"]


def test_hq_sorts_the_league_table_and_approves_a_visit_from_the_queue(
    open_browser, people, make_visit, db
):
    for branch, quality in [
        (people.lodz_1, "good"),
        (people.lodz_2, "poor"),
        (people.warsaw, "good"),
    ]:
        make_visit(branch, quality=quality, decision="approve", days_ago=1)
    waiting = make_visit(people.pabianice, days_ago=1)
    period = (utcnow() - timedelta(days=1)).strftime("%Y-%m")

    web = open_browser()
    page = web.page
    web.log_in(people.hq.email)
    web.go(f"/league?period={period}")
    rows = page.locator("#league-table tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(people.branches)  # every branch, even those without visits
    assert "Too few visits" in page.locator("#league-table").inner_text()

    mean = page.get_by_role("button", name="Mean")
    mean.click()
    assert page.locator("th", has=mean).get_attribute("aria-sort") == "ascending"
    ascending = page.evaluate(MEANS)
    assert as_numbers(ascending) == sorted(as_numbers(ascending))
    assert ascending[-1] == "–"  # the branch without approved visits stays last
    mean.click()
    assert page.locator("th", has=mean).get_attribute("aria-sort") == "descending"
    descending = as_numbers(page.evaluate(MEANS))
    assert descending == sorted(descending, reverse=True) and len(descending) == 3
    web.screenshot("hq-league")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    with open(download.value.path(), encoding="utf-8-sig") as export:
        assert "Łódź Piotrkowska" in export.read()

    web.go("/review")
    queue = page.locator("#review-table tbody tr")
    queue.first.wait_for()
    assert queue.count() == 1
    queue.get_by_role("link", name="Pabianice Zamkowa").click()
    flags = page.locator("#flags li")
    flags.first.wait_for()
    assert flags.count() >= 1 and flags.first.locator("p").inner_text()
    web.wait_until(
        "[...document.querySelectorAll('#answers img')].some(i => i.complete && i.naturalWidth)"
    )
    web.screenshot("hq-review")
    page.get_by_role("button", name="Approve").click()
    page.get_by_text("Nothing is waiting for review.").wait_for()

    db.session.rollback()
    assert db.session.get(Visit, waiting).status == VisitStatus.APPROVED
