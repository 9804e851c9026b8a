"""Users, their roles and scopes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Select, select

from server.extensions import db
from server.models import Area, Branch, Role, User
from server.services.errors import Conflict, Forbidden, InvalidInput, NotFound
from server.services.search import matches_text


def normalise_email(email: str) -> str:
    return email.strip().lower()


def list_users(filters: Mapping[str, Any]) -> Select:
    query = select(User).order_by(User.email)
    if role := filters.get("role"):
        query = query.where(User.role == role)
    if "active" in filters:
        query = query.where(User.active == filters["active"])
    if search := filters.get("q"):
        query = query.where(matches_text(search, User.email, User.name))
    return query


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"User {user_id} not found.")
    return user


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _guard_admin(actor: User | None, role: Role | None, target: User | None = None) -> None:
    """Only an admin may create, change or grant the admin role (no privilege escalation)."""
    touches_admin = role == Role.ADMIN or (target is not None and target.role == Role.ADMIN)
    if actor is not None and touches_admin and actor.role != Role.ADMIN:
        raise Forbidden("Only an admin may manage admin users.")


def _records(model, ids: Iterable[int], field: str) -> list:
    ids = list(dict.fromkeys(ids))
    found = db.session.scalars(select(model).where(model.id.in_(ids))).all() if ids else []
    missing = sorted(set(ids) - {record.id for record in found})
    if missing:
        raise InvalidInput(f"Unknown {field}.", {field: [f"No such ids: {missing}"]})
    return list(found)


def create_user(data: Mapping[str, Any], actor: User | None = None) -> User:
    _guard_admin(actor, data["role"])
    email = normalise_email(data["email"])
    if get_user_by_email(email) is not None:
        raise Conflict("email already exists.", {"email": ["Already in use."]})
    user = User(
        email=email,
        name=data.get("name") or email.split("@")[0],
        role=data["role"],
        locale=data.get("locale", "en"),
        branches=_records(Branch, data.get("branch_ids", ()), "branch_ids"),
        areas=_records(Area, data.get("area_ids", ()), "area_ids"),
    )
    user.set_password(data["password"])
    db.session.add(user)
    db.session.flush()
    return user


def update_user(user: User, changes: Mapping[str, Any], actor: User | None = None) -> User:
    _guard_admin(actor, changes.get("role"), user)
    if "email" in changes:
        email = normalise_email(changes["email"])
        if email != user.email and get_user_by_email(email) is not None:
            raise Conflict("email already exists.", {"email": ["Already in use."]})
        user.email = email
    for name in ("name", "role", "locale", "active"):
        if name in changes:
            setattr(user, name, changes[name])
    if "password" in changes:
        user.set_password(changes["password"])
    if "branch_ids" in changes:
        user.branches = _records(Branch, changes["branch_ids"], "branch_ids")
    if "area_ids" in changes:
        user.areas = _records(Area, changes["area_ids"], "area_ids")
    db.session.flush()
    return user
