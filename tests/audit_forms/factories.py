"""Small definition builders: tests say only what matters to them."""

from __future__ import annotations

import copy
from typing import Any

from audit_forms import Form, load_form_data

LANGUAGES = ["en", "pl"]


def text(english: str) -> dict[str, str]:
    """A text in both test languages."""
    return {"en": english, "pl": f"[pl] {english}"}


def question(key: str, type: str = "yes_no", **fields: Any) -> dict[str, Any]:
    """A question definition; scored types get 1 point unless told otherwise."""
    data: dict[str, Any] = {"key": key, "type": type, "label": text(key.replace("_", " "))}
    if type in ("yes_no", "scale", "choice", "duration") and "points" not in fields:
        data["points"] = 1
    if type == "scale":
        data.update(min=1, max=5)
    if type == "choice":
        data["options"] = [
            {"key": "good", "points": 1, "label": text("good")},
            {"key": "bad", "points": 0, "label": text("bad")},
        ]
    if type == "duration":
        data["bands"] = [
            {"from": 0, "to": 120, "share": 1},
            {"from": 120, "to": 300, "share": 0.5},
            {"from": 300, "share": 0},
        ]
    data.update(fields)
    return data


def section(key: str, *questions: dict[str, Any], weight: Any = 1) -> dict[str, Any]:
    return {"key": key, "title": text(key), "weight": weight, "questions": list(questions)}


def definition(*sections: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A whole form definition; one yes/no question when no sections are given."""
    data: dict[str, Any] = {
        "key": "test-form",
        "version": 1,
        "default_language": "en",
        "languages": list(LANGUAGES),
        "title": text("Test form"),
        "sections": list(sections) or [section("main", question("greeted"))],
    }
    data.update(fields)
    return copy.deepcopy(data)


def make_form(*sections: dict[str, Any], **fields: Any) -> Form:
    return load_form_data(definition(*sections, **fields))


def callback_hours(**fields: Any) -> dict[str, Any]:
    """A banded number question: full points within a day, half within two, none later."""
    return question(
        "callback_hours",
        "number",
        min=0,
        max=168,
        points=2,
        bands=[
            {"from": 0, "to": 24, "share": 1},
            {"from": 24, "to": 48, "share": 0.5},
            {"from": 48, "share": 0},
        ],
        **fields,
    )
