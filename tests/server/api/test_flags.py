"""QA flags, one test per flag, each with its readable reason."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from server.models import Photo, Visit
from server.models.types import utcnow
from server.services.flags import distance_m, flags_for
from tests.fixtures.corpus import jpeg, noise


@pytest.fixture
def headers(world, auth_header):
    return auth_header(world.auditor)


@pytest.fixture
def submit(client, headers, visit_body, make_photo, db):
    def submit(photo_content=None, **overrides):
        body = visit_body([make_photo(headers, photo_content)], **overrides)
        response = client.post("/api/v1/visits", json=body, headers=headers)
        assert response.status_code == 201, response.get_json()
        return db.session.get(Visit, response.get_json()["id"])

    return submit


def codes(visit):
    return {flag.code: flag for flag in flags_for(visit)}


def test_a_clean_visit_has_no_flags(submit):
    assert codes(submit()) == {}


def test_distance_is_great_circle():
    # Łódź Piotrkowska to Warsaw Marszałkowska: about 119 km.
    assert distance_m(51.7592, 19.456, 52.233, 21.011) == pytest.approx(119_000, rel=0.02)


def test_gps_far_from_the_branch(submit):
    visit = submit(gps={"latitude": 51.7592, "longitude": 19.49, "accuracy_m": 30})
    flag = codes(visit)["gps_far"]
    assert flag.reason == "GPS fix 2.1 km from the branch, accuracy 30 m."
    # 0.03° of longitude at 51.76° N
    assert flag.params["distance_m"] == pytest.approx(2070, abs=10)


def test_no_gps_when_expected(submit, app):
    assert codes(submit(gps=None))["gps_missing"].reason == "No GPS fix was sent with the visit."
    app.config["QA_GPS_EXPECTED"] = False
    assert "gps_missing" not in codes(submit(gps=None))


def test_visit_too_short_and_too_long(submit):
    ended = utcnow() - timedelta(hours=1)
    short = submit(
        started_at=(ended - timedelta(minutes=2)).isoformat(), ended_at=ended.isoformat()
    )
    assert codes(short)["visit_short"].reason == (
        "The visit lasted 2 min; at least 5 min is plausible for this form."
    )
    long = submit(
        started_at=(ended - timedelta(minutes=200)).isoformat(), ended_at=ended.isoformat()
    )
    assert codes(long)["visit_long"].reason == (
        "The visit lasted 200 min; at most 90 min is plausible for this form."
    )


def test_submitted_long_after_the_visit(submit):
    ended = utcnow() - timedelta(hours=72)
    visit = submit(
        started_at=(ended - timedelta(minutes=20)).isoformat(), ended_at=ended.isoformat()
    )
    assert codes(visit)["submitted_late"].reason == (
        "Submitted 72 h after the visit ended (more than 48 h)."
    )


def test_photo_taken_outside_the_visit(submit, db):
    visit = submit()
    photo = visit.photos[0]
    # The camera's clock, in the branch's local time (Europe/Warsaw), a day before.
    local = visit.started_at.astimezone(ZoneInfo("Europe/Warsaw"))
    db.session.execute(
        update(Photo)
        .where(Photo.id == photo.id)
        .values(captured_at=(local - timedelta(days=1)).replace(tzinfo=None))
    )
    db.session.commit()
    db.session.refresh(photo)
    flag = codes(visit)["photo_time"]
    expected = (local - timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    assert flag.reason == f"Photo {photo.id} was taken at {expected}, outside the visit."


def test_photo_taken_during_the_visit_is_fine(submit, db):
    visit = submit()
    photo = visit.photos[0]
    inside = visit.started_at + timedelta(minutes=5)
    db.session.execute(
        update(Photo)
        .where(Photo.id == photo.id)
        .values(captured_at=inside.replace(tzinfo=None), captured_utc_offset_minutes=0)
    )
    db.session.commit()
    assert "photo_time" not in codes(visit)


def test_the_same_photo_in_another_visit(submit):
    same = jpeg(noise((64, 48), seed=3))
    first = submit(same)
    second = submit(same)
    flag = codes(second)["photo_reused"]
    assert flag.reason == (
        f"Photo {second.photos[0].id} is identical to a photo of visit {first.id}."
    )
    assert codes(first)["photo_reused"].params["visit_ids"] == [second.id]


def test_flags_never_block_a_submission(submit):
    ended = utcnow() - timedelta(hours=100)
    visit = submit(
        gps={"latitude": 10.0, "longitude": 10.0},
        started_at=(ended - timedelta(minutes=1)).isoformat(),
        ended_at=ended.isoformat(),
    )
    assert {"gps_far", "visit_short", "submitted_late"} <= set(codes(visit))


def test_the_queue_shows_flags_with_reasons(client, submit, world, auth_header):
    submit(gps={"latitude": 51.7592, "longitude": 19.49, "accuracy_m": 30})
    queue = client.get("/api/v1/review-queue", headers=auth_header(world.hq)).get_json()
    assert queue[0]["flags"][0]["reason"] == "GPS fix 2.1 km from the branch, accuracy 30 m."
