from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.extensions import db
from server.models.types import UTCDateTime, utcnow


class FormVersion(db.Model):
    """One published version of a checklist, never changed once imported.

    `definition` is audit_forms' Form.to_dict(): loading it back gives the same form, so a
    visit's score can be recomputed exactly from the version it records.
    """

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_form_versions_key_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))  # indexed by the unique (key, version)
    version: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<FormVersion {self.key!r} v{self.version}>"
