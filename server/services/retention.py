"""Data retention: photos and personal data go after the retention period; scores stay."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from server.extensions import db
from server.models import ApiToken, Photo, Visit, VisitAnswer
from server.models.types import utcnow
from server.services.files import get_storage


@dataclass(frozen=True)
class PurgeReport:
    photos: int
    visits: int
    tokens: int


def purge(now: datetime | None = None) -> PurgeReport:
    """Remove, for visits that ended before the retention cutoff: their photos (objects and
    rows), GPS fix, device, app version and the comments written with the answers. Visit,
    section and answer scores stay, so every aggregate and scorecard keeps its numbers."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["RETENTION_DAYS"])
    old_visits = select(Visit.id).where(Visit.ended_at < cutoff)
    storage = get_storage()
    old_photos = db.session.scalars(select(Photo).where(Photo.visit_id.in_(old_visits))).all()
    for photo in old_photos:
        for key in (photo.object_key, photo.thumbnail_key, photo.upload_key):
            if key:
                storage.delete(key)
    db.session.execute(delete(Photo).where(Photo.id.in_([p.id for p in old_photos])))
    visits = db.session.execute(
        update(Visit)
        .where(
            Visit.ended_at < cutoff,
            or_(
                Visit.gps_latitude.is_not(None),
                Visit.device.is_not(None),
                Visit.app_version.is_not(None),
            ),
        )
        .values(
            gps_latitude=None,
            gps_longitude=None,
            gps_accuracy_m=None,
            device=None,
            app_version=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(
        update(VisitAnswer)
        .where(VisitAnswer.visit_id.in_(old_visits), VisitAnswer.comment.is_not(None))
        .values(comment=None)
        .execution_options(synchronize_session=False)
    )
    # Tokens that can no longer be used are of no further interest.
    tokens = db.session.execute(
        delete(ApiToken)
        .where(or_(ApiToken.expires_at < now, ApiToken.revoked_at < now - timedelta(days=1)))
        .execution_options(synchronize_session=False)
    ).rowcount
    return PurgeReport(photos=len(old_photos), visits=visits, tokens=tokens)
