"""Visit plans: single assignments and bulk plans that honour a rotation (lockout) rule."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, select

from server.extensions import db
from server.models import (
    Area,
    Assignment,
    Branch,
    FormVersion,
    Role,
    User,
    Visit,
    VisitPlan,
)
from server.models.types import utcnow
from server.scope import branch_filter
from server.services import audit_log
from server.services.errors import Conflict, InvalidInput, NotFound

OPEN, DONE, EXPIRED, CANCELLED = "open", "done", "expired", "cancelled"
# Plans are made a season or a year ahead; a longer one is a typo that would create tens of
# thousands of assignments in one request.
MAX_PLAN_MONTHS = 24


def list_assignments(user: User, filters: Mapping[str, Any]) -> Select:
    query = select(Assignment).order_by(Assignment.window_start, Assignment.id)
    if user.role == Role.AUDITOR:
        query = query.where(Assignment.auditor_id == user.id)
    for name in ("auditor_id", "branch_id", "plan_id"):
        if filters.get(name) is not None:
            query = query.where(getattr(Assignment, name) == filters[name])
    if since := filters.get("window_from"):
        query = query.where(Assignment.window_end >= since)
    if until := filters.get("window_to"):
        query = query.where(Assignment.window_start < until)
    if state := filters.get("state"):
        query = query.where(_state_condition(state))
    return query


def _state_condition(state: str):
    visited = (
        select(Visit.id)
        .where(Visit.assignment_id == Assignment.id, Visit.deleted_at.is_(None))
        .exists()
    )
    now = utcnow()
    return {
        CANCELLED: Assignment.cancelled_at.is_not(None),
        DONE: and_(Assignment.cancelled_at.is_(None), visited),
        EXPIRED: and_(Assignment.cancelled_at.is_(None), ~visited, Assignment.window_end < now),
        OPEN: and_(Assignment.cancelled_at.is_(None), ~visited, Assignment.window_end >= now),
    }[state]


def get_assignment(user: User, assignment_id: int) -> Assignment:
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or (user.role == Role.AUDITOR and assignment.auditor_id != user.id):
        raise NotFound(f"Assignment {assignment_id} not found.")
    return assignment


def _validate(data: Mapping[str, Any]) -> tuple[Branch, User]:
    problems: dict[str, list[str]] = defaultdict(list)
    branch = db.session.get(Branch, data["branch_id"])
    if branch is None or not branch.active:
        problems["branch_id"].append("No such active branch.")
    auditor = db.session.get(User, data["auditor_id"])
    if auditor is None or auditor.role != Role.AUDITOR or not auditor.active:
        problems["auditor_id"].append("No such active auditor.")
    if db.session.scalar(select(FormVersion.id).where(FormVersion.key == data["form_key"])) is None:
        problems["form_key"].append("No such published form.")
    if data["window_end"] <= data["window_start"]:
        problems["window_end"].append("Must be after window_start.")
    if problems:
        raise InvalidInput("The assignment has problems.", problems)
    return branch, auditor


def create_assignment(actor: User, data: Mapping[str, Any]) -> Assignment:
    _validate(data)
    assignment = Assignment(
        branch_id=data["branch_id"],
        form_key=data["form_key"],
        auditor_id=data["auditor_id"],
        window_start=data["window_start"],
        window_end=data["window_end"],
        scenario=data.get("scenario") or "",
        created_by_id=actor.id,
    )
    db.session.add(assignment)
    db.session.flush()
    audit_log.record(
        actor,
        "assignment.created",
        "assignment",
        assignment.id,
        branch_id=assignment.branch_id,
        auditor_id=assignment.auditor_id,
    )
    return assignment


def update_assignment(
    actor: User, assignment: Assignment, changes: Mapping[str, Any]
) -> Assignment:
    state = assignment.state
    if state != OPEN:
        raise Conflict(
            f"The assignment is {state}; only open assignments change.", {"state": [state]}
        )
    merged = {
        "branch_id": assignment.branch_id,
        "auditor_id": assignment.auditor_id,
        "form_key": assignment.form_key,
        "window_start": assignment.window_start,
        "window_end": assignment.window_end,
        **changes,
    }
    _validate(merged)
    for name in ("auditor_id", "window_start", "window_end", "scenario"):
        if name in changes:
            setattr(assignment, name, changes[name])
    if changes.get("cancelled"):
        assignment.cancelled_at = utcnow()
    db.session.flush()
    action = "assignment.cancelled" if changes.get("cancelled") else "assignment.changed"
    audit_log.record(
        actor,
        action,
        "assignment",
        assignment.id,
        changes=sorted(key for key in changes if key != "cancelled"),
    )
    return assignment


def assignment_for_visit(
    auditor: User, assignment_id: int, branch_id: int, form_key: str
) -> tuple[Assignment | None, list[str]]:
    """The assignment a visit may reference, or the problems with it."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.auditor_id != auditor.id:
        return None, ["No such assignment among yours."]
    problems = []
    if assignment.cancelled_at is not None:
        problems.append("The assignment was cancelled.")
    if assignment.branch_id != branch_id:
        problems.append("The assignment is for another branch.")
    if assignment.form_key != form_key:
        problems.append("The assignment is for another form.")
    if assignment.visit_id is not None:
        problems.append("The assignment was already visited.")
    return (assignment if not problems else None), problems


