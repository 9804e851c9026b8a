"""photo: answered with photo ids only (value stays empty); unscored.

At least min_photos (default 1) when answered, at most max_photos when given.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from audit_forms.answers import Answer, AnswerProblem, problem
from audit_forms.fields import IntegerField, at_least
from audit_forms.model import NumberWriter, Question, TextWriter
from audit_forms.question_types.base import (
    DefinitionProblem,
    QuestionType,
    register_question_type,
)


@dataclass(frozen=True)
class PhotoSettings:
    min_photos: int | None = None
    max_photos: int | None = None

    @property
    def minimum(self) -> int:
        return 1 if self.min_photos is None else self.min_photos


@register_question_type
class PhotoType(QuestionType):
    name = "photo"
    points = "forbidden"
    supports_na = False
    definition_fields = {
        "min_photos": IntegerField(validate=at_least(1)),
        "max_photos": IntegerField(validate=at_least(1)),
    }

    def check_definition(
        self, data: Mapping[str, Any], original: Mapping[str, Any]
    ) -> Iterator[DefinitionProblem]:
        low, high = data.get("min_photos"), data.get("max_photos")
        if low is not None and high is not None and high < low:
            yield ("max_photos",), f"must be >= min_photos ({low})"

    def build_settings(self, data: Mapping[str, Any]) -> PhotoSettings:
        return PhotoSettings(min_photos=data.get("min_photos"), max_photos=data.get("max_photos"))

    def dump_settings(
        self, settings: PhotoSettings, text: TextWriter, number: NumberWriter
    ) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if settings.min_photos is not None:
            data["min_photos"] = settings.min_photos
        if settings.max_photos is not None:
            data["max_photos"] = settings.max_photos
        return data

    def is_answered(self, question: Question, answer: Answer) -> bool:
        # A value counts as an attempt, so that check_value can say it does not belong here.
        return bool(answer.photo_ids) or answer.value is not None

    def missing(self, question: Question) -> list[AnswerProblem]:
        if question.required:
            return [problem(question.key, "required", "At least one photo is required.")]
        if question.photo_required:
            message = "At least one photo is required."
            return [problem(question.key, "photo_required", message)]
        return []

    def check_value(self, question: Question, answer: Answer) -> list[AnswerProblem]:
        settings: PhotoSettings = question.settings
        if answer.value is not None:
            message = "A photo question is answered with photo_ids; its value must be empty."
            return [problem(question.key, "invalid_type", message, field="value", expected="null")]
        count = len(answer.photo_ids)
        if count < settings.minimum:
            message = f"At least {settings.minimum} photos are required."
            return [
                problem(question.key, "too_few_photos", message, min=settings.minimum, count=count)
            ]
        if settings.max_photos is not None and count > settings.max_photos:
            message = f"At most {settings.max_photos} photos are allowed."
            return [
                problem(
                    question.key,
                    "too_many_photos",
                    message,
                    max=settings.max_photos,
                    count=count,
                )
            ]
        return []
