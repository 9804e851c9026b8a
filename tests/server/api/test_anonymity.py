"""Branch and regional managers never learn who audited them, nor what is planned."""

import json
import re
from datetime import timedelta

import pytest

from server.models import Role, Visit, VisitStatus
from server.models.types import utcnow

SECRET_NAME = "Zbigniew Tajemniczy-Szpieg"
SECRET_EMAIL = "zbigniew.szpieg@undercover.example"
QUERY_DEFAULTS = {
    "period": utcnow().strftime("%Y-%m"),
    "from": "2025-01",
    "to": utcnow().strftime("%Y-%m"),
}
FORBIDDEN_KEYS = re.compile(
    r"auditor|assignment|client_uuid|gps|device|app_version|window|"
    r"scenario|revision_uuid"
)


@pytest.fixture
def secret_world(world, make_user, auth_header, client, visit_body, make_photo, db):
    auditor = make_user(Role.AUDITOR, areas=[world.pl], name=SECRET_NAME, email=SECRET_EMAIL)
    headers = auth_header(auditor)
    hq = auth_header(world.hq)
    visit_ids = []
    for branch in (world.lodz_1, world.lodz_2):
        body = visit_body([make_photo(headers)], branch_id=branch.id)
        body["answers"]["overall_comment"] = {"value": "Obsługa w porządku."}
        visit_ids.append(client.post("/api/v1/visits", json=body, headers=headers).get_json()["id"])
    for visit_id in visit_ids:
        client.post(f"/api/v1/visits/{visit_id}/review", json={"decision": "approve"}, headers=hq)
    now = utcnow()
    assignment = client.post(
        "/api/v1/assignments",
        headers=hq,
        json={
            "branch_id": world.lodz_1.id,
            "form_key": "branch-visit",
            "auditor_id": auditor.id,
            "window_start": now.isoformat(),
            "window_end": (now + timedelta(days=9)).isoformat(),
            "scenario": "Tajny scenariusz: reklamacja czajnika",
        },
    ).get_json()
    visit = db.session.get(Visit, visit_ids[0])
    assert visit.status == VisitStatus.APPROVED
    world.secret_auditor = auditor
    world.values = {
        "branch_id": world.lodz_1.id,
        "visit_id": visit_ids[0],
        "photo_id": visit.photos[0].id,
        "area_id": world.lodz.id,
        "key": "branch-visit",
        "user_id": auditor.id,
        "assignment_id": assignment["id"],
    }
    return world


def every_get_url(app, values):
    """(url with real ids, the OpenAPI path it is documented under) for every GET route."""
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/api/v1/"):
            continue
        if rule.rule.startswith(("/api/v1/docs", "/api/v1/openapi")):
            continue
        url = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: str(values[m.group(1)]), rule.rule)
        yield url, re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)


def fetch(client, url, headers, declared, values):
    """GET the url; when it is refused for its query, GET it with the usual values of the
    parameters its OpenAPI entry declares."""
    response = client.get(url, headers=headers)
    if response.status_code != 422:
        return response
    defaults = {**QUERY_DEFAULTS, "branch": values["branch_id"]}
    query = "&".join(f"{name}={defaults[name]}" for name in declared if name in defaults)
    return client.get(f"{url}?{query}", headers=headers)


def declared_query(spec, path):
    operation = spec["paths"].get(path, {}).get("get", {})
    return [p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"]


def forbidden_keys(value, path="$"):
    if isinstance(value, dict):
        for key, item in value.items():
            if FORBIDDEN_KEYS.search(key):
                yield f"{path}.{key}"
            yield from forbidden_keys(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from forbidden_keys(item, f"{path}[{n}]")


@pytest.mark.parametrize("role", [Role.BRANCH_MANAGER, Role.REGIONAL_MANAGER])
def test_no_endpoint_reveals_the_auditor_or_the_plan(app, client, secret_world, auth_header, role):
    headers = auth_header(secret_world.user(role))
    urls = list(every_get_url(app, secret_world.values))
    assert len(urls) >= 15
    answered = 0
    spec = client.get("/api/v1/openapi.json").get_json()
    for url, path in urls:
        declared = declared_query(spec, path)
        response = fetch(client, url, headers, declared, secret_world.values)
        body = response.get_data()
        assert SECRET_NAME.encode() not in body, url
        assert SECRET_EMAIL.encode() not in body, url
        assert b"Tajny scenariusz" not in body, url
        if response.status_code == 200 and response.is_json:
            answered += 1
            assert list(forbidden_keys(response.get_json())) == [], url
        elif response.status_code not in (200, 302):
            assert response.status_code in (403, 404), (url, response.status_code)
    assert answered >= 8
    visits = client.get("/api/v1/visits", headers=headers).get_json()
    # The branch manager has Łódź Piotrkowska; the regional manager all of Łódzkie.
    assert len(visits) == (1 if role == Role.BRANCH_MANAGER else 2)
    assert all(v["status"] == "approved" for v in visits)


def test_hq_does_see_the_auditor(client, secret_world, auth_header):
    visit = client.get(
        f"/api/v1/visits/{secret_world.values['visit_id']}", headers=auth_header(secret_world.hq)
    ).get_json()
    assert visit["auditor"]["name"] == SECRET_NAME


def test_branch_staff_may_be_shown_only_the_date(app, client, secret_world, auth_header):
    app.config["BRANCH_STAFF_VISIT_TIME"] = "date"
    visit = client.get(
        f"/api/v1/visits/{secret_world.values['visit_id']}",
        headers=auth_header(secret_world.manager),
    ).get_json()
    assert visit["started_at"] is None and visit["ended_at"] is None
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", visit["visit_date"])
    assert not re.search(r"\d{2}:\d{2}:\d{2}", json.dumps(visit))  # no time of day anywhere
    hq_view = client.get(
        f"/api/v1/visits/{secret_world.values['visit_id']}", headers=auth_header(secret_world.hq)
    ).get_json()
    assert hq_view["started_at"] is not None
