"""The audit log: one row for every decision and change that someone may later ask about."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, select

from server.extensions import db
from server.models import AuditLogEntry, User


def record(
    actor: User | None,
    action: str,
    object_type: str,
    object_id: int,
    note: str = "",
    **details: Any,
) -> AuditLogEntry:
    entry = AuditLogEntry(
        actor_id=actor.id if actor else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        note=note or "",
        details=details,
    )
    db.session.add(entry)
    return entry


def list_entries(filters: Mapping[str, Any]) -> Select:
    query = select(AuditLogEntry).order_by(AuditLogEntry.at.desc(), AuditLogEntry.id.desc())
    for name in ("action", "object_type", "object_id", "actor_id"):
        if filters.get(name) is not None:
            query = query.where(getattr(AuditLogEntry, name) == filters[name])
    return query
