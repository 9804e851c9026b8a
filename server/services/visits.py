"""Visits: submitted once (whatever the network does), scored at submission, read in scope."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import cache
from operator import attrgetter
from typing import Any

from flask import current_app
from sqlalchemy import (
    JSON,
    Select,
    Text,
    bindparam,
    case,
    cast,
    column,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import defaultload, defer
from sqlalchemy.orm.attributes import set_committed_value

from audit_forms import Answer, Form, VisitScore, score_visit, validate_answers
from server.extensions import db
from server.models import (
    Area,
    Branch,
    Completeness,
    FormVersion,
    Photo,
    PhotoStatus,
    Role,
    User,
    Visit,
    VisitAnswer,
    VisitSectionScore,
    VisitStatus,
)
from server.models.types import utcnow
from server.scope import branch_filter, branches_granted_to
from server.services import assignments, audit_log, forms
from server.services.errors import Conflict, Gone, InvalidInput, NotFound

# Roles that only ever see approved visits, and never who made them.
BRANCH_STAFF = frozenset({Role.BRANCH_MANAGER, Role.REGIONAL_MANAGER})


@dataclass(frozen=True)
class Submission:
    visit: Visit
    created: bool  # False: a replay of a visit already stored


def canonical_fingerprint(data: Mapping[str, Any]) -> str:
    """sha256 of the submission's meaning: key order, number spelling and time zone spelling
    do not matter, so a replay from another app version still matches."""
    payload = json.dumps(
        _canonical(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value)).normalize()
        return {"n": format(number, "f")}
    if isinstance(value, datetime):
        return {"t": value.astimezone(UTC).isoformat()}
    return str(value)


def submit_visit(auditor: User, data: Mapping[str, Any]) -> Submission:
    """Store a visit exactly once per client_uuid.

    Same UUID and same content again: the stored visit (created=False). Same UUID, other
    content: Conflict. A deleted visit's UUID: Gone. Every problem of a new visit is reported at
    once (InvalidInput), keyed by field or by question.

    A new visit comes back with its answers, sections and photos loaded from what was written
    (INSERT ... RETURNING), so that showing it needs no further query.

    New visits are the common case, so the UUID is not looked up first: a replay is recognised
    when its checks fail (its photos, its assignment are taken by the stored visit) or when the
    INSERT finds the UUID taken. That saves a new visit a round trip; a replay costs the checks.
    """
    client_uuid = str(data["client_uuid"])
    fingerprint = canonical_fingerprint(data)
    branch, stored_form, assignment, problems = _check(auditor, data)
    answers, photos = check_content(auditor, data, stored_form, problems)
    problems = flatten(problems)
    if problems:
        # A stored visit under this UUID decides, whatever is wrong with this body now.
        if (stored := _by_client_uuid(client_uuid)) is not None:
            return Submission(_replayed(stored, auditor, fingerprint), created=False)
        raise InvalidInput("The visit has problems; nothing was stored.", problems)
    assert branch is not None and stored_form is not None
    form = forms.form_of(stored_form)
    score = score_visit(form, answers)
    visit = _insert_once(
        auditor, branch, stored_form, assignment, score, data, fingerprint, _complete(photos)
    )
    if visit is None:  # stored already: a replay, or a concurrent twin that got in first
        return Submission(
            _replayed(_by_client_uuid(client_uuid), auditor, fingerprint), created=False
        )
    store_scores(visit, form, score, answers)
    linked = _link(visit, answers, photos)
    # Nothing of a new visit needs reading back: its photos are those just linked, and its
    # auditor, branch and form version were loaded by the checks.
    set_committed_value(visit, "photos", [photos[photo_id] for photo_id in sorted(linked)])
    for name, loaded in (("auditor", auditor), ("branch", branch), ("form_version", stored_form)):
        set_committed_value(visit, name, loaded)
    return Submission(visit, created=True)


# A replay shows the stored visit: its form version without the definition (parsed forms are
# cached by fingerprint), as _check loads it. Built once, like every statement on this path.
_BY_CLIENT_UUID = (
    select(Visit)
    .options(defaultload(Visit.form_version).defer(FormVersion.definition))
    .where(Visit.client_uuid == bindparam("client_uuid"))
)


def _by_client_uuid(client_uuid: str) -> Visit | None:
    return db.session.scalar(_BY_CLIENT_UUID, {"client_uuid": client_uuid})


def _replayed(existing: Visit, auditor: User, fingerprint: str) -> Visit:
    if existing.deleted_at is not None:
        raise Gone("This visit was deleted; it cannot be submitted again.")
    if existing.auditor_id != auditor.id or existing.content_fingerprint != fingerprint:
        raise Conflict(
            "Another visit was already submitted with this client_uuid.",
            {"client_uuid": ["Already used for a visit with other content."]},
        )
    return existing


def new_problems() -> dict[str, Any]:
    problems: dict[str, Any] = defaultdict(list)
    problems["answers"] = defaultdict(list)
    return problems


def flatten(problems: dict[str, Any]) -> dict[str, Any]:
    return {
        field: dict(found) if field == "answers" else found
        for field, found in problems.items()
        if found
    }


_ACTIVE_BRANCH = select(Branch).where(Branch.id == bindparam("branch_id"), Branch.active.is_(True))
_ACTIVE_BRANCH_IN_SCOPE = _ACTIVE_BRANCH.where(branches_granted_to(bindparam("user_id")))
_FORM_VERSION = (
    select(FormVersion)
    .options(defer(FormVersion.definition))  # parsed forms are cached by fingerprint
    .where(FormVersion.key == bindparam("key"), FormVersion.version == bindparam("version"))
)
_PHOTOS_OF = select(Photo).where(
    Photo.id.in_(bindparam("ids", expanding=True)), Photo.auditor_id == bindparam("auditor_id")
)


def _check(auditor: User, data: Mapping[str, Any]):
    problems = new_problems()
    assignment = None
    if data.get("assignment_id") is not None:
        assignment, found = assignments.assignment_for_visit(
            auditor, data["assignment_id"], data["branch_id"], data["form_key"]
        )
        problems["assignment_id"].extend(found)
    # An assignment lets an auditor visit a branch outside their usual scope.
    if assignment is not None or auditor.sees_whole_network:
        branch = db.session.scalar(_ACTIVE_BRANCH, {"branch_id": data["branch_id"]})
    else:
        branch = db.session.scalar(
            _ACTIVE_BRANCH_IN_SCOPE, {"branch_id": data["branch_id"], "user_id": auditor.id}
        )
    if branch is None:
        problems["branch_id"].append("No such branch among the branches you audit.")
    stored_form = db.session.scalar(
        _FORM_VERSION, {"key": data["form_key"], "version": data["form_version"]}
    )
    if stored_form is None:
        problems["form_version"].append(
            f"No published version {data['form_version']} of form {data['form_key']!r}."
        )
    return branch, stored_form, assignment, problems


def check_content(
    auditor: User,
    data: Mapping[str, Any],
    stored_form: FormVersion | None,
    problems: dict[str, Any],
    visit: Visit | None = None,
):
    """Times, photos and answers of a submission (or of a revision of `visit`)."""
    _check_times(data, problems)
    photos = _check_photos(auditor, data["answers"], problems["answers"], visit)
    answers = {
        key: Answer(a.get("value"), a.get("comment"), tuple(a.get("photo_ids", ())))
        for key, a in data["answers"].items()
    }
    if stored_form is not None:
        for problem in validate_answers(forms.form_of(stored_form), answers):
            problems["answers"][problem.question].append(problem.message)
    return answers, photos


def _check_times(data: Mapping[str, Any], problems: dict[str, list[str]]) -> None:
    config = current_app.config
    latest = utcnow() + timedelta(seconds=config["CLOCK_SKEW_SECONDS"])
    started, ended = data["started_at"], data["ended_at"]
    if started > latest:
        problems["started_at"].append("Lies in the future.")
    if ended > latest:
        problems["ended_at"].append("Lies in the future.")
    if ended <= started:
        problems["ended_at"].append("Must be after started_at.")
    elif ended - started > timedelta(hours=config["MAX_VISIT_HOURS"]):
        problems["ended_at"].append(f"A visit lasts at most {config['MAX_VISIT_HOURS']} hours.")


def _check_photos(
    auditor: User, answers: Mapping[str, Any], problems, visit: Visit | None = None
) -> dict[int, Photo]:
    wanted = {photo_id for answer in answers.values() for photo_id in answer.get("photo_ids", ())}
    if not wanted:
        return {}
    found = {
        photo.id: photo
        for photo in db.session.scalars(
            _PHOTOS_OF, {"ids": sorted(wanted), "auditor_id": auditor.id}
        )
    }
    seen: dict[int, str] = {}
    for key, answer in answers.items():
        for photo_id in answer.get("photo_ids", ()):
            photo = found.get(photo_id)
            if photo is None:
                problems[key].append(f"Photo {photo_id} not found among your photos.")
            elif photo.status == PhotoStatus.REJECTED:
                problems[key].append(f"Photo {photo_id} was rejected: {photo.rejection}.")
            elif photo.visit_id is not None and (visit is None or photo.visit_id != visit.id):
                problems[key].append(f"Photo {photo_id} belongs to another visit.")
            elif photo_id in seen and seen[photo_id] != key:
                problems[key].append(f"Photo {photo_id} is also the evidence for {seen[photo_id]}.")
            seen.setdefault(photo_id, key)
    return found


def _complete(photos: Mapping[int, Photo]) -> bool:
    """A visit is complete when every photo it cites has been completed (checked and stored)."""
    return all(photo.status == PhotoStatus.COMPLETE for photo in photos.values())


def _insert_once(
    auditor, branch, stored_form, assignment, score: VisitScore, data, fingerprint, complete
) -> Visit | None:
    """INSERT ... ON CONFLICT (client_uuid) DO NOTHING RETURNING the row: the database decides
    who was first, and the winner gets the stored visit without reading it back."""
    gps = data.get("gps") or {}
    now = utcnow()
    values = dict(
        client_uuid=str(data["client_uuid"]),
        content_fingerprint=fingerprint,
        auditor_id=auditor.id,
        branch_id=branch.id,
        form_version_id=stored_form.id,
        assignment_id=assignment.id if assignment is not None else None,
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
        completeness=Completeness.COMPLETE if complete else Completeness.INCOMPLETE,
        completed_at=now if complete else None,
        score_percent=score.percent,
        score_earned=score.earned,
        score_possible=score.possible,
        critical_failed=bool(score.critical_failures),
    )
    return db.session.scalar(_insert_visit_once(db.session.get_bind().dialect.name), values)


@cache
def _insert_visit_once(dialect: str):
    """The statement of `_insert_once`, built once: the values travel as parameters rather than
    as two dozen literals that SQLAlchemy would coerce and fold into a cache key per request."""
    make_insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    return (
        make_insert(Visit)
        .on_conflict_do_nothing(index_elements=["client_uuid"])
        .returning(Visit)
        .execution_options(dml_strategy="orm")  # one row with its parameters, not bulk
    )


def store_scores(
    visit: Visit, form: Form, score: VisitScore, answers: Mapping[str, Answer]
) -> None:
    """One row per question and per section, inserted in two statements (not one per row)."""
    answer_rows = []
    for position, (section, question) in enumerate(form.iter_questions()):
        result = score.question(question.key)
        answer = answers.get(question.key)
        answer_rows.append(
            {
                "visit_id": visit.id,
                "position": position,
                "section_key": section.key,
                "question_key": question.key,
                "value": None if answer is None else answer.value,
                "comment": None if answer is None else answer.comment,
                "status": str(result.status),
                "earned": result.earned,
                "possible": result.possible,
            }
        )
    section_rows = [
        {
            "visit_id": visit.id,
            "position": position,
            "section_key": section.key,
            "weight": section.weight,
            "earned": section.earned,
            "possible": section.possible,
            "percent": section.percent,
        }
        for position, section in enumerate(score.sections)
    ]
    # render_nulls: one INSERT for all rows, not one per pattern of missing values. RETURNING
    # the rows: the visit's collections are what was written, without reading them back.
    # (Sorted here: asking the database for parameter order costs more than sorting 30 rows.)
    stored_answers = _insert_returning(VisitAnswer, answer_rows)
    stored_sections = _insert_returning(VisitSectionScore, section_rows)
    for row in (*stored_answers, *stored_sections):
        set_committed_value(row, "visit", visit)
    set_committed_value(visit, "answers", stored_answers)
    set_committed_value(visit, "section_scores", stored_sections)


def _insert_returning(model, rows: list[dict[str, Any]]) -> list:
    """Insert rows in one statement; the stored objects, in `position` order."""
    if not rows:
        return []
    if db.session.get_bind().dialect.name == "postgresql":
        statement = _insert_from_json(model, tuple(rows[0]))
        stored = db.session.scalars(statement, {"rows": json.dumps(rows, default=str)}).all()
    else:
        stored = db.session.scalars(
            insert(model).returning(model).execution_options(render_nulls=True), rows
        ).all()
    return sorted(stored, key=attrgetter("position"))


@cache
def _insert_from_json(model, names: tuple[str, ...]):
    """INSERT ... SELECT FROM json_to_recordset(:rows) RETURNING the rows, for PostgreSQL.

    One parameter whatever the number of rows: the statement text never changes, so psycopg
    keeps it parsed and the server keeps it prepared, where a VALUES list of 30 rows (270
    parameters) was parsed anew on both sides for every visit. Decimals travel as JSON
    strings, which the numeric columns read exactly."""
    table = model.__table__
    rows = (
        func.json_to_recordset(cast(bindparam("rows", type_=Text), JSON))
        .table_valued(*(column(name, table.c[name].type) for name in names))
        .render_derived(name="rows", with_types=True)
    )
    return (
        insert(model)
        .from_select([table.c[name] for name in names], select(*(rows.c[name] for name in names)))
        .returning(model)
        .execution_options(dml_strategy="orm")  # one statement with its parameter, not bulk
    )


def _link(visit: Visit, answers: Mapping[str, Answer], photos: Mapping[int, Photo]) -> set[int]:
    """Point the answers' photos at the visit in one UPDATE (a photo another visit took
    meanwhile stays theirs); the ids of the photos linked. `photos` are kept in step."""
    keys = {photo_id: key for key, answer in answers.items() for photo_id in answer.photo_ids}
    if not keys:
        return set()
    linked = set(
        db.session.scalars(
            update(Photo)
            .where(Photo.id.in_(keys), or_(Photo.visit_id.is_(None), Photo.visit_id == visit.id))
            .values(visit_id=visit.id, question_key=case(keys, value=Photo.id))
            .returning(Photo.id)
            .execution_options(synchronize_session=False)
        )
    )
    for photo_id in linked:
        set_committed_value(photos[photo_id], "visit_id", visit.id)
        set_committed_value(photos[photo_id], "question_key", keys[photo_id])
    return linked


def link_photos(visit: Visit, answers: Mapping[str, Answer], photos: Mapping[int, Photo]) -> None:
    """Link a revised visit's photos and set its completeness."""
    _link(visit, answers, photos)
    if _complete(photos):
        visit.completeness = Completeness.COMPLETE
        visit.completed_at = utcnow()
    else:
        visit.completeness = Completeness.INCOMPLETE
        visit.completed_at = None
    db.session.flush()
    db.session.refresh(visit)


