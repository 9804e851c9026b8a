"""The review lifecycle: submitted -> approved | returned | rejected, revisions, history."""

import uuid

import pytest
from sqlalchemy import select

from server.models import AuditLogEntry, Visit, VisitStatus


@pytest.fixture
def auditor_headers(world, auth_header):
    return auth_header(world.auditor)


@pytest.fixture
def hq_headers(world, auth_header):
    return auth_header(world.hq)


@pytest.fixture
def submitted(client, auditor_headers, visit_body, make_photo):
    def make(**overrides):
        body = visit_body([make_photo(auditor_headers)], **overrides)
        response = client.post("/api/v1/visits", json=body, headers=auditor_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"], body

    return make


def decide(client, headers, visit_id, decision, note=""):
    return client.post(
        f"/api/v1/visits/{visit_id}/review",
        headers=headers,
        json={"decision": decision, "note": note},
    )


@pytest.mark.parametrize(
    ("decision", "status"),
    [("approve", "approved"), ("return", "returned"), ("reject", "rejected")],
)
def test_every_legal_decision(client, hq_headers, submitted, decision, status, db):
    visit_id, _ = submitted()
    response = decide(client, hq_headers, visit_id, decision, "Zdjęcie nieostre")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == status
    entry = db.session.scalar(
        select(AuditLogEntry).where(
            AuditLogEntry.object_id == visit_id, AuditLogEntry.object_type == "visit"
        )
    )
    assert entry.action == f"visit.{status}" and entry.note == "Zdjęcie nieostre"


@pytest.mark.parametrize("first", ["approve", "return", "reject"])
@pytest.mark.parametrize("second", ["approve", "return", "reject"])
def test_a_decided_visit_cannot_be_decided_again(client, hq_headers, submitted, first, second):
    visit_id, _ = submitted()
    assert decide(client, hq_headers, visit_id, first, "note").status_code == 200
    again = decide(client, hq_headers, visit_id, second, "note")
    assert again.status_code == 409
    current = {"approve": "approved", "return": "returned", "reject": "rejected"}[first]
    assert current in again.get_json()["message"]
    assert again.get_json()["errors"]["status"] == [current]


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_returning_or_rejecting_needs_a_note(client, hq_headers, submitted, decision):
    visit_id, _ = submitted()
    response = decide(client, hq_headers, visit_id, decision)
    assert response.status_code == 422 and "note" in response.get_json()["errors"]


def test_an_unknown_decision_is_422(client, hq_headers, submitted):
    visit_id, _ = submitted()
    assert decide(client, hq_headers, visit_id, "maybe").status_code == 422


def revision_body(body, **changes):
    revised = {
        key: body[key] for key in ("started_at", "ended_at", "waiting_seconds", "answers", "gps")
    }
    revised["revision_uuid"] = str(uuid.uuid4())
    revised.update(changes)
    return revised


def test_returned_visit_is_corrected_and_resubmitted_keeping_history(
    client, hq_headers, auditor_headers, submitted
):
    visit_id, body = submitted()
    decide(client, hq_headers, visit_id, "return", "Brak komentarza do oczekiwania")
    seen = client.get(f"/api/v1/visits/{visit_id}", headers=auditor_headers).get_json()
    assert seen["status"] == "returned"
    assert seen["review_note"] == "Brak komentarza do oczekiwania"
    body["answers"]["wait_seconds"] = {"value": 200, "comment": "Kolejka przy kasie"}
    revision = revision_body(body)
    response = client.post(
        f"/api/v1/visits/{visit_id}/revisions", json=revision, headers=auditor_headers
    )
    assert response.status_code == 201, response.get_json()
    revised = response.get_json()
    assert revised["status"] == "submitted" and revised["revision"] == 2
    assert revised["id"] == visit_id
    assert float(revised["score"]["percent"]) < 100
    # A retried revision is the same revision.
    again = client.post(
        f"/api/v1/visits/{visit_id}/revisions", json=revision, headers=auditor_headers
    )
    assert again.status_code == 200 and again.get_json()["revision"] == 2
    assert decide(client, hq_headers, visit_id, "approve").status_code == 200
    history = client.get(f"/api/v1/visits/{visit_id}/history", headers=hq_headers).get_json()
    assert history["current_revision"] == 2
    assert [r["number"] for r in history["revisions"]] == [1]
    assert history["revisions"][0]["snapshot"]["score_percent"] == "100.0000"
    assert [d["decision"] for d in history["decisions"]] == ["returned", "approved"]
    assert history["decisions"][0]["note"] == "Brak komentarza do oczekiwania"


def test_only_a_returned_visit_takes_a_revision(client, auditor_headers, submitted):
    visit_id, body = submitted()
    response = client.post(
        f"/api/v1/visits/{visit_id}/revisions", json=revision_body(body), headers=auditor_headers
    )
    assert response.status_code == 409
    assert response.get_json()["errors"]["status"] == ["submitted"]


def test_a_bad_revision_changes_nothing(client, hq_headers, auditor_headers, submitted, db):
    visit_id, body = submitted()
    decide(client, hq_headers, visit_id, "return", "Popraw")
    body["answers"]["answers_accurate"] = {"value": 99}
    response = client.post(
        f"/api/v1/visits/{visit_id}/revisions", json=revision_body(body), headers=auditor_headers
    )
    assert response.status_code == 422
    assert "answers_accurate" in response.get_json()["errors"]["answers"]
    visit = db.session.get(Visit, visit_id)
    assert visit.status == VisitStatus.RETURNED and visit.revision == 1


def test_another_auditor_cannot_revise(
    client, hq_headers, submitted, world, make_user, auth_header
):
    from server.models import Role

    visit_id, body = submitted()
    decide(client, hq_headers, visit_id, "return", "Popraw")
    other = auth_header(make_user(Role.AUDITOR, areas=[world.pl]))
    response = client.post(
        f"/api/v1/visits/{visit_id}/revisions", json=revision_body(body), headers=other
    )
    assert response.status_code == 404


def test_review_queue_is_oldest_first_and_only_submitted(client, hq_headers, submitted, world):
    first, _ = submitted()
    second, _ = submitted(branch_id=world.warsaw.id)
    third, _ = submitted()
    decide(client, hq_headers, third, "approve")
    queue = client.get("/api/v1/review-queue", headers=hq_headers).get_json()
    assert [item["id"] for item in queue] == [first, second]
    assert all("flags" in item for item in queue)
    filtered = client.get(
        f"/api/v1/review-queue?branch_id={world.warsaw.id}", headers=hq_headers
    ).get_json()
    assert [item["id"] for item in filtered] == [second]


def test_audit_log_is_readable_by_hq(client, hq_headers, submitted, world, auth_header):
    visit_id, _ = submitted()
    decide(client, hq_headers, visit_id, "reject", "Zdjęcia z innego dnia")
    entries = client.get("/api/v1/audit-log?object_type=visit", headers=hq_headers).get_json()
    assert entries[0]["action"] == "visit.rejected"
    assert entries[0]["actor_name"] == world.hq.name
    assert client.get("/api/v1/audit-log", headers=auth_header(world.manager)).status_code == 403


def test_rejected_and_unreviewed_visits_are_invisible_to_branch_staff(
    client, hq_headers, submitted, world, auth_header
):
    approved, _ = submitted()
    rejected, _ = submitted()
    returned, _ = submitted()
    pending, _ = submitted()
    decide(client, hq_headers, approved, "approve")
    decide(client, hq_headers, rejected, "reject", "x")
    decide(client, hq_headers, returned, "return", "x")
    for user in (world.manager, world.regional):
        listed = client.get("/api/v1/visits", headers=auth_header(user)).get_json()
        assert [v["id"] for v in listed] == [approved]
        for hidden in (rejected, returned, pending):
            assert (
                client.get(f"/api/v1/visits/{hidden}", headers=auth_header(user)).status_code == 404
            )
