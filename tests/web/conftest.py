"""Browser tests of the web app: the real app served on a loopback port, Debian's Chromium
driven by Playwright.

Never run `playwright install`: the tests use /usr/bin/chromium (`apt-get install chromium`;
CI installs it) and skip, saying why, where it or the playwright package is missing.
The live server runs the `app` fixture's app in a thread, on the suite's test database; data is
made through the API with the test client (the same database), then the browser takes over.
"""

from __future__ import annotations

import io
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from werkzeug.serving import make_server

from server.models.types import utcnow
from server.services import forms
from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"
AUDITOR_NAME = "Zofia Tajemnicza-Wrzesińska"
# E-mail, password, log-in button, log-out button: as the app's catalogs name them.
LOGIN_TEXTS = {
    "English": ("E-mail", "Password", "Log in", "Log out"),
    "Polski": ("E-mail", "Hasło", "Zaloguj", "Wyloguj"),
}


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium); CI has it")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver) -> Iterator[Any]:
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app on a free loopback port, in a thread, until the test ends."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class Browser:
    """One browser context (a fresh profile: no service worker, storage or cache) and its
    page, with the few steps every story needs. Uncaught page errors fail the test."""

    def __init__(self, browser, base_url: str, width: int, locale: str):
        self.base_url = base_url
        self.context = browser.new_context(
            viewport={"width": width, "height": 800},
            locale=locale,
            service_workers="allow",
            accept_downloads=True,
        )
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def open(self, hash_path: str = "/") -> None:
        self.page.goto(f"{self.base_url}/#{hash_path}")

    def log_in(self, email: str, password: str = PASSWORD, language: str = "English") -> None:
        """Log in through the form; with another language, the page is in that language
        (the browser's locale chooses it) and the buttons are named in it."""
        texts = LOGIN_TEXTS[language]
        self.open("/")
        self.page.get_by_label(texts[0], exact=True).fill(email)
        self.page.get_by_label(texts[1], exact=True).fill(password)
        self.page.get_by_role("button", name=texts[2], exact=True).click()
        self.page.get_by_role("button", name=texts[3], exact=True).wait_for()

    def go(self, hash_path: str) -> None:
        self.page.evaluate("path => { location.hash = path; }", f"#{hash_path}")

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def wait_until(self, expression: str, timeout: float = 10.0) -> None:
        """Poll a JavaScript expression (a promise is awaited) until it is truthy. Playwright's
        wait_for_function evaluates strings inside the page, which the app's CSP forbids."""
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            assert time.monotonic() < deadline, f"timed out waiting for: {expression}"
            self.page.wait_for_timeout(50)

    def scroll_width(self) -> int:
        return self.page.evaluate("document.documentElement.scrollWidth")

    def close(self) -> None:
        self.context.close()
        assert not self.errors, self.errors


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome on the test item, for the screenshot of a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def open_browser(request, browser, live_server) -> Iterator[Callable[..., Browser]]:
    opened: list[Browser] = []

    def open_(width: int = 1280, locale: str = "en-GB") -> Browser:
        session = Browser(browser, live_server, width, locale)
        opened.append(session)
        return session

    yield open_
    report = getattr(request.node, "report_call", None)
    for number, session in enumerate(opened):
        if report is not None and report.failed:
            session.screenshot(f"FAILED-{request.node.name}-{number}")
        session.close()


# --- data, made through the API -------------------------------------------------------------


@pytest.fixture
def people(world, db):
    """The world's users, the auditor with a name that must never reach branch staff."""
    world.auditor.name = AUDITOR_NAME
    db.session.commit()
    return world


def jpeg_bytes(size=(640, 480), colour=(30, 120, 200), captured: datetime | None = None) -> bytes:
    """A JPEG; with `captured`, as a camera writes it: capture time, its offset and a GPS fix."""
    buffer = io.BytesIO()
    exif = Image.Exif()
    if captured is not None:
        exif.get_ifd(0x8769).update(
            {0x9003: captured.strftime("%Y:%m:%d %H:%M:%S"), 0x9011: "+00:00"}
        )
        exif[0x8825] = {1: "N", 2: (51.0, 46.0, 7.32), 3: "E", 4: (19.0, 27.0, 25.2)}
    Image.new("RGB", size, colour).save(buffer, "JPEG", quality=85, exif=exif)
    return buffer.getvalue()


