"""QA flags: facts that deserve a reviewer's look. They inform; they never block a submission."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from server.extensions import db
from server.models import Photo, PhotoStatus, Visit

EARTH_RADIUS_M = 6_371_000


@dataclass(frozen=True)
class Flag:
    code: str
    reason: str  # readable, with the numbers
    params: dict[str, Any] = field(default_factory=dict)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _distance_text(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def flags_for(visit: Visit) -> list[Flag]:
    config = current_app.config
    found: list[Flag] = []
    found.extend(_gps_flags(visit, config))
    found.extend(_duration_flags(visit, config))
    found.extend(_late_submission(visit, config))
    found.extend(_photo_flags(visit, config))
    return found


def _gps_flags(visit: Visit, config) -> list[Flag]:
    branch = visit.branch
    if visit.gps_latitude is None:
        if config["QA_GPS_EXPECTED"]:
            return [Flag("gps_missing", "No GPS fix was sent with the visit.")]
        return []
    if branch.latitude is None or branch.longitude is None:
        return []
    metres = distance_m(visit.gps_latitude, visit.gps_longitude, branch.latitude, branch.longitude)
    limit = config["QA_GPS_MAX_DISTANCE_M"]
    if metres <= limit:
        return []
    accuracy = "" if visit.gps_accuracy_m is None else f", accuracy {visit.gps_accuracy_m:.0f} m"
    return [
        Flag(
            "gps_far",
            f"GPS fix {_distance_text(metres)} from the branch{accuracy}.",
            {"distance_m": round(metres), "accuracy_m": visit.gps_accuracy_m, "limit_m": limit},
        )
    ]


def _duration_flags(visit: Visit, config) -> list[Flag]:
    shortest, longest = config["QA_VISIT_MINUTES"].get(
        visit.form_version.key, config["QA_VISIT_MINUTES"]["*"]
    )
    minutes = (visit.ended_at - visit.started_at).total_seconds() / 60
    params = {"minutes": round(minutes, 1), "shortest": shortest, "longest": longest}
    if minutes < shortest:
        return [
            Flag(
                "visit_short",
                f"The visit lasted {minutes:.0f} min; at least {shortest} "
                "min is plausible for this form.",
                params,
            )
        ]
    if minutes > longest:
        return [
            Flag(
                "visit_long",
                f"The visit lasted {minutes:.0f} min; at most {longest} "
                "min is plausible for this form.",
                params,
            )
        ]
    return []


def _late_submission(visit: Visit, config) -> list[Flag]:
    delay = visit.submitted_at - visit.ended_at
    limit = timedelta(hours=config["QA_SUBMISSION_DELAY_HOURS"])
    if delay <= limit:
        return []
    hours = delay.total_seconds() / 3600
    return [
        Flag(
            "submitted_late",
            f"Submitted {hours:.0f} h after the visit ended (more than "
            f"{config['QA_SUBMISSION_DELAY_HOURS']} h).",
            {"hours": round(hours, 1)},
        )
    ]


def _photo_flags(visit: Visit, config) -> list[Flag]:
    found: list[Flag] = []
    tolerance = timedelta(minutes=config["QA_PHOTO_TIME_TOLERANCE_MINUTES"])
    zone = ZoneInfo(visit.branch.timezone)
    for photo in visit.photos:
        if photo.status != PhotoStatus.COMPLETE:
            continue
        taken = _capture_instant(photo, zone)
        if taken is not None and not (
            visit.started_at - tolerance <= taken <= visit.ended_at + tolerance
        ):
            local = taken.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            found.append(
                Flag(
                    "photo_time",
                    f"Photo {photo.id} was taken at {local}, outside the visit.",
                    {"photo_id": photo.id, "taken_at": taken.isoformat()},
                )
            )
        reused = _other_visits_with(photo)
        if reused:
            found.append(
                Flag(
                    "photo_reused",
                    f"Photo {photo.id} is identical to a photo of "
                    f"visit {', '.join(map(str, reused))}.",
                    {"photo_id": photo.id, "visit_ids": reused},
                )
            )
    return found


def _capture_instant(photo: Photo, zone: ZoneInfo) -> datetime | None:
    """EXIF time with its offset, else read in the branch's time zone (cameras use local time)."""
    if photo.captured_at is None:
        return None
    if photo.captured_utc_offset_minutes is not None:
        from datetime import timezone

        return photo.captured_at.replace(
            tzinfo=timezone(timedelta(minutes=photo.captured_utc_offset_minutes))
        )
    return photo.captured_at.replace(tzinfo=zone)


def _other_visits_with(photo: Photo) -> list[int]:
    if photo.sha256 is None:
        return []
    return list(
        db.session.scalars(
            select(func.distinct(Photo.visit_id))
            .where(
                Photo.sha256 == photo.sha256,
                Photo.visit_id.is_not(None),
                Photo.visit_id != photo.visit_id,
                Photo.status == PhotoStatus.COMPLETE,
            )
            .order_by(Photo.visit_id)
        )
    )
