"""Branches: the locations that are audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select

from server.extensions import db
from server.models import Area, Branch, User
from server.scope import branch_filter
from server.services.errors import Conflict, InvalidInput, NotFound
from server.services.search import matches_text

EDITABLE = (
    "name",
    "address",
    "city",
    "country",
    "timezone",
    "locale",
    "latitude",
    "longitude",
    "target_score",
    "active",
)


def list_branches(user: User, filters: Mapping[str, Any]) -> Select:
    query = select(Branch).where(branch_filter(user)).order_by(Branch.code)
    if area_id := filters.get("area_id"):
        subtree = select(Area.id).where(
            Area.path.startswith(select(Area.path).where(Area.id == area_id).scalar_subquery())
        )
        query = query.where(Branch.area_id.in_(subtree))
    if country := filters.get("country"):
        query = query.where(Branch.country == country)
    if "active" in filters:
        query = query.where(Branch.active == filters["active"])
    if search := filters.get("q"):
        query = query.where(matches_text(search, Branch.name, Branch.code, Branch.city))
    return query


def get_branch(user: User, branch_id: int) -> Branch:
    """The branch, or NotFound when it does not exist or lies outside the user's scope."""
    branch = db.session.scalar(select(Branch).where(Branch.id == branch_id, branch_filter(user)))
    if branch is None:
        raise NotFound(f"Branch {branch_id} not found.")
    return branch


def get_branch_by_code(code: str) -> Branch | None:
    return db.session.scalar(select(Branch).where(Branch.code == code))


def _area(area_id: int) -> Area:
    area = db.session.get(Area, area_id)
    if area is None:
        raise InvalidInput("Unknown area.", {"area_id": ["No such area."]})
    return area


def create_branch(data: Mapping[str, Any]) -> Branch:
    if get_branch_by_code(data["code"]) is not None:
        raise Conflict("code already exists.", {"code": ["Already in use."]})
    branch = Branch(code=data["code"], area=_area(data["area_id"]))
    _apply(branch, data)
    db.session.add(branch)
    db.session.flush()
    return branch


def update_branch(branch: Branch, changes: Mapping[str, Any]) -> Branch:
    if "code" in changes and changes["code"] != branch.code:
        if get_branch_by_code(changes["code"]) is not None:
            raise Conflict("code already exists.", {"code": ["Already in use."]})
        branch.code = changes["code"]
    if "area_id" in changes:
        branch.area = _area(changes["area_id"])
    _apply(branch, changes)
    db.session.flush()
    return branch


def _apply(branch: Branch, data: Mapping[str, Any]) -> None:
    for name in EDITABLE:
        if name in data:
            setattr(branch, name, data[name])
