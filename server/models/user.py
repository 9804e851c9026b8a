from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from server.extensions import db
from server.models.area import Area
from server.models.branch import Branch
from server.models.types import UTCDateTime, utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"
    HQ = "hq"
    REGIONAL_MANAGER = "regional_manager"
    BRANCH_MANAGER = "branch_manager"
    AUDITOR = "auditor"


# Roles that see every branch; the others see only their scope.
NETWORK_ROLES = frozenset({Role.ADMIN, Role.HQ})

user_branches = Table(
    "user_branches",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("branch_id", ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True),
)
user_areas = Table(
    "user_areas",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[Role] = mapped_column(
        db.Enum(
            Role,
            name="user_role",
            native_enum=False,
            length=20,
            values_callable=lambda roles: [r.value for r in roles],
            create_constraint=True,
        )
    )
    locale: Mapped[str] = mapped_column(String(8), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    branches: Mapped[list[Branch]] = relationship(secondary=user_branches)
    areas: Mapped[list[Area]] = relationship(secondary=user_areas)

    def set_password(self, password: str) -> None:
        # werkzeug's default is scrypt with a random salt.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def sees_whole_network(self) -> bool:
        return self.role in NETWORK_ROLES

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r} {self.role.value}>"


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak reveals no usable token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id}>"
