import copy
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.models import Visit, VisitAnswer, VisitSectionScore, VisitStatus
from server.models.types import utcnow

PHOTO_QUESTION = "premises_clean_tidy"


@pytest.fixture
def auditor_headers(world, auth_header):
    return auth_header(world.auditor)


@pytest.fixture
def submit(client, auditor_headers):
    def submit(body, headers=None):
        return client.post("/api/v1/visits", json=body, headers=headers or auditor_headers)

    return submit


def visit_count(db):
    return db.session.scalar(select(func.count(Visit.id)))


def test_a_complete_visit_is_stored_scored_and_complete(
    submit, visit_body, make_photo, auditor_headers, db
):
    photo_id = make_photo(auditor_headers)
    body = visit_body([photo_id])
    response = submit(body)
    assert response.status_code == 201, response.get_json()
    visit = response.get_json()
    assert visit["client_uuid"] == body["client_uuid"] and visit["id"]
    assert visit["score"]["percent"] == "100.0000" and visit["score"]["display"] == "100.0"
    assert visit["completeness"] == "complete" and visit["missing_photo_ids"] == []
    assert visit["status"] == "submitted"
    answer = next(a for a in visit["answers"] if a["question_key"] == PHOTO_QUESTION)
    assert answer["photos"][0]["id"] == photo_id
    assert answer["photos"][0]["url"] == f"/api/v1/photos/{photo_id}"
    stored = db.session.get(Visit, visit["id"])
    assert len(stored.answers) == db.session.scalar(
        select(func.count(VisitAnswer.id)).where(VisitAnswer.visit_id == stored.id)
    )
    assert db.session.scalar(select(func.count(VisitSectionScore.id))) == 8


def test_scores_match_audit_forms(
    submit, visit_body, make_photo, auditor_headers, branch_visit_form
):
    from audit_forms import score_visit

    body = visit_body([make_photo(auditor_headers)])
    body["answers"]["courteous_throughout"] = {"value": "yes"}
    body["answers"]["wait_seconds"] = {"value": 200}
    body["answers"]["answers_accurate"] = {"value": 3}
    body["answers"]["used_customer_name"] = {"value": "na"}
    expected = score_visit(branch_visit_form, body["answers"])
    visit = submit(body).get_json()
    assert visit["score"]["percent"] == f"{expected.percent:.4f}"
    sections = {s["section_key"]: s["percent"] for s in visit["sections"]}
    assert sections["waiting"] == f"{expected.section('waiting').percent:.4f}"


def test_a_failed_critical_question_scores_zero(submit, visit_body, make_photo, auditor_headers):
    body = visit_body([make_photo(auditor_headers)])
    body["answers"]["courteous_throughout"] = {"value": "no", "comment": "Kasjer był niemiły."}
    visit = submit(body).get_json()
    assert visit["score"]["percent"] == "0.0000" and visit["score"]["critical_failed"] is True


def test_the_same_visit_ten_times_in_sequence_is_one_visit(
    submit, visit_body, make_photo, auditor_headers, db
):
    body = visit_body([make_photo(auditor_headers)])
    first = submit(body)
    assert first.status_code == 201
    for _ in range(10):
        again = submit(body)
        assert again.status_code == 200
        assert again.get_json()["id"] == first.get_json()["id"]
    assert visit_count(db) == 1


def test_key_order_and_number_spelling_do_not_matter(
    submit, visit_body, make_photo, auditor_headers, client
):
    body = visit_body([make_photo(auditor_headers)])
    first = submit(body).get_json()
    reordered = dict(reversed(list(copy.deepcopy(body).items())))
    reordered["answers"]["wait_seconds"]["value"] = 30.0
    reordered["gps"]["accuracy_m"] = 12.0
    raw = json.dumps(reordered)
    replay = client.post(
        "/api/v1/visits", data=raw, content_type="application/json", headers=auditor_headers
    )
    assert replay.status_code == 200 and replay.get_json()["id"] == first["id"]


