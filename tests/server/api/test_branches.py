import json

import pytest

NEW_BRANCH = {
    "code": "HU-GYR-001",
    "name": "Győr Baross út",
    "address": "Baross Gábor út 21",
    "city": "Győr",
    "country": "HU",
    "timezone": "Europe/Budapest",
    "locale": "hu",
    "latitude": 47.685,
    "longitude": 17.635,
    "target_score": 87.5,
}


def codes(response):
    assert response.status_code == 200, response.get_json()
    return [branch["code"] for branch in response.get_json()]


def test_hq_lists_every_branch_a_branch_manager_only_theirs(client, world, auth_header):
    assert codes(client.get("/api/v1/branches", headers=auth_header(world.hq))) == [
        "NO-TOS-001",
        "PL-LDZ-001",
        "PL-LDZ-002",
        "PL-LDZ-004",
        "PL-WAW-001",
    ]
    assert codes(client.get("/api/v1/branches", headers=auth_header(world.manager))) == [
        "PL-LDZ-001"
    ]


def test_a_branch_outside_the_scope_is_404_like_a_missing_one(client, world, auth_header):
    headers = auth_header(world.manager)
    outside = client.get(f"/api/v1/branches/{world.tromso.id}", headers=headers)
    missing = client.get("/api/v1/branches/999999", headers=headers)
    assert outside.status_code == missing.status_code == 404
    assert "Tromsø" not in outside.get_data(as_text=True)
    own = client.get(f"/api/v1/branches/{world.lodz_1.id}", headers=headers)
    assert own.get_json()["name"] == "Łódź Piotrkowska"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("country=NO", ["NO-TOS-001"]),
        ("q=ŁÓDŹ piotr", ["PL-LDZ-001"]),
        ("q=waw", ["PL-WAW-001"]),
        ("active=false", []),
    ],
)
def test_filters(client, world, auth_header, query, expected):
    assert codes(client.get(f"/api/v1/branches?{query}", headers=auth_header(world.hq))) == expected


def test_area_filter_takes_the_whole_subtree_within_the_scope(client, world, auth_header):
    url = f"/api/v1/branches?area_id={world.lodzkie.id}"
    assert codes(client.get(url, headers=auth_header(world.hq))) == [
        "PL-LDZ-001",
        "PL-LDZ-002",
        "PL-LDZ-004",
    ]
    assert codes(client.get(url, headers=auth_header(world.manager))) == ["PL-LDZ-001"]


def test_pagination(client, world, auth_header):
    response = client.get("/api/v1/branches?page=2&page_size=2", headers=auth_header(world.hq))
    assert codes(response) == ["PL-LDZ-002", "PL-LDZ-004"]
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == 5 and pagination["total_pages"] == 3


def test_hq_creates_updates_and_deactivates_a_branch(client, world, auth_header):
    headers = auth_header(world.hq)
    created = client.post(
        "/api/v1/branches", json={**NEW_BRANCH, "area_id": world.pl.id}, headers=headers
    )
    assert created.status_code == 201, created.get_json()
    branch = created.get_json()
    assert branch["name"] == "Győr Baross út" and branch["target_score"] == 87.5
    url = f"/api/v1/branches/{branch['id']}"
    changed = client.patch(
        url, json={"name": "Győr Baross Gábor út", "active": False}, headers=headers
    )
    assert changed.get_json()["name"] == "Győr Baross Gábor út"
    assert changed.get_json()["active"] is False
    assert codes(client.get("/api/v1/branches?active=false", headers=headers)) == ["HU-GYR-001"]


def test_duplicate_code_is_409_naming_the_field_and_writes_nothing(client, world, auth_header):
    headers = auth_header(world.hq)
    response = client.post(
        "/api/v1/branches",
        json={**NEW_BRANCH, "code": "PL-LDZ-001", "area_id": world.pl.id},
        headers=headers,
    )
    assert response.status_code == 409
    assert "code" in response.get_json()["errors"]
    assert len(codes(client.get("/api/v1/branches", headers=headers))) == 5


def test_renaming_a_code_onto_another_is_409(client, world, auth_header):
    response = client.patch(
        f"/api/v1/branches/{world.lodz_2.id}",
        json={"code": "PL-LDZ-001"},
        headers=auth_header(world.hq),
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"locale": "de"}, "locale"),
        ({"country": "Poland"}, "country"),
        ({"latitude": 91}, "latitude"),
        ({"target_score": 101}, "target_score"),
        ({"code": "has space"}, "code"),
        ({"name": ""}, "name"),
        ({"area_id": "x"}, "area_id"),
    ],
)
def test_invalid_fields_are_422_naming_them(client, world, auth_header, change, field):
    response = client.post(
        "/api/v1/branches",
        json={**NEW_BRANCH, "area_id": world.pl.id, **change},
        headers=auth_header(world.hq),
    )
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_missing_required_fields_are_all_named(client, world, auth_header):
    response = client.post("/api/v1/branches", json={}, headers=auth_header(world.hq))
    assert set(response.get_json()["errors"]["json"]) == {
        "code",
        "name",
        "country",
        "area_id",
        "timezone",
        "locale",
    }


def test_unknown_area_is_422(client, world, auth_header):
    response = client.post(
        "/api/v1/branches", json={**NEW_BRANCH, "area_id": 999999}, headers=auth_header(world.hq)
    )
    assert response.status_code == 422
    assert "area_id" in response.get_json()["errors"]
