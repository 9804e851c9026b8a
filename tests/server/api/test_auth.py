from datetime import timedelta

from sqlalchemy import select

from server.models import ApiToken
from server.models.types import utcnow
from server.services.auth import hash_token
from tests.conftest import PASSWORD


def login(client, email, password=PASSWORD, **kwargs):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password}, **kwargs)


def test_login_returns_a_token_that_authenticates(client, world):
    response = login(client, "Manager@Example.test ")
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["email"] == "manager@example.test"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.get_json()["role"] == "branch_manager"
    assert [b["code"] for b in me.get_json()["branches"]] == ["PL-LDZ-001"]


def test_only_the_hash_of_a_token_is_stored(client, world, db):
    token = login(client, "hq@example.test").get_json()["token"]
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert token not in stored
    assert hash_token(token) in stored


def test_wrong_password_and_unknown_email_look_the_same(client, world):
    wrong = login(client, "hq@example.test", "wrong password")
    unknown = login(client, "nobody@example.test")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["message"] == unknown.get_json()["message"]
    assert wrong.headers["WWW-Authenticate"] == "Bearer"


def test_inactive_users_cannot_log_in_and_their_tokens_stop_working(client, world, db, auth_header):
    headers = auth_header(world.hq)
    world.hq.active = False
    db.session.commit()
    assert login(client, "hq@example.test").status_code == 401
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_logout_revokes_the_token(client, world):
    token = login(client, "hq@example.test").get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_expired_tokens_get_401(client, world, db):
    token = login(client, "hq@example.test").get_json()["token"]
    stored = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_missing_or_malformed_authorization_gets_401(client, world):
    for header in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer not-a-token"},
    ):
        response = client.get("/api/v1/me", headers=header)
        assert response.status_code == 401
        assert response.get_json()["code"] == 401


def test_repeated_failed_logins_for_one_account_get_429_with_retry_after(client, world, app):
    for _ in range(5):
        assert login(client, "hq@example.test", "wrong password").status_code == 401
    refused = login(client, "hq@example.test", "wrong password")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["code"] == 429
    # Even the right password waits: the account is being guessed at.
    assert login(client, "hq@example.test").status_code == 429
    # Another account from another address is not affected.
    assert (
        login(client, "admin@example.test", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code
        == 201
    )


def test_repeated_failed_logins_from_one_address_get_429(client, world, app):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for n in range(3):
        assert login(client, f"guess{n}@example.test").status_code == 401
    assert login(client, "guess-more@example.test").status_code == 429


def test_successful_logins_are_not_counted(client, world):
    for _ in range(8):
        assert login(client, "hq@example.test").status_code == 201
