"""Logging in and out with opaque bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from server.extensions import db
from server.models import ApiToken, User
from server.models.types import utcnow
from server.services.errors import AuthenticationFailed

# Writing last_used_at on every request would turn every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_hex(16))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(email: str, password: str, ttl: timedelta) -> tuple[str, ApiToken]:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        # Checking a dummy hash keeps unknown e-mails as slow as wrong passwords.
        check_password_hash(_dummy_hash(), password)
        raise AuthenticationFailed("Wrong e-mail or password.")
    if not user.check_password(password) or not user.active:
        raise AuthenticationFailed("Wrong e-mail or password.")
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=hash_token(raw), expires_at=utcnow() + ttl)
    db.session.add(token)
    db.session.flush()
    return raw, token


# Built once: every request of the API runs it.
_TOKEN_BY_HASH = (
    select(ApiToken)
    .options(joinedload(ApiToken.user))
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def token_for(raw: str) -> ApiToken | None:
    """The live token for a raw bearer value, or None when unknown, expired or revoked."""
    token = db.session.scalar(_TOKEN_BY_HASH, {"token_hash": hash_token(raw)})
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token


def revoke_token(token: ApiToken) -> None:
    token.revoked_at = utcnow()
    db.session.flush()
