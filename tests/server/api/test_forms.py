import json

import pytest


@pytest.fixture
def published(world):
    """The world publishes the built-in forms."""
    return world


def test_lists_the_newest_version_of_each_form(client, world, auth_header, published):
    response = client.get("/api/v1/forms", headers=auth_header(world.auditor))
    assert response.status_code == 200
    listed = {form["key"]: form for form in response.get_json()}
    assert set(listed) == {"branch-visit", "phone-enquiry"}
    assert listed["branch-visit"]["version"] == 1
    assert listed["branch-visit"]["versions"] == [1]
    assert set(listed["branch-visit"]["title"]) == {"en", "cs", "hu", "lt", "nb", "pl"}
    assert "sections" not in listed["branch-visit"]
    assert json.loads(response.headers["X-Pagination"])["total"] == 2


def test_one_form_in_one_language_with_fallback(client, world, auth_header, published):
    headers = auth_header(world.manager)
    polish = client.get("/api/v1/forms/branch-visit?lang=pl", headers=headers).get_json()
    assert polish["language"] == "pl"
    assert isinstance(polish["title"], str)
    english = client.get("/api/v1/forms/branch-visit?lang=en", headers=headers).get_json()
    assert polish["title"] != english["title"]
    first = polish["sections"][0]["questions"][0]
    assert isinstance(first["label"], str) and first["label"]
    # An undeclared language falls back to the form's default language.
    german = client.get("/api/v1/forms/branch-visit?lang=de", headers=headers).get_json()
    assert german["language"] == "en" and german["title"] == english["title"]


def test_without_lang_every_text_is_in_every_language(client, world, auth_header, published):
    body = client.get("/api/v1/forms/phone-enquiry", headers=auth_header(world.hq)).get_json()
    assert set(body["sections"][0]["title"]) == {"en", "cs", "hu", "lt", "nb", "pl"}


def test_unknown_form_and_version_are_404(client, world, auth_header, published):
    headers = auth_header(world.hq)
    assert client.get("/api/v1/forms/nope", headers=headers).status_code == 404
    response = client.get("/api/v1/forms/branch-visit?version=9", headers=headers)
    assert response.status_code == 404


def test_bad_version_is_422(client, world, auth_header, published):
    response = client.get("/api/v1/forms/branch-visit?version=zero", headers=auth_header(world.hq))
    assert response.status_code == 422
    assert "version" in response.get_json()["errors"]["query"]