# Bulk planning ---------------------------------------------------------------------------------


@dataclass
class PlanResult:
    plan: VisitPlan | None
    assignments: list[Assignment] = field(default_factory=list)
    unassigned: list[dict[str, Any]] = field(default_factory=list)


def months(first: str, last: str) -> list[date]:
    year, month = map(int, first.split("-"))
    end_year, end_month = map(int, last.split("-"))
    found = []
    while (year, month) <= (end_year, end_month):
        found.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _windows(month: date, count: int) -> list[tuple[datetime, datetime]]:
    """The month cut into `count` equal windows, so several visits spread over it."""
    start = datetime(month.year, month.month, 1, tzinfo=UTC)
    following = (start + timedelta(days=32)).replace(day=1)
    step = (following - start) / count
    return [(start + step * n, start + step * (n + 1)) for n in range(count)]


def _auditors_for(branch: Branch, auditors: list[User]) -> list[User]:
    visible = {
        user.id
        for user in auditors
        if db.session.scalar(select(Branch.id).where(Branch.id == branch.id, branch_filter(user)))
        is not None
    }
    return [user for user in auditors if user.id in visible]


def create_plan(actor: User, data: Mapping[str, Any], *, dry_run: bool = False) -> PlanResult:
    """Assign every active branch of the area N visits a month, spreading the work fairly.

    Rotation: an auditor does not visit the same branch again within `lockout_days` (counting
    assignments and visits made before the plan). Branches that cannot be covered are listed
    with the reason, never silently given to someone inside the lockout.
    """
    area = db.session.get(Area, data["area_id"])
    if area is None:
        raise InvalidInput("Unknown area.", {"area_id": ["No such area."]})
    if db.session.scalar(select(FormVersion.id).where(FormVersion.key == data["form_key"])) is None:
        raise InvalidInput("Unknown form.", {"form_key": ["No such published form."]})
    plan_months = months(data["first_month"], data["last_month"])
    if not plan_months:
        raise InvalidInput("Empty range.", {"last_month": ["Must not be before first_month."]})
    if len(plan_months) > MAX_PLAN_MONTHS:
        message = f"A plan covers at most {MAX_PLAN_MONTHS} months."
        raise InvalidInput("Plan too long.", {"last_month": [message]})
    lockout = timedelta(days=data["lockout_days"])
    branches = db.session.scalars(
        select(Branch)
        .join(Area)
        .where(Area.path.startswith(area.path), Branch.active.is_(True))
        .order_by(Branch.code)
    ).all()
    auditors = db.session.scalars(
        select(User).where(User.role == Role.AUDITOR, User.active.is_(True)).order_by(User.id)
    ).all()
    candidates = {branch.id: _auditors_for(branch, list(auditors)) for branch in branches}
    last_visit = _history([branch.id for branch in branches])
    load: dict[int, int] = defaultdict(int)
    result = PlanResult(plan=None)
    planned: list[tuple[Branch, User, datetime, datetime]] = []
    for month in plan_months:
        for window_start, window_end in _windows(month, data["visits_per_month"]):
            for branch in branches:
                pool = candidates[branch.id]
                eligible = [
                    auditor
                    for auditor in pool
                    if (seen := last_visit.get((auditor.id, branch.id))) is None
                    or window_start - seen >= lockout
                ]
                if not eligible:
                    result.unassigned.append(
                        _unassigned(branch, month, window_start, pool, data["lockout_days"])
                    )
                    continue
                # Fairness: the least loaded auditor first; the longest-absent one on a tie.
                chosen = min(
                    eligible,
                    key=lambda a: (
                        load[a.id],
                        last_visit.get((a.id, branch.id), datetime.min.replace(tzinfo=UTC)),
                        a.id,
                    ),
                )
                load[chosen.id] += 1
                last_visit[(chosen.id, branch.id)] = window_start
                planned.append((branch, chosen, window_start, window_end))
    if dry_run:
        return result
    plan = VisitPlan(
        area_id=area.id,
        form_key=data["form_key"],
        visits_per_month=data["visits_per_month"],
        first_month=data["first_month"],
        last_month=data["last_month"],
        lockout_days=data["lockout_days"],
        scenario=data.get("scenario") or "",
        unassigned=result.unassigned,
        created_by_id=actor.id,
    )
    db.session.add(plan)
    db.session.flush()
    for branch, auditor, window_start, window_end in planned:
        assignment = Assignment(
            plan_id=plan.id,
            branch_id=branch.id,
            form_key=plan.form_key,
            auditor_id=auditor.id,
            window_start=window_start,
            window_end=window_end,
            scenario=plan.scenario,
            created_by_id=actor.id,
        )
        db.session.add(assignment)
        result.assignments.append(assignment)
    db.session.flush()
    audit_log.record(
        actor,
        "plan.created",
        "visit_plan",
        plan.id,
        assignments=len(result.assignments),
        unassigned=len(result.unassigned),
    )
    result.plan = plan
    return result


