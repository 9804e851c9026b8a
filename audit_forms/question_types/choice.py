"""choice: one option key; each option carries its own points.

The question's `points` must equal the best option's points, so "passed" means "best option".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from marshmallow import fields, post_load, validate

from audit_forms.answers import NA, Answer, AnswerProblem, problem
from audit_forms.decimals import canonical
from audit_forms.fields import (
    ListField,
    NumberField,
    StrictSchema,
    TextField,
    at_least,
    key_field,
    non_empty,
)
from audit_forms.model import NumberWriter, Option, Question, TextWriter
from audit_forms.question_types.base import (
    DefinitionProblem,
    QuestionType,
    invalid_type,
    register_question_type,
)


class OptionSchema(StrictSchema):
    key = key_field(
        "[a-z0-9_-]+",
        "clear",
        also=validate.NoneOf([NA], error="'na' is reserved for the answer n.a."),
    )
    points = NumberField(required=True, validate=at_least(0))
    label = TextField(required=True)

    @post_load
    def _make_option(self, data: dict[str, Any], **kwargs: Any) -> Option:
        return Option(key=data["key"], points=data["points"], label=data["label"])


@dataclass(frozen=True)
class ChoiceSettings:
    options: tuple[Option, ...]

    def option(self, key: str) -> Option | None:
        for option in self.options:
            if option.key == key:
                return option
        return None


@register_question_type
class ChoiceType(QuestionType):
    name = "choice"
    definition_fields = {
        "options": ListField(fields.Nested(OptionSchema), required=True, validate=non_empty()),
    }

    def check_definition(
        self, data: Mapping[str, Any], original: Mapping[str, Any]
    ) -> Iterator[DefinitionProblem]:
        options = data.get("options")
        if not isinstance(options, list) or not options:
            return
        first_index: dict[str, int] = {}
        for index, option in enumerate(options):
            if not isinstance(option, Option):
                continue
            if option.key in first_index:
                first = first_index[option.key]
                message = f"duplicate option key {option.key!r} (first used at options[{first}])"
                yield ("options", index, "key"), message
            else:
                first_index[option.key] = index
        if "points" in data and all(isinstance(option, Option) for option in options):
            best = max(option.points for option in options)
            if data["points"] != best:
                yield ("points",), f"must equal the highest option's points ({canonical(best)})"

    def build_settings(self, data: Mapping[str, Any]) -> ChoiceSettings:
        return ChoiceSettings(options=tuple(data["options"]))

    def dump_settings(
        self, settings: ChoiceSettings, text: TextWriter, number: NumberWriter
    ) -> dict[str, Any]:
        return {
            "options": [
                {"key": o.key, "points": number(o.points), "label": text(o.label)}
                for o in settings.options
            ]
        }

    def check_value(self, question: Question, answer: Answer) -> list[AnswerProblem]:
        settings: ChoiceSettings = question.settings
        value = answer.value
        if not isinstance(value, str):
            return [invalid_type(question, "an option key")]
        if settings.option(value) is None:
            choices = [option.key for option in settings.options]
            if question.allow_na:
                choices.append(NA)
            message = f"{value!r} is not one of: {', '.join(choices)}."
            return [problem(question.key, "invalid_choice", message, value=value, choices=choices)]
        return []

    def earned(self, question: Question, value: Any) -> Decimal:
        settings: ChoiceSettings = question.settings
        option = settings.option(value)
        assert option is not None
        return option.points
