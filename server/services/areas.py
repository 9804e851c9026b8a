"""The tree of areas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select

from server.extensions import db
from server.models import Area, User
from server.scope import area_filter
from server.services.errors import Conflict, InvalidInput, NotFound
from server.services.search import matches_text


def list_areas(user: User, filters: Mapping[str, Any]) -> Select:
    query = select(Area).where(area_filter(user)).order_by(Area.path)
    if "parent_id" in filters:
        query = query.where(Area.parent_id == filters["parent_id"])
    if "active" in filters:
        query = query.where(Area.active == filters["active"])
    if search := filters.get("q"):
        query = query.where(matches_text(search, Area.name, Area.code))
    return query


def get_area(user: User, area_id: int) -> Area:
    area = db.session.scalar(select(Area).where(Area.id == area_id, area_filter(user)))
    if area is None:
        raise NotFound(f"Area {area_id} not found.")
    return area


def get_area_by_code(code: str) -> Area | None:
    return db.session.scalar(select(Area).where(Area.code == code))


def _parent(parent_id: int | None) -> Area | None:
    if parent_id is None:
        return None
    parent = db.session.get(Area, parent_id)
    if parent is None:
        raise InvalidInput("Unknown parent area.", {"parent_id": ["No such area."]})
    return parent


def create_area(code: str, name: str, parent_id: int | None = None) -> Area:
    if get_area_by_code(code) is not None:
        raise Conflict("code already exists.", {"code": ["Already in use."]})
    area = Area(code=code, name=name, parent=_parent(parent_id))
    db.session.add(area)
    db.session.flush()  # the id is part of the path
    area.path = (area.parent.path if area.parent else "/") + f"{area.id}/"
    db.session.flush()
    return area


def update_area(area: Area, changes: Mapping[str, Any]) -> Area:
    if "code" in changes and changes["code"] != area.code:
        if get_area_by_code(changes["code"]) is not None:
            raise Conflict("code already exists.", {"code": ["Already in use."]})
        area.code = changes["code"]
    if "name" in changes:
        area.name = changes["name"]
    if "active" in changes:
        area.active = changes["active"]
    if "parent_id" in changes and changes["parent_id"] != area.parent_id:
        _move(area, _parent(changes["parent_id"]))
    db.session.flush()
    return area


def _move(area: Area, new_parent: Area | None) -> None:
    if new_parent is not None and new_parent.path.startswith(area.path):
        raise InvalidInput(
            "An area cannot move below itself.", {"parent_id": ["Would create a cycle."]}
        )
    old_path = area.path
    new_path = (new_parent.path if new_parent else "/") + f"{area.id}/"
    subtree = db.session.scalars(select(Area).where(Area.path.startswith(old_path))).all()
    for member in subtree:
        member.path = new_path + member.path[len(old_path) :]
    area.parent = new_parent


def ensure_area_path(codes_path: str) -> Area:
    """The area for a path like "PL/Łódzkie", creating missing levels; codes are full paths."""
    parts = [part.strip() for part in codes_path.split("/") if part.strip()]
    if not parts:
        raise InvalidInput("Empty area path.", {"area": ["Must not be empty."]})
    parent: Area | None = None
    for depth in range(1, len(parts) + 1):
        code = "/".join(parts[:depth])
        area = get_area_by_code(code)
        if area is None:
            area = create_area(code, parts[depth - 1], parent.id if parent else None)
        parent = area
    assert parent is not None
    return parent
