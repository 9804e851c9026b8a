from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.area import Area
from server.models.types import UTCDateTime, utcnow

LOCALES = ("en", "cs", "hu", "lt", "nb", "pl")


class Branch(db.Model):
    """A location that is audited."""

    __tablename__ = "branches"
    __table_args__ = (
        CheckConstraint("target_score >= 0 AND target_score <= 100", name="target_score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(8))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    target_score: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("85"))
    active: Mapped[bool] = mapped_column(default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    area: Mapped[Area] = relationship()

    def __repr__(self) -> str:
        return f"<Branch {self.id} {self.code!r}>"
