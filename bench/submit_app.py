"""The product app plus bare baseline endpoints that exist only for bench/submit.py.

`POST /bench/bare-visits` does the work a visit submission cannot avoid, and nothing else:

- parse the JSON body with the same marshmallow `VisitCreateSchema` as `POST /api/v1/visits`;
- validate the answers with `audit_forms.validate_answers` and score them with
  `audit_forms.score_visit` against the same form (`branch-visit` v1, parsed once per process);
- insert the visit row, its 30 answer rows and its section-score rows into the same tables with
  the ORM (one flush), and commit. `POST /bench/bare-visits-core` writes the same rows with Core
  INSERTs instead, a leaner baseline (bench/submit.py --bare core).

It leaves out the platform's layers: no bearer-token look-up, no scope query for the branch, no
form-version query per request, no canonical fingerprint and no idempotency look-up, no photo
checks or linking, no flask-smorest decorators, and it answers `{"id": ...}` instead of the full
visit. The auditor, branch and form version are fixed ids looked up once per process.

Run: `gunicorn bench.submit_app:app` (bench/submit.py does it for you).
"""

from __future__ import annotations

import threading

import marshmallow as ma
from flask import jsonify, request
from sqlalchemy import insert, select

from audit_forms import Answer, Form, score_visit, validate_answers
from server import create_app
from server.api.visits.schemas import VisitCreateSchema
from server.extensions import db
from server.models import (
    Branch,
    Completeness,
    FormVersion,
    User,
    Visit,
    VisitAnswer,
    VisitSectionScore,
    VisitStatus,
)
from server.models.types import utcnow
from server.services import forms
from server.serving import prepare_process

AUDITOR_EMAIL = "auditor.pl@demo.example"
BRANCH_CODE = "PL-LDZ-001"
FORM_KEY = "branch-visit"
FORM_VERSION = 1
# The column is NOT NULL; the baseline computes no fingerprint.
NO_FINGERPRINT = "bare-baseline-no-fingerprint"

app = create_app()
prepare_process()  # as wsgi.py, the production entry point, does

_schema = VisitCreateSchema()
_fixture: tuple[int, int, int, Form] | None = None
_fixture_lock = threading.Lock()


def _fixed() -> tuple[int, int, int, Form]:
    """(auditor id, branch id, form version id, parsed form), looked up once per process."""
    global _fixture
    if _fixture is None:
        with _fixture_lock:
            if _fixture is None:
                auditor_id = db.session.scalar(select(User.id).where(User.email == AUDITOR_EMAIL))
                branch_id = db.session.scalar(select(Branch.id).where(Branch.code == BRANCH_CODE))
                stored = db.session.scalar(
                    select(FormVersion).where(
                        FormVersion.key == FORM_KEY, FormVersion.version == FORM_VERSION
                    )
                )
                if auditor_id is None or branch_id is None or stored is None:
                    raise RuntimeError("run `flask --app bench.submit_app demo` first")
                _fixture = (auditor_id, branch_id, stored.id, forms.form_of(stored))
                db.session.rollback()
    return _fixture


def _parse_and_score():
    """The unavoidable part: schema, answer validation and scoring. A response on failure."""
    auditor_id, branch_id, form_version_id, form = _fixed()
    try:
        data = _schema.load(request.get_json())
    except ma.ValidationError as error:
        return None, (jsonify(code=422, errors=error.messages), 422)
    answers = {
        key: Answer(a.get("value"), a.get("comment"), tuple(a.get("photo_ids", ())))
        for key, a in data["answers"].items()
    }
    problems = validate_answers(form, answers)
    if problems:
        return None, (jsonify(code=422, errors={p.question: p.message for p in problems}), 422)
    score = score_visit(form, answers)
    now = utcnow()
    gps = data.get("gps") or {}
    visit = dict(
        client_uuid=str(data["client_uuid"]),
        content_fingerprint=NO_FINGERPRINT,
        auditor_id=auditor_id,
        branch_id=branch_id,
        form_version_id=form_version_id,
        started_at=data["started_at"],
        ended_at=data["ended_at"],
        waiting_seconds=data.get("waiting_seconds"),
        gps_latitude=gps.get("latitude"),
        gps_longitude=gps.get("longitude"),
        gps_accuracy_m=gps.get("accuracy_m"),
        device=data.get("device"),
        app_version=data.get("app_version"),
        submitted_at=now,
        status=VisitStatus.SUBMITTED,
        completeness=Completeness.COMPLETE,
        completed_at=now,
        score_percent=score.percent,
        score_earned=score.earned,
        score_possible=score.possible,
        critical_failed=bool(score.critical_failures),
    )
    answer_rows = []
    for position, (section, question) in enumerate(form.iter_questions()):
        result = score.question(question.key)
        answer = answers.get(question.key)
        answer_rows.append(
            dict(
                position=position,
                section_key=section.key,
                question_key=question.key,
                value=None if answer is None else answer.value,
                comment=None if answer is None else answer.comment,
                status=str(result.status),
                earned=result.earned,
                possible=result.possible,
            )
        )
    section_rows = [
        dict(
            position=position,
            section_key=section.key,
            weight=section.weight,
            earned=section.earned,
            possible=section.possible,
            percent=section.percent,
        )
        for position, section in enumerate(score.sections)
    ]
    return (visit, answer_rows, section_rows), None


@app.post("/bench/bare-visits")
def bare_visit():
    """The baseline of bench/submit.py: ORM objects, one flush (the unit of work batches each
    table's rows into one INSERT ... RETURNING), one commit."""
    parsed, failure = _parse_and_score()
    if failure:
        return failure
    values, answer_rows, section_rows = parsed
    visit = Visit(**values)
    visit.answers.extend(VisitAnswer(**row) for row in answer_rows)
    visit.section_scores.extend(VisitSectionScore(**row) for row in section_rows)
    db.session.add(visit)
    db.session.flush()
    visit_id = visit.id  # read before commit: after it, the attribute is expired (a SELECT)
    db.session.commit()
    return jsonify(id=visit_id), 201


@app.post("/bench/bare-visits-core")
def bare_visit_core():
    """A leaner baseline (`--bare core`): the same rows with Core INSERTs (executemany for the
    answers and sections), no ORM objects at all."""
    parsed, failure = _parse_and_score()
    if failure:
        return failure
    values, answer_rows, section_rows = parsed
    visit_id = db.session.scalar(insert(Visit.__table__).values(**values).returning(Visit.id))
    db.session.execute(
        insert(VisitAnswer.__table__), [{**row, "visit_id": visit_id} for row in answer_rows]
    )
    db.session.execute(
        insert(VisitSectionScore.__table__),
        [{**row, "visit_id": visit_id} for row in section_rows],
    )
    db.session.commit()
    return jsonify(id=visit_id), 201
