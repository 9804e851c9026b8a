"""Every error is JSON in one shape: code, status, message, and errors naming the fields."""

import pytest

from server import create_app


def assert_error_shape(response, status):
    assert response.status_code == status
    assert response.is_json
    body = response.get_json()
    assert body["code"] == status
    assert isinstance(body["status"], str) and body["status"]
    assert isinstance(body["message"], str) and body["message"]
    return body


def test_unknown_url_is_json_404(client):
    assert_error_shape(client.get("/api/v1/no-such-thing"), 404)


def test_wrong_method_is_json_405(client):
    response = client.put("/api/v1/health")
    assert_error_shape(response, 405)
    assert "GET" in response.headers["Allow"]


def test_oversized_body_is_json_413(client, app):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post("/api/v1/auth/token", data="x" * 2048, content_type="application/json")
    assert_error_shape(response, 413)


def test_unhandled_exception_is_json_500(migrated_schema, database_url, tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "STORAGE_DIR": str(tmp_path),
            "PROPAGATE_EXCEPTIONS": False,
        }
    )

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    body = assert_error_shape(app.test_client().get("/boom"), 500)
    assert "a bug" not in body["message"]


def test_malformed_json_is_400_naming_the_body(client):
    body = assert_error_shape(
        client.post("/api/v1/auth/token", data="{bad", content_type="application/json"), 400
    )
    assert "json" in body["errors"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"password": "x"}, "email"),
        ({"email": "a@b.test"}, "password"),
        ({"email": "not-an-email", "password": "x"}, "email"),
        ({"email": 5, "password": "x"}, "email"),
        ({"email": "a@b.test", "password": "x", "admin": True}, "admin"),
    ],
)
def test_bad_bodies_are_422_naming_each_field(client, payload, field):
    body = assert_error_shape(client.post("/api/v1/auth/token", json=payload), 422)
    assert field in body["errors"]["json"]


def test_a_body_that_is_not_an_object_is_422(client):
    assert_error_shape(client.post("/api/v1/auth/token", json=["a", "b"]), 422)


def test_unknown_and_bad_query_parameters_are_422_naming_them(client, world, auth_header):
    headers = auth_header(world.hq)
    body = assert_error_shape(client.get("/api/v1/branches?colour=red", headers=headers), 422)
    assert "colour" in body["errors"]["query"]
    body = assert_error_shape(client.get("/api/v1/branches?area_id=abc", headers=headers), 422)
    assert "area_id" in body["errors"]["query"]
    body = assert_error_shape(client.get("/api/v1/branches?page=0", headers=headers), 422)
    assert "page" in body["errors"]["query"]


def test_health_reports_the_database(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_answers_503_when_the_database_is_unreachable(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none",
            "STORAGE_DIR": str(tmp_path),
        }
    )
    response = app.test_client().get("/api/v1/health")
    body = assert_error_shape(response, 503)
    assert "database" in body["errors"]
    assert response.headers["Retry-After"]


def test_openapi_document_and_docs_page_are_served(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"]
    assert "/api/v1/branches/{branch_id}" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and b"swagger" in docs.data.lower()
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    asset.close()
