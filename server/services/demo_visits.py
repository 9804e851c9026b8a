"""A year of demo visits over the demo network, made through the real services.

Deterministic (a seeded generator): some branches serve well, some badly, some slide month by
month, a few are visited rarely. The last weeks hold visits in every review state, a few with QA
flags, and an open visit plan for the coming months.
"""

from __future__ import annotations

import io
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import func, select, update

from audit_forms import Form, Question
from server.extensions import db
from server.models import Area, Branch, Role, User, Visit
from server.models.types import utcnow
from server.services import assignments, forms, photos, review, visits

MONTHS = 12
SEED = 2026

# Comments an auditor might write, in the branch's language: (when failed, overall).
COMMENTS = {
    "pl": (
        [
            "Pracownik rozmawiał przez telefon prywatnie.",
            "Nikt nie zauważył mnie przez kilka minut.",
            "Naciskano na dodatkowe ubezpieczenie.",
            "Cena przy kasie była inna niż na półce.",
        ],
        ["Ogólnie sprawna obsługa.", "Miła atmosfera, ale długa kolejka."],
    ),
    "cs": (
        [
            "Zaměstnanec si povídal s kolegou.",
            "Na dotaz mě poslali jinam.",
            "Nabízeli mi zbytečné připojištění.",
        ],
        ["Příjemná obsluha.", "Dlouhá fronta u pokladny."],
    ),
    "hu": (
        [
            "Az eladó telefonált, amíg vártam.",
            "Nem kaptam választ a kérdésemre.",
            "Erőltették a drágább terméket.",
        ],
        ["Kedves kiszolgálás.", "Hosszú volt a sor."],
    ),
    "lt": (
        [
            "Darbuotojas kalbėjo telefonu.",
            "Mane nusiuntė į kitą skyrių.",
            "Primygtinai siūlė papildomą draudimą.",
        ],
        ["Malonus aptarnavimas.", "Ilga eilė prie kasos."],
    ),
    "nb": (
        [
            "Den ansatte snakket privat i telefonen.",
            "Jeg ble sendt videre uten svar.",
            "De presset på for å selge tilleggsforsikring.",
        ],
        ["Hyggelig betjening.", "Lang kø ved kassen."],
    ),
    "en": (
        ["The clerk was on a private call.", "I was sent elsewhere without an answer."],
        ["Friendly service overall."],
    ),
}


@dataclass
class Profile:
    """How a branch serves: a base probability of a good answer and a monthly drift."""

    quality: float
    drift: float
    every: int  # visited every `every` months (sparse branches > 1)
    per_month: int


def load_demo_visits(hq: User, *, months: int = MONTHS, now: datetime | None = None) -> int:
    """Create `months` of demo visits unless there are already some; returns how many."""
    if db.session.scalar(select(func.count(Visit.id))):
        return 0
    now = now or utcnow()
    rng = random.Random(SEED)
    branch_form = forms.form_of(forms.get_form_version("branch-visit"))
    phone_form = forms.form_of(forms.get_form_version("phone-enquiry"))
    auditors = _auditors_by_country()
    made = 0
    all_branches = db.session.scalars(select(Branch).order_by(Branch.code)).all()
    for index, branch in enumerate(all_branches):
        profile = _profile(rng, index)
        auditor = auditors[branch.country]
        for months_ago in range(months, 0, -1):
            if months_ago % profile.every:
                continue
            month_start = _month_start(now, months_ago)
            quality = min(0.98, max(0.3, profile.quality + profile.drift * (months - months_ago)))
            for _ in range(profile.per_month):
                visited = _visit_time(rng, branch, month_start, now)
                if visited is None:
                    continue
                _make_visit(rng, hq, auditor, branch, branch_form, quality, visited)
                made += 1
            if index % 4 == 0 and months_ago % 2 == 0:
                visited = _visit_time(rng, branch, month_start, now)
                if visited is not None:
                    _make_visit(rng, hq, auditor, branch, phone_form, quality, visited)
                    made += 1
        db.session.flush()
    made += _recent_visits(rng, hq, auditors, all_branches, branch_form, now)
    _plan_next_months(hq, now)
    return made


def _auditors_by_country() -> dict[str, User]:
    found = {}
    for auditor in db.session.scalars(select(User).where(User.role == Role.AUDITOR)):
        for area in auditor.areas:
            if area.parent_id is None:
                found.setdefault(area.code, auditor)
    return found


def _profile(rng: random.Random, index: int) -> Profile:
    quality = rng.uniform(0.62, 0.95)
    drift = 0.0
    if index % 7 == 3:
        drift = -0.025  # sliding down month by month
    elif index % 9 == 5:
        drift = 0.015
    every = 3 if index % 11 == 6 else 1
    return Profile(quality=quality, drift=drift, every=every, per_month=rng.choice((1, 2, 2, 3)))


def _month_start(now: datetime, months_ago: int) -> date:
    """The first day of the month `months_ago` before now's (negative: months ahead)."""
    year, month = divmod(now.year * 12 + now.month - 1 - months_ago, 12)
    return date(year, month + 1, 1)


def _visit_time(
    rng: random.Random, branch: Branch, month: date, now: datetime
) -> tuple[datetime, datetime] | None:
    """A weekday visit during opening hours, local to the branch."""
    zone = ZoneInfo(branch.timezone)
    day = month + timedelta(days=rng.randrange(0, 28))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    start = datetime(
        day.year, day.month, day.day, rng.randrange(9, 17), rng.randrange(60), tzinfo=zone
    ).astimezone(UTC)
    end = start + timedelta(minutes=rng.randrange(12, 45))
    return None if end > now - timedelta(days=1) else (start, end)


