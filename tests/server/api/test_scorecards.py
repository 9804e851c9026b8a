"""Scorecards and visit reports through the API, the PDF cache, and batch rendering."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from pypdf import PdfReader

from audit_forms import score_visit
from server.models import Visit
from server.models.types import utcnow
from server.services import scorecards
from tests.reports.pdfs import read_pdf


def pdf_text(data: bytes) -> str:
    return read_pdf(data).text  # after qpdf's structural check


def metadata(data: bytes) -> str:
    return repr(read_pdf(data).metadata)


@pytest.fixture
def period():
    return (utcnow() - timedelta(hours=2)).strftime("%Y-%m")


@pytest.fixture
def approved(client, world, auth_header, visit_body, make_photo, branch_visit_form, db):
    """Two approved visits at Łódź Piotrkowska with known answers; returns their bodies."""
    headers, hq = auth_header(world.auditor), auth_header(world.hq)
    bodies = []
    for waited, accurate in ((60, 5), (200, 3)):
        body = visit_body([make_photo(headers)])
        ended = utcnow() - timedelta(hours=2)
        body["started_at"] = (ended - timedelta(minutes=20)).isoformat()
        body["ended_at"] = ended.isoformat()
        body["answers"]["wait_seconds"] = {"value": waited}
        body["answers"]["answers_accurate"] = {"value": accurate}
        body["answers"]["no_pressure_selling"] = {
            "value": "no",
            "comment": "Wciskano <b>ubezpieczenie</b> & kartę",
        }
        visit_id = client.post("/api/v1/visits", json=body, headers=headers).get_json()["id"]
        client.post(f"/api/v1/visits/{visit_id}/review", json={"decision": "approve"}, headers=hq)
        bodies.append(body)
    return bodies


def scorecard(client, headers, branch, period, **query):
    params = "&".join(f"{k}={v}" for k, v in {"period": period, **query}.items())
    return client.get(f"/api/v1/branches/{branch.id}/scorecard.pdf?{params}", headers=headers)


def test_a_polish_branch_gets_its_scorecard_in_polish(
    client, world, auth_header, approved, period, branch_visit_form
):
    response = scorecard(client, auth_header(world.manager), world.lodz_1, period)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Łódź Piotrkowska" in text and "PL-LDZ-001" in text
    assert "Karta wyników placówki" in text
    expected = sum(score_visit(branch_visit_form, body["answers"]).percent for body in approved) / 2
    shown = f"{expected.quantize(Decimal('0.1'), ROUND_HALF_UP)}".replace(".", ",")
    assert shown in text
    assert "Wciskano <b>ubezpieczenie</b> & kartę" in text  # escaped, printed literally


def test_scores_on_the_scorecard_equal_audit_forms(world, approved, period, branch_visit_form, app):
    data = scorecards.gather_branch_scorecard(world.lodz_1, period)
    scores = [score_visit(branch_visit_form, body["answers"]) for body in approved]
    assert data.headline.visits == 2
    assert data.headline.score == (sum(s.percent for s in scores) / 2).quantize(Decimal("0.0001"))
    waiting = next(
        s
        for s in data.sections
        if s.title == branch_visit_form.text(branch_visit_form.section("waiting").title, "pl")
    )
    assert waiting.score == (sum(s.section("waiting").percent for s in scores) / 2).quantize(
        Decimal("0.0001")
    )
    finding = next(f for f in data.findings if "Wciskano" in f.comments[0].text)
    assert finding.visits_lost == 2 and finding.visits == 2


def test_lang_overrides_the_branch_language(client, world, auth_header, approved, period):
    text = pdf_text(scorecard(client, auth_header(world.hq), world.lodz_1, period, lang="nb").data)
    assert "Resultatkort for filialen" in text and "Łódź Piotrkowska" in text


def test_a_period_without_visits_is_one_page_that_says_so(client, world, auth_header):
    response = scorecard(client, auth_header(world.hq), world.tromso, "2025-02")
    assert response.status_code == 200
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 1
    assert "Tromsø Storgata" in pdf_text(response.data)


def test_no_auditor_in_branch_facing_pdfs(client, world, auth_header, approved, period, db):
    manager = auth_header(world.manager)
    card = scorecard(client, manager, world.lodz_1, period).data
    visit_id = db.session.query(Visit.id).filter(Visit.branch_id == world.lodz_1.id).first()[0]
    report = client.get(f"/api/v1/visits/{visit_id}/report.pdf", headers=manager)
    assert report.status_code == 200
    for data in (card, report.data):
        assert world.auditor.name not in pdf_text(data)
        assert world.auditor.name not in metadata(data)
        assert world.auditor.email not in pdf_text(data)
    hq_report = client.get(
        f"/api/v1/visits/{visit_id}/report.pdf?lang=en", headers=auth_header(world.hq)
    )
    assert world.auditor.name in pdf_text(hq_report.data)


def test_an_unchanged_scorecard_is_served_from_the_cache_and_304(
    client, world, auth_header, approved, period, app
):
    headers = auth_header(world.manager)
    first = scorecard(client, headers, world.lodz_1, period)
    etag = first.headers["ETag"]
    again = client.get(
        f"/api/v1/branches/{world.lodz_1.id}/scorecard.pdf?period={period}",
        headers={**headers, "If-None-Match": etag},
    )
    assert again.status_code == 304
    result = scorecards.ensure_scorecard(world.lodz_1, period)
    assert result.rendered is False and f'"{result.etag}"' == etag


def test_new_data_makes_a_new_scorecard(client, world, auth_header, approved, period, db):
    headers = auth_header(world.hq)
    etag = scorecard(client, headers, world.lodz_1, period).headers["ETag"]
    world.lodz_1.target_score = Decimal("95")
    db.session.commit()
    assert scorecard(client, headers, world.lodz_1, period).headers["ETag"] != etag


def test_scorecards_are_scoped(client, world, auth_header, period):
    assert scorecard(client, auth_header(world.manager), world.lodz_2, period).status_code == 404
    assert scorecard(client, auth_header(world.regional), world.tromso, period).status_code == 404
    assert scorecard(client, auth_header(world.auditor), world.lodz_1, period).status_code == 403


@pytest.mark.parametrize("bad", ["2026-13", "26-10", "2026-Q5", "last-month"])
def test_a_bad_period_is_422(client, world, auth_header, bad):
    response = scorecard(client, auth_header(world.hq), world.lodz_1, bad)
    assert response.status_code == 422 and "period" in response.get_json()["errors"]["query"]


# Batch rendering -------------------------------------------------------------------------------


@pytest.fixture
def worker_environment(monkeypatch, app):
    """Workers build their own app from the environment, as in production."""
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("STORAGE_DIR", app.config["STORAGE_DIR"])
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    from server import jobs
    from server.extensions import db

    monkeypatch.setattr(jobs, "_app", None)
    yield
    if jobs._app is not None:  # the worker app this test made: close its connections
        with jobs._app.app_context():
            db.engine.dispose()


def stored_scorecards(app):
    return sorted(key for key in _walk(app.config["STORAGE_DIR"]) if "scorecards" in key)


def _walk(root):
    import os

    for folder, _, files in os.walk(root):
        for name in files:
            yield os.path.relpath(os.path.join(folder, name), root)


def test_render_scorecards_in_local_processes_and_resume(
    app, world, approved, period, worker_environment
):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["render-scorecards", "--period", period, "--area", "PL", "--processes", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "4 rendered" in result.output
    assert len(stored_scorecards(app)) == 4
    again = runner.invoke(args=["render-scorecards", "--period", period, "--area", "PL"])
    assert "4 unchanged" in again.output


def test_render_scorecards_through_rq_on_redis(app, world, approved, period, worker_environment):
    redis = pytest.importorskip("redis")
    from rq import Queue, SimpleWorker

    url = "redis://127.0.0.1:6379/14"
    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379 (CI starts one)")
    connection.flushdb()
    app.config["REDIS_URL"] = url
    result = app.test_cli_runner().invoke(
        args=["render-scorecards", "--period", period, "--lang", "pl", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "10 scorecard job(s) queued" in result.output
    queue = Queue("scorecards", connection=connection)
    assert queue.count == 10
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert queue.count == 0
    assert len(stored_scorecards(app)) == 10
    connection.flushdb()


def test_a_new_renderer_makes_a_new_scorecard(
    client, world, auth_header, approved, period, monkeypatch
):
    """A release that changes the layout must not keep serving PDFs drawn by the old code."""
    headers = auth_header(world.hq)
    etag = scorecard(client, headers, world.lodz_1, period).headers["ETag"]
    monkeypatch.setattr(scorecards, "renderer_fingerprint", lambda: "another layout")
    assert scorecard(client, headers, world.lodz_1, period).headers["ETag"] != etag
