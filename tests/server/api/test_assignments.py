"""Visit plans: single assignments, bulk plans with the rotation (lockout) rule."""

from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.models import Assignment, Role
from server.models.types import utcnow


@pytest.fixture
def hq_headers(world, auth_header):
    return auth_header(world.hq)


def assignment_body(world, **overrides):
    now = utcnow()
    return {
        "branch_id": world.lodz_1.id,
        "form_key": "branch-visit",
        "auditor_id": world.auditor.id,
        "window_start": (now - timedelta(days=1)).isoformat(),
        "window_end": (now + timedelta(days=6)).isoformat(),
        "scenario": "Zapytaj o kredyt hipoteczny",
        **overrides,
    }


def test_hq_creates_an_assignment_the_auditor_sees(client, world, hq_headers, auth_header):
    created = client.post("/api/v1/assignments", json=assignment_body(world), headers=hq_headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["state"] == "open"
    mine = client.get(
        "/api/v1/assignments?state=open", headers=auth_header(world.auditor)
    ).get_json()
    assert [a["scenario"] for a in mine] == ["Zapytaj o kredyt hipoteczny"]


def test_auditors_see_only_their_own_assignments(client, world, hq_headers, make_user, auth_header):
    assignment_id = client.post(
        "/api/v1/assignments", json=assignment_body(world), headers=hq_headers
    ).get_json()["id"]
    other = auth_header(make_user(Role.AUDITOR, areas=[world.pl]))
    assert client.get("/api/v1/assignments", headers=other).get_json() == []
    assert client.get(f"/api/v1/assignments/{assignment_id}", headers=other).status_code == 404


def test_branch_staff_never_see_assignments(client, world, hq_headers, auth_header):
    client.post("/api/v1/assignments", json=assignment_body(world), headers=hq_headers)
    for user in (world.manager, world.regional):
        assert client.get("/api/v1/assignments", headers=auth_header(user)).status_code == 403


def test_a_visit_for_an_assignment_marks_it_done(
    client, world, hq_headers, auth_header, visit_body, make_photo
):
    assignment_id = client.post(
        "/api/v1/assignments", headers=hq_headers, json=assignment_body(world)
    ).get_json()["id"]
    headers = auth_header(world.auditor)
    body = visit_body([make_photo(headers)], assignment_id=assignment_id)
    visit = client.post("/api/v1/visits", json=body, headers=headers)
    assert visit.status_code == 201, visit.get_json()
    assignment = client.get(f"/api/v1/assignments/{assignment_id}", headers=headers).get_json()
    assert assignment["state"] == "done" and assignment["visit_id"] == visit.get_json()["id"]
    again = client.post(
        "/api/v1/visits",
        headers=headers,
        json=visit_body([make_photo(headers)], assignment_id=assignment_id),
    )
    assert again.status_code == 422 and "assignment_id" in again.get_json()["errors"]


def test_an_assignment_lets_an_auditor_visit_outside_their_scope(
    client, world, hq_headers, auth_header, visit_body, make_photo
):
    assignment_id = client.post(
        "/api/v1/assignments",
        headers=hq_headers,
        json=assignment_body(world, branch_id=world.tromso.id),
    ).get_json()["id"]
    headers = auth_header(world.auditor)
    without = client.post(
        "/api/v1/visits",
        headers=headers,
        json=visit_body([make_photo(headers)], branch_id=world.tromso.id),
    )
    assert without.status_code == 422
    with_it = client.post(
        "/api/v1/visits",
        headers=headers,
        json=visit_body(
            [make_photo(headers)], branch_id=world.tromso.id, assignment_id=assignment_id
        ),
    )
    assert with_it.status_code == 201, with_it.get_json()


def test_windows_that_pass_unvisited_expire(client, world, hq_headers):
    past = utcnow() - timedelta(days=10)
    body = assignment_body(
        world, window_start=(past - timedelta(days=5)).isoformat(), window_end=past.isoformat()
    )
    created = client.post("/api/v1/assignments", json=body, headers=hq_headers).get_json()
    assert created["state"] == "expired"
    expired = client.get("/api/v1/assignments?state=expired", headers=hq_headers).get_json()
    assert [a["id"] for a in expired] == [created["id"]]


def test_cancel_and_only_open_ones_change(client, world, hq_headers):
    assignment_id = client.post(
        "/api/v1/assignments", json=assignment_body(world), headers=hq_headers
    ).get_json()["id"]
    url = f"/api/v1/assignments/{assignment_id}"
    cancelled = client.patch(url, json={"cancelled": True}, headers=hq_headers)
    assert cancelled.get_json()["state"] == "cancelled"
    again = client.patch(url, json={"scenario": "x"}, headers=hq_headers)
    assert again.status_code == 409 and again.get_json()["errors"]["state"] == ["cancelled"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"auditor_id": 0}, "auditor_id"),
        ({"branch_id": 999999}, "branch_id"),
        ({"form_key": "nope"}, "form_key"),
    ],
)
def test_bad_assignments_are_422(client, world, hq_headers, change, field):
    response = client.post(
        "/api/v1/assignments", json=assignment_body(world, **change), headers=hq_headers
    )
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_an_hq_user_is_not_an_auditor(client, world, hq_headers):
    response = client.post(
        "/api/v1/assignments",
        json=assignment_body(world, auditor_id=world.hq.id),
        headers=hq_headers,
    )
    assert response.status_code == 422