def test_same_instant_in_another_zone_is_the_same_visit(
    submit, visit_body, make_photo, auditor_headers
):
    from datetime import datetime

    body = visit_body([make_photo(auditor_headers)])
    first = submit(body).get_json()
    moved = copy.deepcopy(body)
    for field in ("started_at", "ended_at"):
        instant = datetime.fromisoformat(body[field])
        moved[field] = instant.astimezone(
            datetime.now().astimezone().tzinfo.__class__(timedelta(hours=2))
        ).isoformat()
    assert submit(moved).get_json()["id"] == first["id"]


def test_other_content_under_the_same_uuid_is_409_and_changes_nothing(
    submit, visit_body, make_photo, auditor_headers, db
):
    body = visit_body([make_photo(auditor_headers)])
    first = submit(body).get_json()
    changed = copy.deepcopy(body)
    changed["answers"]["greeted_friendly"] = {"value": "no"}
    response = submit(changed)
    assert response.status_code == 409
    assert "client_uuid" in response.get_json()["errors"]
    assert db.session.get(Visit, first["id"]).score_percent == 100
    assert visit_count(db) == 1


def test_another_auditors_uuid_is_409_not_their_visit(
    submit, visit_body, make_photo, auditor_headers, world, make_user, auth_header
):
    from server.models import Role

    body = visit_body([make_photo(auditor_headers)])
    submit(body)
    other = make_user(Role.AUDITOR, areas=[world.pl])
    response = submit(body, headers=auth_header(other))
    assert response.status_code == 409
    assert "Łódź" not in response.get_data(as_text=True)


def test_concurrent_replays_leave_one_row_and_one_id(
    app, visit_body, make_photo, auditor_headers, db
):
    body = visit_body([make_photo(auditor_headers)])
    results, barrier = [], threading.Barrier(10)

    def send():
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/visits", json=body, headers=auditor_headers)
        results.append((response.status_code, (response.get_json() or {}).get("id")))

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(code for code, _ in results)
    assert codes == [200] * 9 + [201], results
    assert len({visit_id for _, visit_id in results}) == 1
    db.session.remove()
    assert visit_count(db) == 1


def test_a_deleted_visit_answers_410_and_is_never_recreated(
    submit, visit_body, make_photo, auditor_headers, client, world, auth_header, db
):
    body = visit_body([make_photo(auditor_headers)])
    visit_id = submit(body).get_json()["id"]
    hq = auth_header(world.hq)
    assert client.delete(f"/api/v1/visits/{visit_id}", headers=hq).status_code == 204
    assert submit(body).status_code == 410
    assert client.get(f"/api/v1/visits/{visit_id}", headers=hq).status_code == 404
    assert visit_count(db) == 1


