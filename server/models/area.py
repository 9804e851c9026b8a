from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class Area(db.Model):
    """A place in the tree country > region > district; `path` makes a subtree one LIKE."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    # "/1/7/12/": the ids from the root down to this area, both ends slashed.
    path: Mapped[str] = mapped_column(String(1000), default="", index=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Area | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Area]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Area {self.id} {self.code!r}>"
