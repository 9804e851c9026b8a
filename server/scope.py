"""The one rule that decides which branches (and so which rows) a user may see.

Every query that returns branch-owned data filters with `branch_filter(user)` or joins
`visible_branch_ids(user)`. Admin and HQ see the whole network; everyone else sees the branches
given to them directly plus every branch in the subtrees of the areas given to them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, true
from sqlalchemy.orm import aliased

from server.models import Area, Branch, User, user_areas, user_branches

# Made once: building an alias costs more than the rest of the filter.
_granted = aliased(Area, name="granted_areas")


def _scope_area_ids(user_id: Any) -> Select:
    """Ids of the user's areas and of every area below them."""
    return (
        select(Area.id)
        .join(_granted, Area.path.startswith(_granted.path))
        .join(user_areas, user_areas.c.area_id == _granted.id)
        .where(user_areas.c.user_id == user_id)
    )


def visible_branch_ids(user: User) -> Select:
    """A subquery of the ids of every branch the user may see."""
    return select(Branch.id).where(branch_filter(user))


def branch_filter(user: User) -> ColumnElement[bool]:
    if user.sees_whole_network:
        return true()
    return branches_granted_to(user.id)


def branches_granted_to(user_id: Any) -> ColumnElement[bool]:
    """The branches given to a user directly or through their areas (whatever the role).

    `user_id` is an id or a bind parameter: a statement run on every request is built once with
    `bindparam("user_id")`, for users who do not see the whole network."""
    direct = select(user_branches.c.branch_id).where(user_branches.c.user_id == user_id)
    return or_(Branch.id.in_(direct), Branch.area_id.in_(_scope_area_ids(user_id)))


def area_filter(user: User) -> ColumnElement[bool]:
    """Areas the user may see: their scope's subtrees and every area above a visible branch."""
    if user.sees_whole_network:
        return true()
    visible_branch_area_paths = select(Area.path).where(
        Area.id.in_(select(Branch.area_id).where(branch_filter(user)))
    )
    above_visible = aliased(Area)
    ancestors = (
        select(Area.id)
        .join(above_visible, above_visible.path.startswith(Area.path))
        .where(above_visible.path.in_(visible_branch_area_paths))
    )
    return or_(Area.id.in_(_scope_area_ids(user.id)), Area.id.in_(ancestors))
