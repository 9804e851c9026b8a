"""Every role against every endpoint: allowed roles succeed, others get 403 (function outside the
role) or 404 (object outside the scope, answered exactly like a missing one)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from server.models import Role
from server.models.types import utcnow

ALL = frozenset(Role)
NETWORK = frozenset({Role.ADMIN, Role.HQ})
AUDITOR = frozenset({Role.AUDITOR})
PLANNED = NETWORK | AUDITOR  # who may read visit plans: never branch staff


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # {placeholders} are attributes of the world
    allowed: frozenset[Role]
    success: int = 200
    denied: int = 403  # what roles outside `allowed` get
    forbidden: frozenset[Role] = frozenset()  # roles refused 403 whatever `denied` says
    body: dict | Callable | None = field(default=None, hash=False)

    @property
    def needs_visits(self) -> bool:
        return any(
            part in self.path
            for part in (
                "/visits",
                "/photos",
                "/assignments",
                "/visit-plans",
                "/review-queue",
                "/audit-log",
            )
        )

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def branch_body(world):
    return {
        "code": "NEW-001",
        "name": "Šiauliai Tilžės g.",
        "country": "LT",
        "area_id": world.pl.id,
        "timezone": "Europe/Vilnius",
        "locale": "lt",
    }


CASES = [
    Case("GET", "/api/v1/me", ALL),
    Case("DELETE", "/api/v1/auth/token", ALL, success=204),
    Case("GET", "/api/v1/branches", ALL),
    Case("POST", "/api/v1/branches", NETWORK, success=201, body={"branch": True}),
    Case("GET", "/api/v1/branches/{lodz_1.id}", ALL),
    Case("GET", "/api/v1/branches/{tromso.id}", NETWORK, denied=404),
    Case("PATCH", "/api/v1/branches/{lodz_1.id}", NETWORK, body={"name": "Łódź Nowa"}),
    Case("GET", "/api/v1/areas", ALL),
    Case("POST", "/api/v1/areas", NETWORK, success=201, body={"code": "LT", "name": "Lietuva"}),
    Case("GET", "/api/v1/areas/{lodz.id}", ALL),
    Case("GET", "/api/v1/areas/{troms.id}", NETWORK, denied=404),
    Case("PATCH", "/api/v1/areas/{lodz.id}", NETWORK, body={"name": "Łódź miasto"}),
    Case("GET", "/api/v1/forms", ALL),
    Case("GET", "/api/v1/forms/{form_key}", ALL),
    Case("GET", "/api/v1/users", NETWORK),
    Case(
        "POST",
        "/api/v1/users",
        NETWORK,
        success=201,
        body={"email": "new@example.test", "password": "long enough pw", "role": "auditor"},
    ),
    Case("GET", "/api/v1/users/{auditor.id}", NETWORK),
    Case("PATCH", "/api/v1/users/{auditor.id}", NETWORK, body={"name": "Rūta"}),
    Case("GET", "/api/v1/visits", ALL),
    Case("POST", "/api/v1/visits", AUDITOR, success=201, body=lambda w: w.new_visit_body),
    Case("GET", "/api/v1/visits/{visit_id}", ALL),
    Case("GET", "/api/v1/visits/{foreign_visit_id}", NETWORK, denied=404),
    Case("DELETE", "/api/v1/visits/{visit_id}", NETWORK, success=204),
    Case("POST", "/api/v1/photos", AUDITOR, success=201, body={"content_type": "image/png"}),
    Case(
        "PUT",
        "/api/v1/photos/{reserved_photo_id}/content",
        AUDITOR,
        success=204,
        body=lambda w: w.jpeg,
    ),
    Case("POST", "/api/v1/photos/{photo_id}/complete", AUDITOR),
    Case("GET", "/api/v1/photos/{photo_id}", ALL),
    Case("GET", "/api/v1/photos/{photo_id}/thumbnail", ALL),
    Case("GET", "/api/v1/photos/{foreign_photo_id}", NETWORK, denied=404),
    Case("GET", "/api/v1/assignments", PLANNED),
    Case("POST", "/api/v1/assignments", NETWORK, success=201, body=lambda w: w.assignment_body),
    Case("GET", "/api/v1/assignments/{assignment_id}", PLANNED),
    Case("PATCH", "/api/v1/assignments/{assignment_id}", NETWORK, body={"scenario": "Kettle"}),
    Case("POST", "/api/v1/visit-plans", NETWORK, success=201, body=lambda w: w.plan_body),
    Case("GET", "/api/v1/review-queue", NETWORK),
    Case(
        "POST", "/api/v1/visits/{submitted_visit_id}/review", NETWORK, body={"decision": "approve"}
    ),
    Case(
        "POST",
        "/api/v1/visits/{returned_visit_id}/revisions",
        AUDITOR,
        success=201,
        body=lambda w: w.revision_body,
    ),
    Case("GET", "/api/v1/visits/{visit_id}/history", NETWORK),
    Case("GET", "/api/v1/audit-log", NETWORK),
    Case("GET", "/api/v1/branches/{lodz_1.id}/scorecard.pdf?period=2026-10", ALL - AUDITOR),
    Case(
        "GET",
        "/api/v1/branches/{tromso.id}/scorecard.pdf?period=2026-10",
        NETWORK,
        denied=404,
        forbidden=AUDITOR,
    ),
    Case("GET", "/api/v1/visits/{visit_id}/report.pdf", ALL),
    Case("GET", "/api/v1/comparison?period=2026-10", NETWORK | {Role.REGIONAL_MANAGER}),
    Case("GET", "/api/v1/comparison.csv?period=2026-10", NETWORK | {Role.REGIONAL_MANAGER}),
    Case("GET", "/api/v1/comparison.xlsx?period=2026-10", NETWORK | {Role.REGIONAL_MANAGER}),
    Case("GET", "/api/v1/comparison.pdf?period=2026-10", NETWORK | {Role.REGIONAL_MANAGER}),
    Case(
        "GET",
        "/api/v1/comparison?period=2026-10&area={troms.id}",
        NETWORK,
        denied=404,
        forbidden=frozenset({Role.BRANCH_MANAGER, Role.AUDITOR}),
    ),
    Case("GET", "/api/v1/heatmap?period=2026-10", NETWORK | {Role.REGIONAL_MANAGER}),
    Case("GET", "/api/v1/weakest-questions?period=2026-10", NETWORK | {Role.REGIONAL_MANAGER}),
    Case("GET", "/api/v1/trends?branch={lodz_1.id}", ALL - AUDITOR),
    Case("GET", "/api/v1/trends?branch={tromso.id}", NETWORK, denied=404, forbidden=AUDITOR),
]
PUBLIC = {("POST", "/api/v1/auth/token"), ("GET", "/api/v1/health")}


@pytest.fixture
def audited_world(world, client, auth_header, make_photo, visit_body, db, make_user, photo_bytes):
    """The world with visits: an approved one at Łódź by its auditor (with a photo), an
    approved one at Tromsø by a Norwegian auditor, a reserved photo and a ready visit body."""
    from server.models import Visit, VisitStatus

    def approved_visit(auditor, branch):
        headers = auth_header(auditor)
        photo_id = make_photo(headers)
        response = client.post(
            "/api/v1/visits", headers=headers, json=visit_body([photo_id], branch_id=branch.id)
        )
        visit = db.session.get(Visit, response.get_json()["id"])
        visit.status = VisitStatus.APPROVED
        db.session.commit()
        return visit.id, photo_id

    world.visit_id, world.photo_id = approved_visit(world.auditor, world.lodz_1)
    norwegian = make_user(Role.AUDITOR, areas=[world.no], name="Håkon Lie")
    world.foreign_visit_id, world.foreign_photo_id = approved_visit(norwegian, world.tromso)
    headers = auth_header(world.auditor)
    world.reserved_photo_id = client.post(
        "/api/v1/photos", json={"content_type": "image/jpeg"}, headers=headers
    ).get_json()["photo"]["id"]
    world.new_visit_body = visit_body([make_photo(headers)])
    world.jpeg = photo_bytes
    hq = auth_header(world.hq)
    world.submitted_visit_id = client.post(
        "/api/v1/visits", json=visit_body([make_photo(headers)]), headers=headers
    ).get_json()["id"]
    returned = visit_body([make_photo(headers)])
    world.returned_visit_id = client.post(
        "/api/v1/visits", json=returned, headers=headers
    ).get_json()["id"]
    client.post(
        f"/api/v1/visits/{world.returned_visit_id}/review",
        headers=hq,
        json={"decision": "return", "note": "Popraw zdjęcie"},
    )
    world.revision_body = {
        "revision_uuid": "3b0c7a52-52a1-4a43-9d59-5e8a2b0f0c11",
        **{k: returned[k] for k in ("started_at", "ended_at", "waiting_seconds", "answers")},
    }
    now = utcnow()
    world.assignment_body = {
        "branch_id": world.lodz_1.id,
        "form_key": "branch-visit",
        "auditor_id": world.auditor.id,
        "window_start": now.isoformat(),
        "window_end": (now + timedelta(days=7)).isoformat(),
    }
    world.assignment_id = client.post(
        "/api/v1/assignments", json=world.assignment_body, headers=hq
    ).get_json()["id"]
    world.plan_body = {
        "area_id": world.lodzkie.id,
        "form_key": "branch-visit",
        "visits_per_month": 1,
        "first_month": "2026-01",
        "last_month": "2026-02",
        "dry_run": True,
    }
    return world


def call(client, world, case, headers):
    path = case.path.format(**vars(world))
    body = case.body(world) if callable(case.body) else case.body
    if case.body == {"branch": True}:
        body = branch_body(world)
    if isinstance(body, bytes):
        return client.open(
            path, method=case.method, data=body, content_type="image/jpeg", headers=headers
        )
    return client.open(path, method=case.method, json=body, headers=headers)


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_role_against_endpoint(client, request, auth_header, role, case):
    world = request.getfixturevalue("audited_world" if case.needs_visits else "world")
    response = call(client, world, case, auth_header(world.user(role)))
    expected = case.success if role in case.allowed else case.denied
    if role in case.forbidden:
        expected = 403
    assert response.status_code == expected, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_anonymous_callers_get_401(client, request, case):
    world = request.getfixturevalue("audited_world" if case.needs_visits else "world")
    assert call(client, world, case, {}).status_code == 401


@pytest.mark.parametrize(
    "role", [Role.REGIONAL_MANAGER, Role.BRANCH_MANAGER, Role.AUDITOR], ids=lambda role: role.value
)
def test_foreign_ids_answer_exactly_like_missing_ones(client, world, auth_header, role):
    headers = auth_header(world.user(role))
    for path in ("/api/v1/branches/{}", "/api/v1/areas/{}"):
        foreign_id = world.tromso.id if "branches" in path else world.troms.id
        foreign = client.get(path.format(foreign_id), headers=headers)
        missing = client.get(path.format(987654), headers=headers)
        assert foreign.status_code == missing.status_code == 404
        assert foreign.get_json()["message"].replace(str(foreign_id), "N") == missing.get_json()[
            "message"
        ].replace("987654", "N")
        assert "Tromsø" not in foreign.get_data(as_text=True)


def test_no_list_leaks_a_foreign_branch(client, audited_world, auth_header):
    world = audited_world
    for role in (Role.REGIONAL_MANAGER, Role.BRANCH_MANAGER, Role.AUDITOR):
        headers = auth_header(world.user(role))
        for url in (
            "/api/v1/branches",
            "/api/v1/areas",
            "/api/v1/me",
            "/api/v1/branches?q=Troms",
            f"/api/v1/branches?area_id={world.no.id}",
        ):
            assert "Tromsø" not in client.get(url, headers=headers).get_data(as_text=True)


def test_the_matrix_covers_every_api_route(app):
    """A new endpoint must be added to CASES (or PUBLIC) before the suite passes."""
    covered = {(case.method, _template(case.path)) for case in CASES} | PUBLIC
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if not path.startswith("/api/v1/") or path.startswith(("/api/v1/docs", "/api/v1/openapi")):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, _template(path)) in covered, f"{method} {path} is not in the matrix"


def _template(path: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}|<[^>]+>", "{id}", path.split("?")[0])
