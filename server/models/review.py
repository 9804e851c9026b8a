from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.branch import Branch
from server.models.types import UTCDateTime, utcnow
from server.models.user import User

if TYPE_CHECKING:
    from server.models.visit import Visit


class VisitPlan(db.Model):
    """A bulk plan: every active branch of an area, N visits a month over a range of months."""

    __tablename__ = "visit_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    form_key: Mapped[str] = mapped_column(String(100))
    visits_per_month: Mapped[int]
    first_month: Mapped[str] = mapped_column(String(7))  # "2026-01"
    last_month: Mapped[str] = mapped_column(String(7))
    lockout_days: Mapped[int]
    scenario: Mapped[str] = mapped_column(Text, default="")
    unassigned: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assignments: Mapped[list[Assignment]] = relationship(back_populates="plan")

    def __repr__(self) -> str:
        return f"<VisitPlan {self.id} area={self.area_id} {self.first_month}..{self.last_month}>"


class Assignment(db.Model):
    """A planned visit: branch + form + auditor + time window + scenario. Never shown to branch
    staff. Its state follows from its fields: done (a visit references it), cancelled, expired
    (the window passed unvisited) or open."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_auditor_id_window_start", "auditor_id", "window_start"),
        Index("ix_assignments_branch_id_window_start", "branch_id", "window_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("visit_plans.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    form_key: Mapped[str] = mapped_column(String(100))
    auditor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    scenario: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    branch: Mapped[Branch] = relationship()
    auditor: Mapped[User] = relationship(foreign_keys=[auditor_id])
    plan: Mapped[VisitPlan | None] = relationship(back_populates="assignments")
    visit: Mapped[Visit | None] = relationship(back_populates="assignment", viewonly=True)

    @property
    def visit_id(self) -> int | None:
        """The visit that fulfilled it (a deleted visit does not count)."""
        visit = self.visit
        return visit.id if visit is not None and visit.deleted_at is None else None

    @property
    def state(self) -> str:
        if self.cancelled_at is not None:
            return "cancelled"
        if self.visit_id is not None:
            return "done"
        return "expired" if self.window_end < utcnow() else "open"

    def __repr__(self) -> str:
        return f"<Assignment {self.id} branch={self.branch_id} auditor={self.auditor_id}>"


class VisitRevision(db.Model):
    """An earlier revision of a visit, kept when the auditor submits a corrected one."""

    __tablename__ = "visit_revisions"
    __table_args__ = (
        UniqueConstraint("visit_id", "number", name="uq_visit_revisions_visit_id_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    number: Mapped[int]
    revision_uuid: Mapped[str] = mapped_column(String(36))
    content_fingerprint: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)  # answers, scores, times as stored
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<VisitRevision visit={self.visit_id} #{self.number}>"


class ReviewDecision(db.Model):
    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int]
    decision: Mapped[str] = mapped_column(String(20))  # approved | returned | rejected
    note: Mapped[str] = mapped_column(Text, default="")
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reviewer: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ReviewDecision visit={self.visit_id} {self.decision}>"


class AuditLogEntry(db.Model):
    """Who did what, when: every review decision and every change to plans and visits."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(50), index=True)
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<AuditLogEntry {self.action} {self.object_type}:{self.object_id}>"
