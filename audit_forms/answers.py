"""Answers of a visit and their validation against a form.

validate_answers returns one AnswerProblem per issue, keyed by question, with a stable `code`
and `params` so that a user interface can show the problem in the auditor's language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audit_forms.model import Form

#: The answer value that means "not applicable".
NA = "na"

_ANSWER_FIELDS = ("value", "comment", "photo_ids")


@dataclass(frozen=True)
class Answer:
    """What a visit sends for one question.

    `value` depends on the question type ("yes", 4, "clear", 95, "na", ...; None for a photo
    question), `photo_ids` are ids of photos uploaded as evidence.
    """

    value: Any = None
    comment: str | None = None
    photo_ids: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        # Accept a list for convenience but keep the dataclass immutable.
        if isinstance(self.photo_ids, list):
            object.__setattr__(self, "photo_ids", tuple(self.photo_ids))

    @property
    def is_na(self) -> bool:
        return self.value == NA

    @property
    def has_comment(self) -> bool:
        return isinstance(self.comment, str) and bool(self.comment.strip())


@dataclass(frozen=True)
class AnswerProblem:
    """One problem with one answer.

    `code` is a stable machine string (see PROBLEM_CODES), `message` readable English, `params`
    JSON-able details (limits, allowed choices, ...) for translated messages.
    """

    question: str
    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "code": self.code,
            "message": self.message,
            "params": dict(self.params),
        }


#: Every code validate_answers may return, with what it means.
PROBLEM_CODES: Mapping[str, str] = {
    "unknown_question": "the form has no question with this key",
    "unknown_field": "the answer has a field other than value, comment and photo_ids",
    "required": "a required question has no answer",
    "invalid_type": "the value (or comment, or photo_ids: see params.field) has the wrong type",
    "out_of_range": "a number lies outside the allowed range (params.min, params.max)",
    "invalid_choice": "the value is not one of the allowed ones (params.choices)",
    "na_not_allowed": "n.a. was given but the question does not allow it",
    "too_long": "a text is longer than params.max_length",
    "comment_required": "the question failed and needs a comment, but the comment is blank",
    "photo_required": "the question needs at least one photo, but none was attached",
    "too_few_photos": "fewer photos than params.min",
    "too_many_photos": "more photos than params.max",
    "duplicate_photo": "the same photo id is attached twice",
}


def problem(question: str, code: str, message: str, **params: Any) -> AnswerProblem:
    """Build an AnswerProblem; refuses codes that are not in PROBLEM_CODES."""
    if code not in PROBLEM_CODES:
        raise ValueError(f"unknown problem code {code!r}")
    return AnswerProblem(question=question, code=code, message=message, params=params)


def coerce_answer(key: str, raw: object) -> tuple[Answer | None, list[AnswerProblem]]:
    """Turn an Answer or a plain mapping {value, comment, photo_ids} into a checked Answer.

    Returns (None, problems) when the answer's shape is wrong; the value itself is checked
    later, by the question's type.
    """
    problems: list[AnswerProblem] = []
    if isinstance(raw, Answer):
        value, comment, photo_ids = raw.value, raw.comment, raw.photo_ids
    elif isinstance(raw, Mapping):
        for name in raw:
            if name not in _ANSWER_FIELDS:
                problems.append(
                    problem(
                        key,
                        "unknown_field",
                        f"Unknown field {name!r} in the answer.",
                        field=str(name),
                    )
                )
        value = raw.get("value")
        comment = raw.get("comment")
        photo_ids = raw.get("photo_ids")
        if photo_ids is None:
            photo_ids = ()
    else:
        message = "The answer must be an object with value, comment and photo_ids."
        return None, [problem(key, "invalid_type", message, field="answer", expected="object")]

    if comment is not None and not isinstance(comment, str):
        message = "The comment must be text."
        problems.append(problem(key, "invalid_type", message, field="comment", expected="string"))
    if isinstance(photo_ids, str | bytes) or not isinstance(photo_ids, Sequence):
        message = "The photo ids must be a list."
        problems.append(problem(key, "invalid_type", message, field="photo_ids", expected="list"))
    else:
        seen: set[Any] = set()
        for photo_id in photo_ids:
            # Ids are strings (UUIDs) or integers; a bool is neither, even though it is an int.
            if isinstance(photo_id, bool) or not isinstance(photo_id, str | int):
                message = "Every photo id must be a string or an integer."
                problems.append(
                    problem(key, "invalid_type", message, field="photo_ids", expected="id")
                )
                break
            if photo_id in seen:
                message = f"Photo {photo_id} is attached more than once."
                problems.append(problem(key, "duplicate_photo", message, photo_id=photo_id))
            seen.add(photo_id)
    if problems:
        return None, problems
    return Answer(value=value, comment=comment, photo_ids=tuple(photo_ids)), []


def coerce_answers(
    form: Form, answers: Mapping[str, object]
) -> tuple[dict[str, Answer], list[AnswerProblem]]:
    """Coerce every answer; problems for unknown keys and for malformed answers."""
    if not isinstance(answers, Mapping):
        raise TypeError("answers must be a mapping question key -> answer")
    known = {question.key for question in form.questions}
    coerced: dict[str, Answer] = {}
    problems: list[AnswerProblem] = []
    for key, raw in answers.items():
        if key not in known:
            message = f"There is no question {key!r} in this form."
            problems.append(problem(str(key), "unknown_question", message))
            continue
        answer, answer_problems = coerce_answer(key, raw)
        problems.extend(answer_problems)
        if answer is not None:
            coerced[key] = answer
    return coerced, problems


def validate_answers(form: Form, answers: Mapping[str, object]) -> list[AnswerProblem]:
    """Every problem of a visit's answers: malformed answers first, then in form order.

    `answers` maps question keys to Answer objects or plain mappings {value, comment,
    photo_ids}. An empty list means the answers can be stored and scored.
    """
    coerced, problems = coerce_answers(form, answers)
    malformed = {p.question for p in problems}
    for question in form.questions:
        if question.key in malformed:
            continue
        problems.extend(question.kind.validate(question, coerced.get(question.key)))
    return problems


class InvalidAnswersError(ValueError):
    """Raised by score_visit for answers that validate_answers does not accept."""

    def __init__(self, problems: Sequence[AnswerProblem]) -> None:
        self.problems = list(problems)
        lines = [f"{p.question}: {p.code}: {p.message}" for p in self.problems]
        super().__init__("invalid answers:\n  " + "\n  ".join(lines))
