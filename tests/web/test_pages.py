"""The app shell, its service worker, manifest and UI catalogs, served by Flask (no browser)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from server.pages import STATIC_DIR

LANGUAGES = ["en", "cs", "hu", "lt", "nb", "pl"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def status(client, url: str) -> int:
    """A file's status, its response closed (static files are streamed from open files)."""
    with client.get(url) as response:
        return response.status_code


def test_the_front_door_is_the_app_shell_under_a_strict_policy(client):
    with client.get("/") as response:
        html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    # No inline code for the policy to forbid: every script has a src, no on*= handlers.
    assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", html))
    assert not re.search(r"\son[a-z]+=", html)
    assert status(client, "/static/js/main.js") == 200


def test_the_service_worker_is_served_from_the_root_with_its_file_list(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    build = json.loads(re.search(r"const BUILD = (\{.*?\});", response.get_data(as_text=True))[1])
    assert build["version"] != "dev"
    assert "/" in build["files"] and "/static/js/views/visit.js" in build["files"]
    for url in build["files"]:
        assert status(client, url) == 200, url


def test_the_manifest_makes_the_app_installable(client):
    with client.get("/manifest.webmanifest") as response:
        manifest = json.loads(response.get_data(as_text=True))
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    assert manifest["display"] == "standalone" and manifest["start_url"].startswith("/")
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert status(client, icon["src"]) == 200, icon["src"]


def catalog(language: str) -> dict:
    return json.loads((STATIC_DIR / "i18n" / f"{language}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_every_language_translates_every_text_with_the_same_placeholders(language):
    english, other = catalog("en"), catalog(language)
    assert other.keys() == english.keys()
    for key, text in other.items():
        source = english[key]
        if isinstance(source, dict):
            assert isinstance(text, dict) and "other" in text, key
            texts, sources = list(text.values()), list(source.values())
        else:
            texts, sources = [text], [source]
        wanted = {name for s in sources for name in PLACEHOLDER.findall(s)}
        for translated in texts:
            assert set(PLACEHOLDER.findall(translated)) == wanted, (language, key)
    # Translated for real, not copied: most texts differ from the English ones.
    same = [key for key in english if english[key] == other[key]]
    assert len(same) < len(english) * 0.1, same


def test_every_text_the_scripts_ask_for_exists():
    english = catalog("en")
    asked = set()
    for path in Path(STATIC_DIR, "js").rglob("*.js"):
        asked |= set(re.findall(r'\bt\(\s*"([a-z_]+\.[a-z_.]+)"', path.read_text(encoding="utf-8")))
    assert asked and not asked - english.keys()


def test_the_scripts_never_write_markup_from_strings():
    for path in Path(STATIC_DIR, "js").rglob("*.js"):
        source = path.read_text(encoding="utf-8")
        assert ".innerHTML" not in source and ".insertAdjacentHTML" not in source, path
        assert "eval(" not in source and "new Function" not in source, path


def test_the_policy_lets_the_phone_reach_s3_for_presigned_uploads(app, client):
    app.config.update(S3_BUCKET="audit-photos", S3_PUBLIC_ENDPOINT_URL="https://files.example.com")
    with client.get("/") as response:
        policy = response.headers["Content-Security-Policy"]
    connect = next(part for part in policy.split("; ") if part.startswith("connect-src "))
    assert connect.split()[1:] == [
        "'self'",
        "https://files.example.com",
        "https://*.files.example.com",
    ]