def test_every_problem_is_reported_at_once_and_nothing_is_stored(submit, visit_body, db):
    body = visit_body([])  # no photo for the photo-required question
    body["answers"]["wait_seconds"] = {"value": -5}
    body["answers"]["answers_accurate"] = {"value": 9}
    body["answers"]["no_such_question"] = {"value": "yes"}
    body["answers"]["courteous_throughout"] = {"value": "no"}  # comment required
    del body["answers"]["greeted_friendly"]
    body["ended_at"] = body["started_at"]
    response = submit(body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors["answers"]) >= {
        "wait_seconds",
        "answers_accurate",
        "no_such_question",
        "courteous_throughout",
        "greeted_friendly",
        PHOTO_QUESTION,
    }
    assert "ended_at" in errors
    assert visit_count(db) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"started_at": "2026-10-01T10:00:00"}, "started_at"),  # no time zone
        ({"client_uuid": "not-a-uuid"}, "client_uuid"),
        ({"branch_id": "1"}, "branch_id"),
        ({"waiting_seconds": -1}, "waiting_seconds"),
        ({"gps": {"latitude": 200, "longitude": 0}}, "gps"),
        ({"answers": []}, "answers"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_malformed_fields_are_422_naming_them(submit, visit_body, change, field):
    response = submit({**visit_body([]), **change})
    assert response.status_code == 422
    assert field in response.get_json()["errors"]["json"]


def test_times_must_be_sane(submit, visit_body, make_photo, auditor_headers):
    now = utcnow()
    future = visit_body(
        [make_photo(auditor_headers)],
        started_at=(now + timedelta(minutes=20)).isoformat(),
        ended_at=(now + timedelta(minutes=40)).isoformat(),
    )
    assert set(submit(future).get_json()["errors"]) >= {"started_at", "ended_at"}
    too_long = visit_body(
        [make_photo(auditor_headers)],
        started_at=(now - timedelta(hours=14)).isoformat(),
        ended_at=(now - timedelta(hours=1)).isoformat(),
    )
    assert "ended_at" in submit(too_long).get_json()["errors"]
    skewed = visit_body(
        [make_photo(auditor_headers)],
        started_at=(now - timedelta(minutes=20)).isoformat(),
        ended_at=(now + timedelta(minutes=3)).isoformat(),
    )
    assert submit(skewed).status_code == 201


def test_a_branch_outside_the_auditors_scope_is_refused_like_a_missing_one(
    submit, visit_body, make_photo, auditor_headers, world
):
    outside = submit(visit_body([make_photo(auditor_headers)], branch_id=world.tromso.id))
    missing = submit(visit_body([make_photo(auditor_headers)], branch_id=987654))
    assert outside.status_code == missing.status_code == 422
    assert outside.get_json()["errors"] == missing.get_json()["errors"]


def test_unknown_form_version_is_422(submit, visit_body):
    response = submit(visit_body([], form_version=7))
    assert "form_version" in response.get_json()["errors"]


def test_only_auditors_submit(client, visit_body, world, auth_header):
    for user in (world.hq, world.manager, world.regional):
        response = client.post("/api/v1/visits", json=visit_body([]), headers=auth_header(user))
        assert response.status_code == 403


def test_photos_of_another_auditor_cannot_be_used(
    submit, visit_body, make_photo, world, make_user, auth_header
):
    from server.models import Role

    other = make_user(Role.AUDITOR, areas=[world.pl])
    foreign_photo = make_photo(auth_header(other))
    response = submit(visit_body([foreign_photo]))
    assert response.status_code == 422
    assert PHOTO_QUESTION in response.get_json()["errors"]["answers"]


def test_a_photo_cannot_serve_two_visits(submit, visit_body, make_photo, auditor_headers):
    photo_id = make_photo(auditor_headers)
    assert submit(visit_body([photo_id])).status_code == 201
    second = submit(visit_body([photo_id]))
    assert second.status_code == 422


# Reading --------------------------------------------------------------------------------------


@pytest.fixture
def stored_visits(submit, visit_body, make_photo, auditor_headers, world, db):
    """An approved visit at Łódź Piotrkowska and a submitted one at Warsaw."""
    approved = submit(visit_body([make_photo(auditor_headers)])).get_json()["id"]
    pending = submit(
        visit_body([make_photo(auditor_headers)], branch_id=world.warsaw.id)
    ).get_json()["id"]
    db.session.get(Visit, approved).status = VisitStatus.APPROVED
    db.session.commit()
    return approved, pending


def test_hq_lists_every_visit_with_filters(client, world, auth_header, stored_visits):
    approved, pending = stored_visits
    headers = auth_header(world.hq)
    listed = client.get("/api/v1/visits", headers=headers)
    assert {v["id"] for v in listed.get_json()} == {approved, pending}
    assert json.loads(listed.headers["X-Pagination"])["total"] == 2
    by_branch = client.get(f"/api/v1/visits?branch_id={world.warsaw.id}", headers=headers)
    assert [v["id"] for v in by_branch.get_json()] == [pending]
    by_area = client.get(f"/api/v1/visits?area_id={world.lodzkie.id}", headers=headers)
    assert [v["id"] for v in by_area.get_json()] == [approved]
    by_status = client.get("/api/v1/visits?status=approved&form=branch-visit", headers=headers)
    assert [v["id"] for v in by_status.get_json()] == [approved]
    since = (utcnow() + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert client.get(f"/api/v1/visits?started_from={since}", headers=headers).get_json() == []


def test_branch_staff_see_only_approved_visits_and_nothing_of_the_auditor(
    client, world, auth_header, stored_visits
):
    approved, pending = stored_visits
    for user in (world.manager, world.regional):
        headers = auth_header(user)
        listed = client.get("/api/v1/visits", headers=headers)
        assert [v["id"] for v in listed.get_json()] == [approved]
        one = client.get(f"/api/v1/visits/{approved}", headers=headers)
        text = one.get_data(as_text=True)
        for secret in (
            "auditor",
            world.auditor.name,
            world.auditor.email,
            "client_uuid",
            "gps",
            "device",
            "Pixel 8",
            "51.7592",
        ):
            assert secret not in text, secret
        assert client.get(f"/api/v1/visits/{pending}", headers=headers).status_code == 404


def test_auditors_see_only_their_own_visits(client, world, auth_header, stored_visits, make_user):
    from server.models import Role

    other = make_user(Role.AUDITOR, areas=[world.pl])
    assert client.get("/api/v1/visits", headers=auth_header(other)).get_json() == []
    approved, _ = stored_visits
    assert client.get(f"/api/v1/visits/{approved}", headers=auth_header(other)).status_code == 404
    own = client.get(f"/api/v1/visits/{approved}", headers=auth_header(world.auditor))
    assert own.get_json()["auditor"]["name"] == world.auditor.name


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-00:01"])
def test_times_at_the_edge_of_the_calendar_are_422_not_500(submit, visit_body, moment):
    response = submit(visit_body([], started_at=moment))
    assert response.status_code == 422
    assert "started_at" in response.get_json()["errors"]["json"]


def test_answers_read_back_exactly_as_stored(
    submit, visit_body, make_photo, auditor_headers, client
):
    # Comments with diacritics and quotes, numbers and nulls survive the one-statement insert.
    body = visit_body([make_photo(auditor_headers)])
    body["answers"]["courteous_throughout"] = {
        "value": "no",
        "comment": 'Kasjer był niemiły: „nie teraz" – Łódź, Győr, Tromsø, Šiauliai \\ \u00a0',
    }
    body["answers"]["wait_seconds"] = {"value": 200}
    body["answers"]["used_customer_name"] = {"value": "na"}
    response = submit(body)
    assert response.status_code == 201, response.get_json()
    posted = response.get_json()
    stored = client.get(f"/api/v1/visits/{posted['id']}", headers=auditor_headers).get_json()
    assert stored["answers"] == posted["answers"]
    by_key = {answer["question_key"]: answer for answer in stored["answers"]}
    assert (
        by_key["courteous_throughout"]["comment"]
        == body["answers"]["courteous_throughout"]["comment"]
    )
    assert by_key["wait_seconds"]["value"] == 200 and by_key["wait_seconds"]["comment"] is None
    assert by_key["used_customer_name"]["value"] == "na"
    assert stored["sections"] == posted["sections"]


def test_the_fast_visit_dumps_equal_marshmallows(
    app, client, db, world, auth_header, submit, visit_body, make_photo, auditor_headers
):
    import marshmallow as ma

    from server.api.review.schemas import QueueVisitSchema
    from server.api.visits.schemas import BranchVisitSchema, VisitSchema

    body = visit_body([make_photo(auditor_headers)])
    body["answers"]["courteous_throughout"] = {"value": "no", "comment": "Łódź: „nie”."}
    returned = submit(body).get_json()["id"]
    review = client.post(
        f"/api/v1/visits/{returned}/review",
        headers=auth_header(world.hq),
        json={"decision": "return", "note": "Proszę dodać zdjęcie."},
    )
    assert review.status_code == 200, review.get_json()
    without_gps = visit_body([make_photo(auditor_headers)])
    without_gps.pop("gps")
    plain = submit(without_gps).get_json()["id"]

    with app.test_request_context():
        for visit_id in (returned, plain):
            visit = db.session.get(Visit, visit_id)
            for schema in (VisitSchema, BranchVisitSchema, QueueVisitSchema):
                fast = schema().dump(visit)
                assert fast == ma.Schema.dump(schema(), visit), schema.__name__
                assert list(fast) == list(schema().dump_fields)  # the declared order
            note = "Proszę dodać zdjęcie." if visit_id == returned else None
            assert fast["review_note"] == note
            assert (fast["gps"] is None) == (visit_id == plain)
        many = VisitSchema(many=True)
        visits = [db.session.get(Visit, returned), db.session.get(Visit, plain)]
        assert many.dump(visits) == ma.Schema.dump(many, visits)
