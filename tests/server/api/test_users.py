import pytest

from tests.conftest import PASSWORD


def new_user(**overrides):
    return {
        "email": "Nowa.Audytorka@Example.test",
        "name": "Małgorzata Źdźbło",
        "password": "a long enough password",
        "role": "auditor",
        "locale": "pl",
        **overrides,
    }


def test_hq_creates_a_user_who_can_log_in_with_their_scope(client, world, auth_header):
    created = client.post(
        "/api/v1/users", json=new_user(area_ids=[world.lodzkie.id]), headers=auth_header(world.hq)
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["email"] == "nowa.audytorka@example.test"
    assert body["area_ids"] == [world.lodzkie.id]
    assert "password" not in body and "password_hash" not in body
    login = client.post(
        "/api/v1/auth/token",
        json={"email": "nowa.audytorka@example.test", "password": "a long enough password"},
    )
    token = login.get_json()["token"]
    branches = client.get("/api/v1/branches", headers={"Authorization": f"Bearer {token}"})
    assert {b["code"] for b in branches.get_json()} == {"PL-LDZ-001", "PL-LDZ-002", "PL-LDZ-004"}


def test_duplicate_email_is_409_naming_the_field(client, world, auth_header):
    response = client.post(
        "/api/v1/users", json=new_user(email="HQ@example.test"), headers=auth_header(world.admin)
    )
    assert response.status_code == 409
    assert "email" in response.get_json()["errors"]


def test_hq_cannot_create_or_change_admins(client, world, auth_header):
    headers = auth_header(world.hq)
    assert (
        client.post("/api/v1/users", json=new_user(role="admin"), headers=headers).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/users/{world.auditor.id}", json={"role": "admin"}, headers=headers
        ).status_code
        == 403
    )
    assert (
        client.patch(
            f"/api/v1/users/{world.admin.id}", json={"active": False}, headers=headers
        ).status_code
        == 403
    )


def test_admin_can_create_admins(client, world, auth_header):
    response = client.post(
        "/api/v1/users", json=new_user(role="admin"), headers=auth_header(world.admin)
    )
    assert response.status_code == 201


def test_deactivating_a_user_ends_their_access(client, world, auth_header):
    manager_headers = auth_header(world.manager)
    response = client.patch(
        f"/api/v1/users/{world.manager.id}", json={"active": False}, headers=auth_header(world.hq)
    )
    assert response.get_json()["active"] is False
    assert client.get("/api/v1/me", headers=manager_headers).status_code == 401
    login = client.post(
        "/api/v1/auth/token", json={"email": "manager@example.test", "password": PASSWORD}
    )
    assert login.status_code == 401


def test_rescoping_a_user(client, world, auth_header):
    client.patch(
        f"/api/v1/users/{world.manager.id}",
        json={"branch_ids": [world.tromso.id]},
        headers=auth_header(world.hq),
    )
    branches = client.get("/api/v1/branches", headers=auth_header(world.manager)).get_json()
    assert [b["code"] for b in branches] == ["NO-TOS-001"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "short"}, "password"),
        ({"role": "overlord"}, "role"),
        ({"email": "nope"}, "email"),
        ({"locale": "xx"}, "locale"),
        ({"branch_ids": ["a"]}, "branch_ids"),
    ],
)
def test_invalid_user_fields_are_422(client, world, auth_header, change, field):
    response = client.post("/api/v1/users", json=new_user(**change), headers=auth_header(world.hq))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_unknown_scope_ids_are_422(client, world, auth_header):
    response = client.post(
        "/api/v1/users", json=new_user(branch_ids=[999999]), headers=auth_header(world.hq)
    )
    assert response.status_code == 422
    assert "branch_ids" in response.get_json()["errors"]


def test_users_filter_by_role(client, world, auth_header):
    response = client.get("/api/v1/users?role=auditor", headers=auth_header(world.hq))
    assert [u["email"] for u in response.get_json()] == ["auditor@example.test"]
