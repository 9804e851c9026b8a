def test_regional_manager_lists_their_subtree_and_its_ancestors(client, world, auth_header):
    response = client.get("/api/v1/areas", headers=auth_header(world.regional))
    assert {area["code"] for area in response.get_json()} == {
        "PL",
        "PL/Łódzkie",
        "PL/Łódzkie/Łódź",
        "PL/Łódzkie/Pabianicki",
    }


def test_an_area_outside_the_scope_is_404(client, world, auth_header):
    response = client.get(f"/api/v1/areas/{world.troms.id}", headers=auth_header(world.regional))
    assert response.status_code == 404


def test_hq_creates_and_moves_an_area_with_its_subtree(client, world, auth_header, db):
    headers = auth_header(world.hq)
    created = client.post(
        "/api/v1/areas",
        json={"code": "PL/Łódzkie/Zgierz", "name": "Zgierz", "parent_id": world.lodzkie.id},
        headers=headers,
    )
    assert created.status_code == 201
    # Move Łódzkie (with Łódź and Zgierz below it) under Norway: paths follow.
    moved = client.patch(
        f"/api/v1/areas/{world.lodzkie.id}", json={"parent_id": world.no.id}, headers=headers
    )
    assert moved.status_code == 200
    in_norway = client.get(f"/api/v1/branches?area_id={world.no.id}", headers=headers)
    assert {b["code"] for b in in_norway.get_json()} == {
        "NO-TOS-001",
        "PL-LDZ-001",
        "PL-LDZ-002",
        "PL-LDZ-004",
    }


def test_an_area_cannot_move_below_itself(client, world, auth_header):
    response = client.patch(
        f"/api/v1/areas/{world.pl.id}",
        json={"parent_id": world.lodz.id},
        headers=auth_header(world.hq),
    )
    assert response.status_code == 422
    assert "parent_id" in response.get_json()["errors"]


def test_duplicate_area_code_is_409(client, world, auth_header):
    response = client.post(
        "/api/v1/areas", json={"code": "PL", "name": "Polska"}, headers=auth_header(world.hq)
    )
    assert response.status_code == 409
    assert "code" in response.get_json()["errors"]


def test_deactivate_an_area(client, world, auth_header):
    headers = auth_header(world.admin)
    response = client.patch(
        f"/api/v1/areas/{world.troms.id}", json={"active": False}, headers=headers
    )
    assert response.get_json()["active"] is False
    listed = client.get("/api/v1/areas?active=false", headers=headers).get_json()
    assert [area["code"] for area in listed] == ["NO/Troms"]