def visible_visits(user: User) -> Select:
    """Visits the user may see: auditors their own, branch staff approved ones in scope."""
    query = (
        select(Visit).join(Branch, Branch.id == Visit.branch_id).where(Visit.deleted_at.is_(None))
    )
    if user.role == Role.AUDITOR:
        # Their own visits, also those made for an assignment outside their usual scope.
        return query.where(Visit.auditor_id == user.id)
    query = query.where(branch_filter(user))
    if user.role in BRANCH_STAFF:
        query = query.where(Visit.status == VisitStatus.APPROVED)
    return query


def list_visits(user: User, filters: Mapping[str, Any]) -> Select:
    query = visible_visits(user).order_by(Visit.started_at.desc(), Visit.id.desc())
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
    if status := filters.get("status"):
        query = query.where(Visit.status == status)
    if completeness := filters.get("completeness"):
        query = query.where(Visit.completeness == completeness)
    if since := filters.get("started_from"):
        query = query.where(Visit.started_at >= since)
    if until := filters.get("started_to"):
        query = query.where(Visit.started_at < until)
    return query


def get_visit(user: User, visit_id: int) -> Visit:
    visit = db.session.scalar(visible_visits(user).where(Visit.id == visit_id))
    if visit is None:
        raise NotFound(f"Visit {visit_id} not found.")
    return visit


def delete_visit(actor: User, visit: Visit) -> None:
    """Soft-delete: the row stays as a tombstone so its client_uuid can never return."""
    visit.deleted_at = utcnow()
    db.session.flush()
    audit_log.record(actor, "visit.deleted", "visit", visit.id)


def missing_photo_ids(visit: Visit) -> list[int]:
    return [photo.id for photo in visit.photos if photo.status != PhotoStatus.COMPLETE]
