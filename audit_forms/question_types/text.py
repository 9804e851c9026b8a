"""text: free text, unscored; optionally limited in length."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from audit_forms.answers import Answer, AnswerProblem, problem
from audit_forms.fields import IntegerField, at_least
from audit_forms.model import NumberWriter, Question, TextWriter
from audit_forms.question_types.base import QuestionType, invalid_type, register_question_type


@dataclass(frozen=True)
class TextSettings:
    max_length: int | None = None


@register_question_type
class TextType(QuestionType):
    name = "text"
    points = "forbidden"
    # "na" is a perfectly good text; an optional text question is simply left empty.
    supports_na = False
    definition_fields = {"max_length": IntegerField(validate=at_least(1))}

    def build_settings(self, data: Mapping[str, Any]) -> TextSettings:
        return TextSettings(max_length=data.get("max_length"))

    def dump_settings(
        self, settings: TextSettings, text: TextWriter, number: NumberWriter
    ) -> dict[str, Any]:
        return {} if settings.max_length is None else {"max_length": settings.max_length}

    def is_answered(self, question: Question, answer: Answer) -> bool:
        # Blank text is no answer: a required text question needs real words.
        value = answer.value
        return value is not None and not (isinstance(value, str) and not value.strip())

    def check_value(self, question: Question, answer: Answer) -> list[AnswerProblem]:
        settings: TextSettings = question.settings
        value = answer.value
        if not isinstance(value, str):
            return [invalid_type(question, "text")]
        if settings.max_length is not None and len(value) > settings.max_length:
            message = f"The text must be at most {settings.max_length} characters long."
            return [
                problem(
                    question.key,
                    "too_long",
                    message,
                    max_length=settings.max_length,
                    length=len(value),
                )
            ]
        return []
