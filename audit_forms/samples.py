"""Sample submissions for a form: the best possible answers (tests, benchmarks).

best_answers(form, photo_ids=[17])  # {"greeted_promptly": {"value": "yes"}, ...}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from audit_forms.model import Form, Question

SAMPLE_TEXT = "Obsłużono mnie uprzejmie; Łódź"


def best_value(question: Question) -> Any:
    """The answer value that earns all of the question's points (None for a photo question)."""
    settings = question.settings
    match question.type:
        case "yes_no":
            return "yes"
        case "scale":
            return settings.max
        case "choice":
            return max(settings.options, key=lambda option: option.points).key
        case "duration":
            return 30
        case "number":  # a JSON number: the lowest allowed
            low = settings.min if settings.min is not None else 0
            return int(low) if low == int(low) else float(low)
        case "text":
            return SAMPLE_TEXT
        case _:
            return None


def best_answers(form: Form, photo_ids: Iterable[int] = ()) -> dict[str, dict[str, Any]]:
    """The best possible answer to every question, as a submission's `answers`.

    The questions that take photos (a required photo, or a photo question) get one of
    `photo_ids` each, taken from the end of the list; when none is left, they stay unanswered.
    """
    photo_ids = list(photo_ids)
    answers: dict[str, dict[str, Any]] = {}
    for question in form.questions:
        answer: dict[str, Any] = {"value": best_value(question)}
        if question.photo_required or question.type == "photo":
            if not photo_ids:
                continue
            answer["photo_ids"] = [photo_ids.pop()]
        answers[question.key] = answer
    return answers
