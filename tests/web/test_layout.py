"""Every main page fits a 360 px phone screen without sideways scrolling (wide tables scroll
inside their own box), and is saved as a screenshot under tests/screenshots/ for a look."""

from __future__ import annotations

from datetime import timedelta

import pytest

from server.models.types import utcnow

PHONE = 360
SETTLED = "document.querySelector('main .page') && !document.querySelector('main .loading')"
# Every form control and button has a name a screen reader can say.
UNNAMED = """[...document.querySelectorAll('input, select, textarea, button')].filter(el =>
  !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
  && !el.getAttribute('aria-labelledby') && !(el.tagName === 'BUTTON' && el.textContent.trim())
).map(el => el.outerHTML.slice(0, 120))"""


@pytest.fixture
def network(people, make_visit, make_assignment):
    make_assignment(people.lodz_1)
    make_visit(people.lodz_1, decision="approve", days_ago=1)
    make_visit(people.lodz_2, quality="poor", decision="approve", days_ago=1)
    returned = make_visit(people.warsaw, decision="return", days_ago=1)
    waiting = make_visit(people.pabianice, days_ago=1)
    return {"returned": returned, "waiting": waiting}


def pages_of(role: str, people, network) -> list[tuple[str, str]]:
    period = (utcnow() - timedelta(days=1)).strftime("%Y-%m")
    if role == "auditor":
        return [
            ("home", "/"),
            ("new-visit", f"/new?branch={people.lodz_1.id}&form=branch-visit"),
            ("returned", f"/returned/{network['returned']}"),
            ("outbox", "/outbox"),
        ]
    if role == "manager":
        return [("branches", "/"), ("branch", f"/branch/{people.lodz_1.id}")]
    return [
        ("league", f"/league?period={period}"),
        ("heatmap", f"/heatmap?period={period}"),
        ("trends", f"/trends?target=branch:{people.lodz_1.id}"),
        ("weakest", f"/weakest?period={period}"),
        ("review-queue", "/review"),
        ("review", f"/review/{network['waiting']}"),
    ]


@pytest.mark.parametrize("role", ["auditor", "manager", "hq"])
def test_main_pages_fit_a_360_px_screen(open_browser, people, network, role):
    web = open_browser(width=PHONE)
    user = {"auditor": people.auditor, "manager": people.manager, "hq": people.hq}[role]
    web.log_in(user.email)
    for name, path in pages_of(role, people, network):
        web.go(path)
        web.wait_until(SETTLED)
        web.page.wait_for_timeout(150)  # charts and thumbnails settle
        web.screenshot(f"{PHONE}-{role}-{name}")
        assert web.scroll_width() <= PHONE, f"{path} scrolls sideways at {PHONE} px"
        assert web.page.locator("h1").count() == 1, path
        assert web.page.evaluate(UNNAMED) == [], path