def answers_for(form, photo_id: int | None, quality: str = "good") -> dict[str, dict]:
    """A complete, valid set of answers: the best ones, or weaker ones for quality="poor"."""
    answers: dict[str, dict] = {}
    poor = quality == "poor"
    for question in form.questions:
        settings = question.settings
        answer: dict[str, Any]
        match question.type:
            case "yes_no":
                failed = poor and not question.critical and question.points >= 2
                answer = {"value": "no" if failed else "yes"}
                if failed and question.comment_required_when_failed:
                    answer["comment"] = "Nikt nie odpowiedział na pytanie."
            case "scale":
                answer = {"value": settings.min + 1 if poor else settings.max}
            case "choice":
                ranked = sorted(settings.options, key=lambda option: option.points)
                answer = {"value": (ranked[1] if poor else ranked[-1]).key}
            case "duration":
                answer = {"value": 400 if poor else 45}
            case "number":
                answer = {"value": settings.min}
            case "text":
                answer = {"value": "Obsługa w Łodzi: uprzejma."}
            case _:
                continue
        if question.photo_required:
            answer["photo_ids"] = [photo_id]
        answers[question.key] = answer
    return answers


@pytest.fixture
def make_visit(client, people, auth_header) -> Callable[..., int]:
    """A visit submitted by the auditor through the API (photo included), optionally
    reviewed by HQ: make_visit(branch, quality="poor", decision="approve")."""
    auditor = auth_header(people.auditor)
    hq = auth_header(people.hq)
    form = forms.form_of(forms.get_form_version("branch-visit", 1))

    def make(branch, quality: str = "good", decision: str | None = None, days_ago: int = 3):
        reserved = client.post(
            "/api/v1/photos", json={"content_type": "image/jpeg"}, headers=auditor
        )
        photo_id = reserved.get_json()["photo"]["id"]
        uploaded = client.put(
            f"/api/v1/photos/{photo_id}/content",
            data=jpeg_bytes(),
            content_type="image/jpeg",
            headers=auditor,
        )
        assert uploaded.status_code == 204
        completed = client.post(f"/api/v1/photos/{photo_id}/complete", headers=auditor)
        assert completed.status_code == 200
        started = utcnow() - timedelta(days=days_ago)
        body = {
            "client_uuid": str(uuid.uuid4()),
            "branch_id": branch.id,
            "form_key": "branch-visit",
            "form_version": 1,
            "started_at": started.isoformat(),
            "ended_at": (started + timedelta(minutes=25)).isoformat(),
            "waiting_seconds": 45,
            "answers": answers_for(form, photo_id, quality),
        }
        response = client.post("/api/v1/visits", json=body, headers=auditor)
        assert response.status_code == 201, response.get_json()
        visit_id = response.get_json()["id"]
        if decision:
            reviewed = client.post(
                f"/api/v1/visits/{visit_id}/review",
                json={"decision": decision, "note": "Proszę uzupełnić komentarz."},
                headers=hq,
            )
            assert reviewed.status_code == 200, reviewed.get_json()
        return visit_id

    return make


@pytest.fixture
def make_assignment(client, people, auth_header) -> Callable[..., int]:
    hq = auth_header(people.hq)

    def make(branch, scenario: str = "Zapytać o konto oszczędnościowe") -> int:
        now = utcnow()
        response = client.post(
            "/api/v1/assignments",
            json={
                "branch_id": branch.id,
                "form_key": "branch-visit",
                "auditor_id": people.auditor.id,
                "window_start": (now - timedelta(days=1)).isoformat(),
                "window_end": (now + timedelta(days=20)).isoformat(),
                "scenario": scenario,
            },
            headers=hq,
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    return make