# Bulk plans ------------------------------------------------------------------------------------


@pytest.fixture
def auditors(world, make_user):
    """Three auditors for Łódzkie (plus the world's auditor, who covers all of PL)."""
    return [make_user(Role.AUDITOR, areas=[world.lodzkie], name=f"Audytor {n}") for n in range(3)]


def plan(client, headers, world, **overrides):
    body = {
        "area_id": world.lodzkie.id,
        "form_key": "branch-visit",
        "visits_per_month": 1,
        "first_month": "2026-01",
        "last_month": "2026-12",
        "lockout_days": 90,
        "scenario": "Zwrot wadliwego czajnika",
        **overrides,
    }
    return client.post("/api/v1/visit-plans", json=body, headers=headers)


def test_a_year_plan_never_breaks_the_lockout_and_spreads_the_work(
    client, world, hq_headers, auditors, db
):
    response = plan(client, hq_headers, world)
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert result["unassigned"] == []
    assert result["assignments_created"] == 3 * 12  # 3 branches in Łódzkie, every month
    rows = db.session.scalars(select(Assignment).where(Assignment.plan_id == result["id"])).all()
    by_pair = defaultdict(list)
    for row in rows:
        by_pair[(row.auditor_id, row.branch_id)].append(row.window_start)
    for starts in by_pair.values():
        starts.sort()
        for earlier, later in zip(starts, starts[1:], strict=False):
            assert later - earlier >= timedelta(days=90)
    loads = sorted(result["assignments_by_auditor"].values())
    assert loads[-1] - loads[0] <= 1  # four auditors, 36 visits: 9 each


def test_an_impossible_plan_lists_the_branches_it_could_not_cover(client, world, hq_headers, db):
    # Only the world's auditor covers Łódzkie: three visits a month to the same branches
    # cannot respect a 90-day lockout.
    response = plan(
        client, hq_headers, world, first_month="2026-01", last_month="2026-03", visits_per_month=2
    )
    result = response.get_json()
    assert result["assignments_created"] == 3
    unassigned = result["unassigned"]
    assert len(unassigned) == 3 * 6 - 3
    assert {u["branch_code"] for u in unassigned} == {"PL-LDZ-001", "PL-LDZ-002", "PL-LDZ-004"}
    assert all("90-day lockout" in u["reason"] for u in unassigned)


def test_a_branch_no_auditor_covers_is_reported(client, world, hq_headers):
    response = plan(client, hq_headers, world, area_id=world.no.id, last_month="2026-01")
    result = response.get_json()
    assert result["assignments_created"] == 0
    assert result["unassigned"][0]["branch_code"] == "NO-TOS-001"
    assert "no active auditor" in result["unassigned"][0]["reason"]


def test_a_dry_run_writes_nothing(client, world, hq_headers, auditors, db):
    result = plan(client, hq_headers, world, dry_run=True).get_json()
    assert result["id"] is None and result["assignments_created"] == 0
    assert db.session.scalar(select(Assignment.id)) is None


def test_earlier_visits_count_for_the_lockout(
    client, world, hq_headers, auth_header, visit_body, make_photo, db
):
    headers = auth_header(world.auditor)
    client.post("/api/v1/visits", json=visit_body([make_photo(headers)]), headers=headers)
    month = utcnow().strftime("%Y-%m")
    result = plan(client, hq_headers, world, first_month=month, last_month=month).get_json()
    assert "PL-LDZ-001" in {u["branch_code"] for u in result["unassigned"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_month": "2026-13"}, "first_month"),
        ({"visits_per_month": 0}, "visits_per_month"),
        ({"lockout_days": -1}, "lockout_days"),
    ],
)
def test_bad_plans_are_422(client, world, hq_headers, change, field):
    response = plan(client, hq_headers, world, **change)
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"]


def test_an_empty_month_range_is_422(client, world, hq_headers):
    response = plan(client, hq_headers, world, first_month="2026-05", last_month="2026-01")
    assert response.status_code == 422 and "last_month" in response.get_json()["errors"]


def test_a_plan_longer_than_two_years_is_422_and_creates_nothing(client, world, hq_headers, db):
    response = plan(client, hq_headers, world, first_month="2026-01", last_month="2099-12")
    assert response.status_code == 422
    assert "24 months" in response.get_json()["errors"]["last_month"][0]
    assert db.session.scalar(select(Assignment.id)) is None
