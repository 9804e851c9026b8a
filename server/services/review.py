"""QA review before release: decisions, corrected revisions, history and the review queue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select

from audit_forms import score_visit
from server.extensions import db
from server.models import (
    Area,
    Branch,
    FormVersion,
    ReviewDecision,
    User,
    Visit,
    VisitRevision,
    VisitStatus,
)
from server.models.types import utcnow
from server.services import audit_log, forms
from server.services.errors import Conflict, InvalidInput
from server.services.visits import (
    canonical_fingerprint,
    check_content,
    flatten,
    link_photos,
    new_problems,
    store_scores,
)

# decision -> the status it leads to; only a submitted visit can be decided.
DECISIONS = {
    "approve": VisitStatus.APPROVED,
    "return": VisitStatus.RETURNED,
    "reject": VisitStatus.REJECTED,
}


def decide(reviewer: User, visit: Visit, decision: str, note: str = "") -> Visit:
    if visit.status != VisitStatus.SUBMITTED:
        raise Conflict(
            f"The visit is {visit.status.value}; only a submitted visit can be decided.",
            {"status": [visit.status.value]},
        )
    if decision in ("return", "reject") and not note.strip():
        raise InvalidInput("Say why.", {"note": ["A note is required to return or reject."]})
    visit.status = DECISIONS[decision]
    db.session.add(
        ReviewDecision(
            visit_id=visit.id,
            revision=visit.revision,
            decision=visit.status.value,
            note=note.strip(),
            reviewer_id=reviewer.id,
        )
    )
    audit_log.record(
        reviewer, f"visit.{visit.status.value}", "visit", visit.id, note, revision=visit.revision
    )
    db.session.flush()
    return visit


def latest_decision(visit: Visit) -> ReviewDecision | None:
    return db.session.scalar(
        select(ReviewDecision)
        .where(ReviewDecision.visit_id == visit.id)
        .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc())
        .limit(1)
    )


def submit_revision(auditor: User, visit: Visit, data: Mapping[str, Any]) -> tuple[Visit, bool]:
    """A corrected revision of a returned visit; retried safely with the same revision_uuid.

    The previous content is kept as a VisitRevision; the visit goes back to `submitted`.
    Returns (visit, created).
    """
    revision_uuid = str(data["revision_uuid"])
    fingerprint = canonical_fingerprint(data)
    if visit.revision_uuid == revision_uuid:
        if visit.content_fingerprint == fingerprint:
            return visit, False
        raise Conflict(
            "Another revision was already submitted with this revision_uuid.",
            {"revision_uuid": ["Already used with other content."]},
        )
    if visit.status != VisitStatus.RETURNED:
        raise Conflict(
            f"The visit is {visit.status.value}; only a returned visit takes a revision.",
            {"status": [visit.status.value]},
        )
    stored_form = visit.form_version
    problems = new_problems()
    answers, photos = check_content(auditor, data, stored_form, problems, visit)
    if problems := flatten(problems):
        raise InvalidInput("The revision has problems; nothing was changed.", problems)
    db.session.add(
        VisitRevision(
            visit_id=visit.id,
            number=visit.revision,
            revision_uuid=visit.revision_uuid or visit.client_uuid,
            content_fingerprint=visit.content_fingerprint,
            snapshot=_snapshot(visit),
            submitted_at=visit.submitted_at,
        )
    )
    for photo in visit.photos:
        if not any(photo.id in answer.photo_ids for answer in answers.values()):
            photo.visit_id, photo.question_key = None, None
    for row in (*visit.answers, *visit.section_scores):
        db.session.delete(row)
    db.session.flush()
    form = forms.form_of(stored_form)
    score = score_visit(form, answers)
    gps = data.get("gps") or {}
    visit.started_at, visit.ended_at = data["started_at"], data["ended_at"]
    visit.waiting_seconds = data.get("waiting_seconds")
    visit.gps_latitude, visit.gps_longitude = gps.get("latitude"), gps.get("longitude")
    visit.gps_accuracy_m = gps.get("accuracy_m")
    visit.score_percent, visit.score_earned = score.percent, score.earned
    visit.score_possible, visit.critical_failed = score.possible, bool(score.critical_failures)
    visit.revision += 1
    visit.revision_uuid, visit.content_fingerprint = revision_uuid, fingerprint
    visit.status, visit.submitted_at = VisitStatus.SUBMITTED, utcnow()
    store_scores(visit, form, score, answers)
    link_photos(visit, answers, photos)
    audit_log.record(auditor, "visit.revised", "visit", visit.id, revision=visit.revision)
    return visit, True


def _snapshot(visit: Visit) -> dict[str, Any]:
    def number(value):
        return None if value is None else str(value)

    return {
        "started_at": visit.started_at.isoformat(),
        "ended_at": visit.ended_at.isoformat(),
        "waiting_seconds": visit.waiting_seconds,
        "score_percent": number(visit.score_percent),
        "critical_failed": visit.critical_failed,
        "answers": [
            {
                "question_key": a.question_key,
                "value": a.value,
                "comment": a.comment,
                "status": a.status,
                "earned": number(a.earned),
                "possible": number(a.possible),
            }
            for a in visit.answers
        ],
        "photo_ids": [photo.id for photo in visit.photos],
    }


def history(visit: Visit) -> dict[str, Any]:
    revisions = db.session.scalars(
        select(VisitRevision)
        .where(VisitRevision.visit_id == visit.id)
        .order_by(VisitRevision.number)
    ).all()
    decisions = db.session.scalars(
        select(ReviewDecision)
        .where(ReviewDecision.visit_id == visit.id)
        .order_by(ReviewDecision.decided_at, ReviewDecision.id)
    ).all()
    return {
        "visit_id": visit.id,
        "current_revision": visit.revision,
        "revisions": revisions,
        "decisions": decisions,
    }


def review_queue(filters: Mapping[str, Any]) -> Select:
    """Submitted visits, oldest first."""
    query = (
        select(Visit)
        .join(Branch, Branch.id == Visit.branch_id)
        .where(Visit.status == VisitStatus.SUBMITTED, Visit.deleted_at.is_(None))
        .order_by(Visit.submitted_at, Visit.id)
    )
    if branch_id := filters.get("branch_id"):
        query = query.where(Visit.branch_id == branch_id)
    if area_id := filters.get("area_id"):
        area_path = select(Area.path).where(Area.id == area_id).scalar_subquery()
        query = query.where(
            Branch.area_id.in_(select(Area.id).where(Area.path.startswith(area_path)))
        )
    if form_key := filters.get("form"):
        query = query.join(FormVersion, FormVersion.id == Visit.form_version_id).where(
            FormVersion.key == form_key
        )
    return query
