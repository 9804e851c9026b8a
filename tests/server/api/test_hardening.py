"""Rate limits, security headers, data retention and the route inventory."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.views import MethodView

from server.models import Photo, Visit, VisitAnswer
from server.services import retention


@pytest.fixture
def headers(world, auth_header):
    return auth_header(world.auditor)


def test_visit_submissions_are_rate_limited_per_token(
    client, app, headers, visit_body, world, auth_header, make_user
):
    from server.models import Role

    app.config["VISIT_SUBMISSION_LIMIT"] = "3 per minute"
    for _ in range(3):
        assert (
            client.post("/api/v1/visits", json=visit_body([]), headers=headers).status_code == 422
        )  # counted whatever the outcome
    refused = client.post("/api/v1/visits", json=visit_body([]), headers=headers)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0 and refused.get_json()["code"] == 429
    other = auth_header(make_user(Role.AUDITOR, areas=[world.pl]))
    assert client.post("/api/v1/visits", json=visit_body([]), headers=other).status_code == 422
    assert client.get("/api/v1/visits", headers=headers).status_code == 200  # reads are free


def test_photo_reservations_are_rate_limited(client, app, headers):
    app.config["PHOTO_RESERVATION_LIMIT"] = "2 per minute"
    for _ in range(2):
        assert (
            client.post(
                "/api/v1/photos", json={"content_type": "image/jpeg"}, headers=headers
            ).status_code
            == 201
        )
    assert (
        client.post(
            "/api/v1/photos", json={"content_type": "image/jpeg"}, headers=headers
        ).status_code
        == 429
    )


@pytest.mark.parametrize("url", ["/api/v1/health", "/api/v1/me", "/api/v1/nope"])
def test_security_headers_on_the_api(client, headers, url):
    response = client.get(url, headers=headers)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert (
        response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    )


def test_security_headers_on_pages(client):
    with client.get("/") as response:
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_only_in_production(monkeypatch, migrated_schema, database_url, tmp_path):
    from server import create_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    from server.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "STORAGE_DIR": str(tmp_path)})
    response = app.test_client().get("/api/v1/health")
    with app.app_context():
        db.engine.dispose()  # this throwaway app's pooled connection, closed, not collected
    assert "max-age" in response.headers["Strict-Transport-Security"]


def test_purge_removes_photos_and_personal_data_but_keeps_scores(
    client, app, headers, visit_body, make_photo, db
):
    body = visit_body([make_photo(headers)])
    body["answers"]["courteous_throughout"] = {"value": "no", "comment": "Pani Anna była niemiła"}
    visit_id = client.post("/api/v1/visits", json=body, headers=headers).get_json()["id"]
    visit = db.session.get(Visit, visit_id)
    photo = visit.photos[0]
    keys = (photo.object_key, photo.thumbnail_key)
    score = visit.score_percent
    storage = app.extensions["storage"]

    early = retention.purge(now=visit.ended_at + timedelta(days=700))
    db.session.commit()
    assert early.photos == 0 and all(storage.exists(key) for key in keys)

    late = retention.purge(now=visit.ended_at + timedelta(days=731))
    db.session.commit()
    db.session.expire_all()
    assert late.photos == 1 and late.visits == 1
    assert not any(storage.exists(key) for key in keys)
    assert db.session.get(Photo, photo.id) is None
    visit = db.session.get(Visit, visit_id)
    assert visit.gps_latitude is None and visit.device is None
    assert all(answer.comment is None for answer in visit.answers)
    assert visit.score_percent == score and visit.section_scores
    assert db.session.query(VisitAnswer).filter_by(visit_id=visit_id).count() == len(visit.answers)


def test_purge_command(app):
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0 and "photo(s)" in result.output


def test_every_api_route_declares_who_may_call_it(app):
    """The route inventory: a route without login_required(...) or public fails here."""
    inventory = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.startswith(
            ("/api/v1/docs", "/api/v1/openapi")
        ):
            continue
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            function = getattr(view_class, method.lower()) if view_class else view
            assert view_class is None or issubclass(view_class, MethodView)
            assert hasattr(function, "allowed_roles"), f"{method} {rule.rule} declares no roles"
            inventory[f"{method} {rule.rule}"] = function.allowed_roles
    assert inventory["POST /api/v1/auth/token"] is None  # public
    assert len(inventory) >= 30
