"""Every role against every endpoint: allowed roles succeed, others get 403 (function outside the
role) or 404 (object outside the scope, answered exactly like a missing one)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from server.models import Role

ALL = frozenset(Role)
NETWORK = frozenset({Role.ADMIN, Role.HQ})


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # {placeholders} are attributes of the world
    allowed: frozenset[Role]
    success: int = 200
    denied: int = 403  # what roles outside `allowed` get
    body: dict | None = field(default=None, hash=False)

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
]
PUBLIC = {("POST", "/api/v1/auth/token"), ("GET", "/api/v1/health")}


def call(client, world, case, headers):
    path = case.path.format(**vars(world))
    body = branch_body(world) if case.body == {"branch": True} else case.body
    return client.open(path, method=case.method, json=body, headers=headers)


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_role_against_endpoint(client, world, auth_header, role, case):
    response = call(client, world, case, auth_header(world.user(role)))
    expected = case.success if role in case.allowed else case.denied
    assert response.status_code == expected, response.get_json()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_anonymous_callers_get_401(client, world, case):
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


def test_no_list_leaks_a_foreign_branch(client, world, auth_header):
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

    return re.sub(r"\{[^}]+\}|<[^>]+>", "{id}", path)