def _answers(
    rng: random.Random, form: Form, quality: float, locale: str
) -> dict[str, dict[str, Any]]:
    failed_comments, overall = COMMENTS.get(locale, COMMENTS["en"])
    answers: dict[str, dict[str, Any]] = {}
    for question in form.questions:
        if question.type in ("photo",):
            continue
        good = rng.random() < (0.985 if question.critical else quality)
        value = _value(rng, question, good)
        if value is None:
            continue
        answer: dict[str, Any] = {"value": value}
        if question.comment_required_when_failed and value in ("no",):
            answer["comment"] = rng.choice(failed_comments)
        answers[question.key] = answer
    text_key = next((q.key for q in form.questions if q.type == "text"), None)
    if text_key and rng.random() < 0.5:
        answers[text_key] = {"value": rng.choice(overall)}
    return answers


def _value(rng: random.Random, question: Question, good: bool) -> Any:
    settings = question.settings
    match question.type:
        case "yes_no":
            if question.allow_na and rng.random() < 0.08:
                return "na"
            return "yes" if good else "no"
        case "scale":
            span = settings.max - settings.min
            share = rng.uniform(0.75, 1.0) if good else rng.uniform(0.0, 0.6)
            return int(settings.min + round(span * share))
        case "choice":
            ranked = sorted(settings.options, key=lambda option: option.points, reverse=True)
            return ranked[0].key if good else rng.choice(ranked[1:]).key
        case "duration":
            return rng.randrange(10, 110) if good else rng.randrange(130, 600)
        case "number":
            if not question.required and rng.random() < 0.5:
                return None
            low, high = int(settings.min), int(settings.max)
            return (
                rng.randrange(low, low + max(1, (high - low) // 10))
                if good
                else rng.randrange(low + (high - low) // 5, high)
            )
        case "text":
            return None
    return None


def _photo(rng: random.Random, auditor: User) -> int:
    """A small, distinct JPEG through the real upload path (verified, cleaned, thumbnailed)."""
    image = Image.new("RGB", (64, 48), tuple(rng.randrange(256) for _ in range(3)))
    for _ in range(12):
        x, y = rng.randrange(64), rng.randrange(48)
        image.putpixel((x, y), tuple(rng.randrange(256) for _ in range(3)))
    data = io.BytesIO()
    image.save(data, "JPEG", quality=80)
    photo = photos.new_photo(auditor, "image/jpeg")
    data.seek(0)
    photos.store_upload(photo.upload_key, data, "image/jpeg", len(data.getvalue()))
    photos.complete_photo(photo)
    return photo.id


def _make_visit(
    rng,
    hq,
    auditor,
    branch,
    form,
    quality,
    when,
    *,
    decision="approve",
    gps_offset=0.0,
    submitted_after=None,
) -> Visit:
    started, ended = when
    answers = _answers(rng, form, quality, branch.locale)
    for question in form.questions:
        if question.photo_required:
            answers.setdefault(question.key, {"value": "yes"})["photo_ids"] = [_photo(rng, auditor)]
    data = {
        "client_uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
        "branch_id": branch.id,
        "form_key": form.key,
        "form_version": form.version,
        "started_at": started,
        "ended_at": ended,
        "waiting_seconds": rng.randrange(0, 400),
        "answers": answers,
        "gps": None
        if branch.latitude is None
        else {
            "latitude": branch.latitude + gps_offset,
            "longitude": branch.longitude,
            "accuracy_m": rng.choice((8, 12, 25, 40)),
        },
        "device": "Demo phone",
        "app_version": "1.0.0",
    }
    visit = visits.submit_visit(auditor, data).visit
    delay = submitted_after or timedelta(minutes=rng.randrange(15, 240))
    db.session.execute(update(Visit).where(Visit.id == visit.id).values(submitted_at=ended + delay))
    db.session.refresh(visit)
    if decision is not None:
        note = {
            "return": "Proszę uzupełnić komentarz do czasu oczekiwania.",
            "reject": "Zdjęcia nie pochodzą z tej wizyty.",
        }.get(decision, "")
        review.decide(hq, visit, decision, note)
    return visit


def _recent_visits(rng, hq, auditors, all_branches, form, now) -> int:
    """The last days: visits waiting for review (some flagged), returned and rejected ones."""
    made = 0
    for index, branch in enumerate(all_branches[::3]):
        auditor = auditors[branch.country]
        ended = now - timedelta(days=1 + index % 5, hours=rng.randrange(1, 6))
        started = ended - timedelta(minutes=rng.randrange(15, 40))
        kind = index % 6
        options = {
            0: {"decision": None},
            1: {"decision": None, "gps_offset": 0.03},  # about 3 km away: flagged
            2: {"decision": None, "submitted_after": timedelta(hours=70)},  # late: flagged
            3: {"decision": "return"},
            4: {"decision": "reject"},
            5: {"decision": None},
        }[kind]
        if kind == 2:
            started, ended = started - timedelta(hours=70), ended - timedelta(hours=70)
        _make_visit(rng, hq, auditor, branch, form, 0.8, (started, ended), **options)
        made += 1
    return made


def _plan_next_months(hq: User, now: datetime) -> None:
    first = _month_start(now, -1)
    last = _month_start(now, -3)
    for code in ("PL", "NO"):
        area = db.session.scalar(select(Area).where(Area.code == code))
        assignments.create_plan(
            hq,
            {
                "area_id": area.id,
                "form_key": "branch-visit",
                "visits_per_month": 1,
                "first_month": first.strftime("%Y-%m"),
                "last_month": last.strftime("%Y-%m"),
                "lockout_days": 60,
                "scenario": "Ask about opening a savings account",
            },
        )
