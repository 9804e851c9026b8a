from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.branch import Branch
from server.models.form import FormVersion
from server.models.review import Assignment
from server.models.types import UTCDateTime, utcnow
from server.models.user import User

# Percentages and points as stored: exact, four places (audit_forms quantizes to these).
SCORE = Numeric(9, 4)


class VisitStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"


class Completeness(enum.StrEnum):
    INCOMPLETE = "incomplete"  # some referenced photos have not been completed yet
    COMPLETE = "complete"


def _enum(kind: type[enum.StrEnum], name: str):
    return db.Enum(
        kind,
        name=name,
        native_enum=False,
        length=20,
        create_constraint=True,
        values_callable=lambda members: [member.value for member in members],
    )


class Visit(db.Model):
    """One audit visit as an auditor submitted it, with its scores computed at submission.

    `client_uuid` is the phone's idempotency key: unique forever, even after deletion
    (`deleted_at` keeps a tombstone so a late replay cannot bring a deleted visit back).
    """

    __tablename__ = "visits"
    __table_args__ = (Index("ix_visits_branch_id_started_at", "branch_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    content_fingerprint: Mapped[str] = mapped_column(String(64))
    auditor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    form_version_id: Mapped[int] = mapped_column(ForeignKey("form_versions.id"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"), unique=True)
    revision: Mapped[int] = mapped_column(default=1)
    revision_uuid: Mapped[str | None] = mapped_column(String(36))  # of revisions after the first
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime)
    waiting_seconds: Mapped[int | None]
    gps_latitude: Mapped[float | None]
    gps_longitude: Mapped[float | None]
    gps_accuracy_m: Mapped[float | None]
    device: Mapped[str | None] = mapped_column(String(200))
    app_version: Mapped[str | None] = mapped_column(String(50))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[VisitStatus] = mapped_column(
        _enum(VisitStatus, "visit_status"), default=VisitStatus.SUBMITTED, index=True
    )
    completeness: Mapped[Completeness] = mapped_column(
        _enum(Completeness, "visit_completeness"), default=Completeness.COMPLETE
    )
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score_percent: Mapped[Decimal | None] = mapped_column(SCORE)
    score_earned: Mapped[Decimal] = mapped_column(SCORE)
    score_possible: Mapped[Decimal] = mapped_column(SCORE)
    critical_failed: Mapped[bool] = mapped_column(default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    auditor: Mapped[User] = relationship()
    branch: Mapped[Branch] = relationship()
    form_version: Mapped[FormVersion] = relationship()
    assignment: Mapped[Assignment | None] = relationship(back_populates="visit")
    answers: Mapped[list[VisitAnswer]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitAnswer.position"
    )
    section_scores: Mapped[list[VisitSectionScore]] = relationship(
        back_populates="visit",
        cascade="all, delete-orphan",
        order_by="VisitSectionScore.position",
    )
    photos: Mapped[list[Photo]] = relationship(back_populates="visit", order_by="Photo.id")

    def __repr__(self) -> str:
        return f"<Visit {self.id} {self.client_uuid} {self.status.value}>"


class VisitAnswer(db.Model):
    """One answer with its score: stored per question so weakest-question reports are SQL."""

    __tablename__ = "visit_answers"
    __table_args__ = (
        UniqueConstraint("visit_id", "question_key", name="uq_visit_answers_visit_id_question_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    position: Mapped[int]
    section_key: Mapped[str] = mapped_column(String(100))
    question_key: Mapped[str] = mapped_column(String(100), index=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # audit_forms QuestionStatus value
    earned: Mapped[Decimal | None] = mapped_column(SCORE)
    possible: Mapped[Decimal | None] = mapped_column(SCORE)

    visit: Mapped[Visit] = relationship(back_populates="answers")

    def __repr__(self) -> str:
        return f"<VisitAnswer {self.visit_id}:{self.question_key} {self.status}>"


class VisitSectionScore(db.Model):
    __tablename__ = "visit_section_scores"
    __table_args__ = (
        UniqueConstraint(
            "visit_id", "section_key", name="uq_visit_section_scores_visit_id_section_key"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    position: Mapped[int]
    section_key: Mapped[str] = mapped_column(String(100), index=True)
    weight: Mapped[Decimal] = mapped_column(SCORE)
    earned: Mapped[Decimal] = mapped_column(SCORE)
    possible: Mapped[Decimal] = mapped_column(SCORE)
    percent: Mapped[Decimal | None] = mapped_column(SCORE)

    visit: Mapped[Visit] = relationship(back_populates="section_scores")

    def __repr__(self) -> str:
        return f"<VisitSectionScore {self.visit_id}:{self.section_key} {self.percent}>"


class PhotoStatus(enum.StrEnum):
    RESERVED = "reserved"  # an upload slot; nothing verified yet
    COMPLETE = "complete"  # verified, cleaned, thumbnailed; never changes again
    REJECTED = "rejected"  # failed the checks; its objects are deleted


class Photo(db.Model):
    """Photo evidence. The clean image and thumbnail live in storage under server-made keys.

    Capture time and GPS are read from the upload before its metadata is stripped; they are
    for HQ's checks only and never shown to branch staff.
    """

    __tablename__ = "photos"
    __table_args__ = (
        UniqueConstraint("auditor_id", "client_uuid", name="uq_photos_auditor_id_client_uuid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_uuid: Mapped[str | None] = mapped_column(String(36))
    auditor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    question_key: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[PhotoStatus] = mapped_column(
        _enum(PhotoStatus, "photo_status"), default=PhotoStatus.RESERVED, index=True
    )
    declared_content_type: Mapped[str] = mapped_column(String(50))
    upload_key: Mapped[str] = mapped_column(String(200))
    object_key: Mapped[str | None] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    rejection: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None]
    original_size: Mapped[int | None]
    original_format: Mapped[str | None] = mapped_column(String(10))
    width: Mapped[int | None]
    height: Mapped[int | None]
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    captured_at: Mapped[datetime | None]  # the camera's wall clock (naive, as in EXIF)
    captured_utc_offset_minutes: Mapped[int | None]
    gps_latitude: Mapped[float | None]
    gps_longitude: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    visit: Mapped[Visit | None] = relationship(back_populates="photos")

    def __repr__(self) -> str:
        return f"<Photo {self.id} {self.status.value}>"
