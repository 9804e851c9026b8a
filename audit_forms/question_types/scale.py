"""scale: a whole number in [min, max] earning a linear share of the points.

points * (value - min) / (max - min)   e.g. 4 points, 1..5, answer 3 -> 2 points
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields

from audit_forms.answers import Answer, AnswerProblem, problem
from audit_forms.fields import IntegerField, TextField
from audit_forms.model import NumberWriter, Question, Text, TextWriter
from audit_forms.question_types.base import (
    DefinitionProblem,
    QuestionType,
    as_int,
    invalid_type,
    register_question_type,
)

_INTEGER_KEY = re.compile(r"\A-?[0-9]+\Z")


class ScaleLabelsField(fields.Field):
    """Labels of some scale values: {1: {en: Poor, ...}, 5: {en: Excellent, ...}}.

    Keys are whole numbers; strings of digits are accepted too, because JSON has no other keys.
    """

    default_error_messages = {
        "required": "required",
        "null": "must have a value",
        "invalid": "must be a mapping of scale value to text, e.g. {{1: {{en: Poor}}}}",
    }

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> dict[int, dict[str, str]]:
        if not isinstance(value, Mapping):
            raise self.make_error("invalid")
        labels: dict[int, dict[str, str]] = {}
        errors: dict[str, Any] = {}
        text_field = TextField()
        for key, text in value.items():
            if isinstance(key, str) and _INTEGER_KEY.match(key):
                number: int | None = int(key)
            else:
                number = as_int(key)
            if number is None:
                errors[str(key)] = ["must be a whole number"]
                continue
            try:
                labels[number] = text_field.deserialize(text)
            except ValidationError as error:
                errors[str(key)] = error.messages
        if errors:
            raise ValidationError(errors)
        return dict(sorted(labels.items()))


@dataclass(frozen=True)
class ScaleSettings:
    min: int
    max: int
    labels: Mapping[int, Text] = field(default_factory=dict)


@register_question_type
class ScaleType(QuestionType):
    name = "scale"
    definition_fields = {
        "min": IntegerField(required=True),
        "max": IntegerField(required=True),
        "scale_labels": ScaleLabelsField(),
    }

    def check_definition(
        self, data: Mapping[str, Any], original: Mapping[str, Any]
    ) -> Iterator[DefinitionProblem]:
        low, high = data.get("min"), data.get("max")
        if low is None or high is None:
            return
        if low >= high:
            yield ("max",), f"must be greater than min ({low})"
            return
        for value in data.get("scale_labels", {}):
            if not low <= value <= high:
                yield ("scale_labels", str(value)), f"must be between min and max ({low}-{high})"

    def build_settings(self, data: Mapping[str, Any]) -> ScaleSettings:
        return ScaleSettings(
            min=data["min"], max=data["max"], labels=dict(data.get("scale_labels", {}))
        )

    def dump_settings(
        self, settings: ScaleSettings, text: TextWriter, number: NumberWriter
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"min": settings.min, "max": settings.max}
        if settings.labels:
            # String keys: the result must survive JSON, which has no integer keys.
            data["scale_labels"] = {str(k): text(v) for k, v in settings.labels.items()}
        return data

    def check_value(self, question: Question, answer: Answer) -> list[AnswerProblem]:
        settings: ScaleSettings = question.settings
        value = as_int(answer.value)
        if value is None:
            return [invalid_type(question, "a whole number")]
        if not settings.min <= value <= settings.max:
            message = f"The answer must be between {settings.min} and {settings.max}."
            return [
                problem(question.key, "out_of_range", message, min=settings.min, max=settings.max)
            ]
        return []

    def earned(self, question: Question, value: Any) -> Decimal:
        settings: ScaleSettings = question.settings
        assert question.points is not None
        return question.points * (value - settings.min) / (settings.max - settings.min)
