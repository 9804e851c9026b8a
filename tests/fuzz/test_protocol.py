"""The phone's submission protocol as a hypothesis state machine.

A phone reserves photos (with or without a client_uuid, again and again), uploads them (to the
signed URL of the local backend, or through the API, sometimes twice, sometimes garbage),
completes them (sometimes before the upload, sometimes twice), submits visits under a fresh
client_uuid, replays them (same body, changed body, from several threads at once, after a lost
answer), and HQ deletes some. After every step:

- the visit rows of the auditor are exactly the client_uuids accepted, deleted ones included
  (tombstones); the live ones are those accepted minus those deleted;
- every completed photo is still served to the auditor, byte for byte as when it was completed,
  and its object key and checksum never change;
- a deleted visit stays deleted (404 to HQ, 410 to a replay);
- a visit is `complete` exactly when every photo it references is complete.

Each example makes its own auditors (unique emails), so the examples of one test, which share
the test's database, only count their own rows. FUZZ_EXAMPLES (default 15) and FUZZ_STEPS
(default 20) make the run deeper; see docs/reliability.md.
"""

from __future__ import annotations

import copy
import hashlib
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from itertools import count
from typing import Any

from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from audit_forms import Form
from server.extensions import db
from server.models import Photo, Role, Visit
from server.services import forms
from tests.fuzz import phone
from tests.fuzz.conftest import fuzz_setting, write_report

EXAMPLES = fuzz_setting("FUZZ_EXAMPLES", 15)
STEPS = fuzz_setting("FUZZ_STEPS", 20)
GARBAGE = b"\xff\xd8\xff\xe0 this is no JPEG at all"

_emails = count(1)
# what the runs did: "rule and outcome" -> times, written to FUZZ_REPORT_DIR if set
OUTCOMES: Counter[str] = Counter()


def seen(outcome: str) -> None:
    OUTCOMES[outcome] += 1


@dataclass
class PhotoModel:
    id: int
    client_uuid: str | None
    upload: dict[str, Any]  # the presigned upload of the reservation
    uploaded: bytes | None = None  # the last bytes sent before completion
    status: str = "reserved"  # reserved | complete | rejected
    served_sha256: str | None = None  # of the bytes GET /photos/{id} served when completed
    object_key: str | None = None
    sha256: str | None = None
    visit: str | None = None  # client_uuid of the visit it is evidence for


@dataclass
class VisitModel:
    client_uuid: str
    body: dict[str, Any]
    id: int
    photo_ids: list[int]
    answers: list[dict[str, Any]]  # as first served (but photo status), to prove nothing changes
    deleted: bool = False