def _history(branch_ids: list[int]) -> dict[tuple[int, int], datetime]:
    """The latest visit or assignment of each (auditor, branch): where the lockout starts."""
    latest: dict[tuple[int, int], datetime] = {}
    rows = (
        db.session.execute(
            select(Assignment.auditor_id, Assignment.branch_id, Assignment.window_start).where(
                Assignment.branch_id.in_(branch_ids), Assignment.cancelled_at.is_(None)
            )
        ).all()
        + db.session.execute(
            select(Visit.auditor_id, Visit.branch_id, Visit.started_at).where(
                Visit.branch_id.in_(branch_ids), Visit.deleted_at.is_(None)
            )
        ).all()
    )
    for auditor_id, branch_id, when in rows:
        key = (auditor_id, branch_id)
        if key not in latest or when > latest[key]:
            latest[key] = when
    return latest


def _unassigned(
    branch: Branch, month: date, window_start: datetime, pool: list[User], lockout_days: int
) -> dict[str, Any]:
    if not pool:
        reason = "no active auditor has this branch in scope"
    else:
        reason = (
            f"all {len(pool)} auditor(s) with this branch in scope visited it within the "
            f"{lockout_days}-day lockout"
        )
    return {
        "branch_id": branch.id,
        "branch_code": branch.code,
        "month": month.strftime("%Y-%m"),
        "window_start": window_start.isoformat(),
        "reason": reason,
    }
