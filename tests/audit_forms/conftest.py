from __future__ import annotations

import pytest

from audit_forms import Form

from .factories import callback_hours, make_form, question, section


@pytest.fixture
def form() -> Form:
    """A form with one question of every type, in three sections weighted 2, 1 and 1."""
    return make_form(
        section(
            "arrival",
            question("greeted", points=2),
            question("smiled", allow_na=True),
            question("courteous", points=4, critical=True, comment_required_when_failed=True),
            weight=2,
        ),
        section(
            "service",
            question("wait_seconds", "duration", points=4),
            question("knowledge", "scale", points=4),
            question(
                "offer",
                "choice",
                points=3,
                options=[
                    {"key": "clear", "points": 3, "label": {"en": "Clear", "pl": "Jasna"}},
                    {"key": "vague", "points": 1, "label": {"en": "Vague", "pl": "Mglista"}},
                    {"key": "none", "points": 0, "label": {"en": "None", "pl": "Brak"}},
                ],
                allow_na=True,
            ),
            callback_hours(required=False),
        ),
        section(
            "premises",
            question("clean", photo_required=True),
            question("staff_count", "number", min=0, required=False),
            question("premises_photos", "photo", max_photos=3, required=False),
            question("comment", "text", max_length=20, required=False),
        ),
    )