class SubmissionProtocol(RuleBasedStateMachine):
    """The phone (an auditor) against the server, with HQ deleting now and then."""

    # Set by the test before the run: its app, world and factories.
    app: Flask
    branch_id: int
    other_branch_id: int
    world_areas: list[Any]
    form: Form
    hq_headers: dict[str, str]
    make_user: Any
    auth_header: Any

    reserved = Bundle("reserved")  # photo ids (any state)
    visits = Bundle("visits")  # client_uuids of accepted visits

    def __init__(self) -> None:
        super().__init__()
        self.client = self.app.test_client()
        serial = next(_emails)
        auditor = self.make_user(
            Role.AUDITOR, email=f"phone{serial}@fuzz.test", areas=self.world_areas
        )
        self.auditor_id = auditor.id
        self.headers = self.auth_header(auditor)
        other = self.make_user(
            Role.AUDITOR, email=f"other{serial}@fuzz.test", areas=self.world_areas
        )
        self.other_headers = self.auth_header(other)
        self.photos: dict[int, PhotoModel] = {}
        self.photo_uuids: dict[str, int] = {}
        self.accepted: dict[str, VisitModel] = {}
        self.shade = 0

    # ---- photos ------------------------------------------------------------------------------

    @rule(target=reserved, with_uuid=st.booleans())
    def reserve(self, with_uuid: bool):
        client_uuid = str(uuid.uuid4()) if with_uuid else None
        response = phone.reserve(self.client, self.headers, client_uuid)
        assert response.status_code == 201, response.get_json()
        reservation = response.get_json()
        photo_id = reservation["photo"]["id"]
        assert photo_id not in self.photos
        self.photos[photo_id] = PhotoModel(photo_id, client_uuid, reservation["upload"])
        if client_uuid:
            self.photo_uuids[client_uuid] = photo_id
        seen(f"reserve {'with' if with_uuid else 'without'} client_uuid")
        return photo_id

    @rule(target=reserved, signed=st.booleans())
    def take_a_photo(self, signed: bool):
        """The usual path in one step: reserve, upload, complete."""
        photo_id = self.reserve(with_uuid=True)
        self.upload(photo_id, signed=signed, garbage=False)
        self.complete(photo_id)
        return photo_id

    @precondition(lambda self: self.photo_uuids)
    @rule(data=st.data())
    def reserve_again(self, data):
        """A retried reservation (its answer was lost): the same photo, never a second one."""
        client_uuid = data.draw(st.sampled_from(sorted(self.photo_uuids)), label="client_uuid")
        photo = self.photos[self.photo_uuids[client_uuid]]
        response = phone.reserve(self.client, self.headers, client_uuid)
        seen(f"reserve again a {photo.status} photo -> {response.status_code}")
        if photo.status == "rejected":
            assert response.status_code == 409, response.get_json()
            return
        assert response.status_code == 200, response.get_json()
        again = response.get_json()
        assert again["photo"]["id"] == photo.id
        assert again["photo"]["status"] == photo.status
        if photo.status == "reserved":
            photo.upload = again["upload"]  # a fresh signature for the same object
        else:
            assert again["upload"] is None

    @rule(photo_id=reserved, signed=st.booleans(), garbage=st.booleans())
    def upload(self, photo_id: int, signed: bool, garbage: bool):
        photo = self.photos[photo_id]
        self.shade += 37
        content = GARBAGE if garbage else phone.photo_bytes(self.shade)
        if signed:
            response = phone.upload_signed(self.client, photo.upload, content)
        else:
            response = phone.upload_through_api(self.client, self.headers, photo_id, content)
        kind = f"{'signed URL' if signed else 'API'}, {'garbage' if garbage else 'JPEG'}"
        seen(f"upload ({kind}) to a {photo.status} photo -> {response.status_code}")
        if photo.status == "reserved":
            assert response.status_code == 204, response.get_json()
            photo.uploaded = content
        else:
            assert response.status_code == 409, response.get_json()

    @rule(photo_id=reserved)
    def complete(self, photo_id: int):
        photo = self.photos[photo_id]
        response = phone.complete(self.client, self.headers, photo_id)
        self._completed(photo, [response])

    @rule(photo_id=reserved, threads=st.integers(2, 3))
    def complete_concurrently(self, photo_id: int, threads: int):
        """Retries of the same completion arriving at once: one result, never two."""
        url = f"/api/v1/photos/{photo_id}/complete"
        responses = self._in_threads(threads, lambda client: client.post(url, headers=self.headers))
        self._completed(self.photos[photo_id], responses)

    def _completed(self, photo: PhotoModel, responses: list[Any]) -> None:
        """Check the answers to one or more simultaneous completions (all the same: the
        photo row is locked while one completes it) and update the model."""
        codes = [response.status_code for response in responses]
        seen(f"complete x{len(responses)} a {photo.status} photo -> {sorted(set(codes))}")
        if photo.status == "complete":
            expected = 200
        elif photo.status == "rejected" or photo.uploaded == GARBAGE:
            expected = 422
        elif photo.uploaded is None:
            expected = 409  # nothing uploaded yet
        else:
            expected = 200
        details = [response.get_json() for response in responses]
        assert set(codes) == {expected}, details
        if expected == 422:
            photo.status = "rejected"
        if expected != 200:
            return
        sha256s = {r.get_json()["sha256"] for r in responses if r.status_code == 200}
        assert len(sha256s) == 1, details
        sha256 = sha256s.pop()
        if photo.status == "complete":
            assert sha256 == photo.sha256
            return
        # The first completion: the checksum is of the bytes last uploaded.
        assert photo.uploaded is not None
        assert sha256 == hashlib.sha256(photo.uploaded).hexdigest()
        served = self.client.get(f"/api/v1/photos/{photo.id}", headers=self.headers)
        assert served.status_code == 200, served.get_json()
        assert served.mimetype == "image/jpeg" and served.data[:2] == b"\xff\xd8"
        photo.status = "complete"
        photo.sha256 = sha256
        photo.served_sha256 = hashlib.sha256(served.data).hexdigest()
        photo.object_key = self._stored_photo(photo.id)[0]
        assert photo.object_key is not None

    # ---- visits ------------------------------------------------------------------------------

    def _free_photos(self) -> list[int]:
        return sorted(
            photo.id
            for photo in self.photos.values()
            if photo.visit is None and photo.status != "rejected"
        )

    def _body(self, photo_ids: list[int]) -> dict[str, Any]:
        return phone.visit_body(self.form, self.branch_id, photo_ids)

    def _accept(self, body: dict[str, Any], visit_json: dict[str, Any], photo_ids: list[int]):
        client_uuid = body["client_uuid"]
        answers = _without_photo_status(visit_json["answers"])
        linked = sorted(link["id"] for answer in answers for link in answer["photos"])
        assert linked == sorted(photo_ids)
        self.accepted[client_uuid] = VisitModel(
            client_uuid, body, visit_json["id"], photo_ids, answers
        )
        for photo_id in photo_ids:
            self.photos[photo_id].visit = client_uuid
        return client_uuid

    @precondition(lambda self: self._free_photos())
    @rule(target=visits, data=st.data(), lost=st.booleans())
    def submit(self, data, lost: bool):
        """A new visit; `lost`: the answer never reached the phone, which sends it again."""
        free = self._free_photos()
        photo_ids = data.draw(
            st.lists(st.sampled_from(free), min_size=1, max_size=min(4, len(free)), unique=True),
            label="photo_ids",
        )
        body = self._body(photo_ids)
        first = self.client.post("/api/v1/visits", json=body, headers=self.headers)
        assert first.status_code == 201, first.get_json()
        complete = all(self.photos[photo_id].status == "complete" for photo_id in photo_ids)
        seen(f"submit ({'complete' if complete else 'incomplete'}, answer lost: {lost})")
        if lost:
            again = self.client.post("/api/v1/visits", json=body, headers=self.headers)
            assert again.status_code == 200, again.get_json()
            assert again.get_json()["id"] == first.get_json()["id"]
        return self._accept(body, first.get_json(), photo_ids)

    @precondition(lambda self: self._free_photos())
    @rule(target=visits, data=st.data(), threads=st.integers(2, 4))
    def submit_concurrently(self, data, threads: int):
        """The same new visit from several connections at once: one row, one id."""
        free = self._free_photos()
        photo_ids = data.draw(
            st.lists(st.sampled_from(free), min_size=1, max_size=min(3, len(free)), unique=True),
            label="photo_ids",
        )
        body = self._body(photo_ids)
        responses = self._in_threads(
            threads, lambda client: client.post("/api/v1/visits", json=body, headers=self.headers)
        )
        codes = sorted(response.status_code for response in responses)
        seen(f"submit from {threads} threads at once -> {codes}")
        assert codes == [200] * (threads - 1) + [201], [r.get_json() for r in responses]
        ids = {response.get_json()["id"] for response in responses}
        assert len(ids) == 1
        created = next(r for r in responses if r.status_code == 201)
        return self._accept(body, created.get_json(), photo_ids)

    def _unusable_photos(self) -> list[int]:
        return sorted(
            photo.id
            for photo in self.photos.values()
            if photo.visit is not None or photo.status == "rejected"
        )

    @precondition(lambda self: self._unusable_photos())
    @rule(data=st.data())
    def submit_with_a_taken_or_rejected_photo(self, data):
        """Evidence that is not free: 422, and nothing is stored."""
        unusable = self._unusable_photos()
        photo_id = data.draw(st.sampled_from(unusable), label="photo_id")
        body = self._body([photo_id])
        response = self.client.post("/api/v1/visits", json=body, headers=self.headers)
        seen(f"submit with a taken or rejected photo -> {response.status_code}")
        assert response.status_code == 422, response.get_json()

    @rule(client_uuid=visits)
    def replay(self, client_uuid: str):
        visit = self.accepted[client_uuid]
        response = self.client.post("/api/v1/visits", json=visit.body, headers=self.headers)
        seen(f"replay -> {response.status_code}")
        if visit.deleted:
            assert response.status_code == 410, response.get_json()
        else:
            assert response.status_code == 200, response.get_json()
            assert response.get_json()["id"] == visit.id

    @rule(client_uuid=visits, threads=st.integers(2, 4))
    def replay_concurrently(self, client_uuid: str, threads: int):
        visit = self.accepted[client_uuid]
        responses = self._in_threads(
            threads,
            lambda client: client.post("/api/v1/visits", json=visit.body, headers=self.headers),
        )
        expected = 410 if visit.deleted else 200
        codes = {response.status_code for response in responses}
        seen(f"replay from {threads} threads at once -> {sorted(codes)}")
        assert codes == {expected}, [r.get_json() for r in responses]
        if not visit.deleted:
            assert {r.get_json()["id"] for r in responses} == {visit.id}

    @rule(client_uuid=visits, change=st.sampled_from(["answer", "branch", "time", "photos"]))
    def replay_with_changes(self, client_uuid: str, change: str):
        """Other content under a used client_uuid: 409 (410 once deleted); nothing changes."""
        visit = self.accepted[client_uuid]
        body = copy.deepcopy(visit.body)
        if change == "answer":
            body["answers"]["greeted_friendly"] = {"value": "no"}
        elif change == "branch":
            body["branch_id"] = self.other_branch_id
        elif change == "time":
            body["waiting_seconds"] = body["waiting_seconds"] + 1
        else:
            body["answers"][phone.PHOTO_QUESTION]["photo_ids"] = []
        response = self.client.post("/api/v1/visits", json=body, headers=self.headers)
        seen(f"replay with another {change} -> {response.status_code}")
        assert response.status_code == (410 if visit.deleted else 409), response.get_json()

    @rule(client_uuid=visits)
    def another_auditor_uses_the_uuid(self, client_uuid: str):
        visit = self.accepted[client_uuid]
        response = self.client.post("/api/v1/visits", json=visit.body, headers=self.other_headers)
        seen(f"another auditor sends the same visit -> {response.status_code}")
        assert response.status_code in (409, 410), response.get_json()

    @rule(client_uuid=visits)
    def delete(self, client_uuid: str):
        visit = self.accepted[client_uuid]
        response = self.client.delete(f"/api/v1/visits/{visit.id}", headers=self.hq_headers)
        seen(f"HQ deletes the visit -> {response.status_code}")
        assert response.status_code == (404 if visit.deleted else 204), response.get_json()
        visit.deleted = True

    @rule(client_uuid=consumes(visits))
    def resubmit_after_delete(self, client_uuid: str):
        """HQ deletes the visit, the phone sends it again: 410, never recreated."""
        visit = self.accepted[client_uuid]
        if not visit.deleted:
            deleted = self.client.delete(f"/api/v1/visits/{visit.id}", headers=self.hq_headers)
            assert deleted.status_code == 204
            visit.deleted = True
        for _ in range(2):
            response = self.client.post("/api/v1/visits", json=visit.body, headers=self.headers)
            assert response.status_code == 410, response.get_json()
        seen("resubmit after delete -> 410, 410")

    # ---- invariants --------------------------------------------------------------------------

    @invariant()
    def one_row_per_accepted_uuid(self):
        with db.engine.connect() as connection:
            uuids = set(
                connection.scalars(
                    select(Visit.client_uuid).where(Visit.auditor_id == self.auditor_id)
                )
            )
            live = connection.scalar(
                select(func.count(Visit.id)).where(
                    Visit.auditor_id == self.auditor_id, Visit.deleted_at.is_(None)
                )
            )
        assert uuids == set(self.accepted)
        assert live == sum(not visit.deleted for visit in self.accepted.values())

    @invariant()
    def completed_photos_never_change(self):
        for photo in self.photos.values():
            if photo.status != "complete":
                continue
            assert self._stored_photo(photo.id) == (photo.object_key, photo.sha256)
            served = self.client.get(f"/api/v1/photos/{photo.id}", headers=self.headers)
            assert served.status_code == 200, photo.id
            assert hashlib.sha256(served.data).hexdigest() == photo.served_sha256

    @invariant()
    def visits_read_as_the_model_says(self):
        for visit in self.accepted.values():
            if visit.deleted:
                response = self.client.get(f"/api/v1/visits/{visit.id}", headers=self.hq_headers)
                assert response.status_code == 404, response.get_json()
                again = self.client.post("/api/v1/visits", json=visit.body, headers=self.headers)
                assert again.status_code == 410, again.get_json()
                continue
            response = self.client.get(f"/api/v1/visits/{visit.id}", headers=self.headers)
            assert response.status_code == 200, response.get_json()
            served = response.get_json()
            assert served["client_uuid"] == visit.client_uuid
            assert _without_photo_status(served["answers"]) == visit.answers
            for answer in served["answers"]:
                for link in answer["photos"]:
                    assert link["status"] == self.photos[link["id"]].status
            missing = sorted(
                photo_id
                for photo_id in visit.photo_ids
                if self.photos[photo_id].status != "complete"
            )
            assert sorted(served["missing_photo_ids"]) == missing
            assert served["completeness"] == ("incomplete" if missing else "complete")

    # ---- helpers -----------------------------------------------------------------------------

    def _stored_photo(self, photo_id: int) -> tuple[str | None, str | None]:
        with db.engine.connect() as connection:
            row = connection.execute(
                select(Photo.object_key, Photo.sha256).where(Photo.id == photo_id)
            ).one()
        return row.object_key, row.sha256

    def _in_threads(self, n: int, send) -> list[Any]:
        """Send the same request from n test clients at once (each its own connection)."""
        db.session.rollback()  # the main thread holds no transaction while they write
        barrier = threading.Barrier(n)
        results: list[Any] = [None] * n
        errors: list[BaseException] = []

        def run(index: int) -> None:
            client = self.app.test_client()
            barrier.wait()
            try:
                results[index] = send(client)
            except BaseException as error:  # re-raised in the main thread
                errors.append(error)

        threads = [threading.Thread(target=run, args=(index,)) for index in range(n)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        return results


def _without_photo_status(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Answers as served, but for the status of their photos (which completes later)."""
    return [
        {**answer, "photos": [{**link, "status": None} for link in answer["photos"]]}
        for answer in answers
    ]


def test_the_submission_protocol(app, world, make_user, auth_header):
    form = forms.form_of(forms.get_form_version(phone.FORM_KEY, 1))

    class Protocol(SubmissionProtocol):
        pass

    Protocol.app = app
    Protocol.branch_id = world.lodz_1.id
    Protocol.other_branch_id = world.warsaw.id
    Protocol.form = form
    Protocol.hq_headers = auth_header(world.hq)
    Protocol.make_user = staticmethod(make_user)
    Protocol.auth_header = staticmethod(auth_header)
    Protocol.world_areas = [world.pl]
    OUTCOMES.clear()
    run_state_machine_as_test(
        Protocol,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    write_report("protocol-outcomes.json", dict(sorted(OUTCOMES.items())))
