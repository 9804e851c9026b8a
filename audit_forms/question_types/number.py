"""number: a number in [min, max] (either bound optional); scored only when it has bands.

callback_hours: min 0, max 168, points 2,
bands [{from: 0, to: 24, share: 1}, {from: 24, to: 48, share: 0.5}, {from: 48, share: 0}]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from audit_forms.answers import Answer, AnswerProblem, problem
from audit_forms.decimals import canonical, to_json_number
from audit_forms.fields import NumberField, TextField
from audit_forms.model import Band, NumberWriter, Question, Text, TextWriter, find_band
from audit_forms.question_types.band_rules import (
    bands_field,
    check_bands,
    dump_bands,
    loaded_bands,
)
from audit_forms.question_types.base import (
    DefinitionProblem,
    QuestionType,
    as_number,
    invalid_type,
    register_question_type,
)


@dataclass(frozen=True)
class NumberSettings:
    min: Decimal | None = None
    max: Decimal | None = None
    unit: Text | None = None
    #: Empty when the question is not scored.
    bands: tuple[Band, ...] = ()


@register_question_type
class NumberType(QuestionType):
    name = "number"
    points = "optional"
    definition_fields = {
        "min": NumberField(),
        "max": NumberField(),
        "unit": TextField(),
        "bands": bands_field(required=False),
    }

    def is_scored_definition(self, original: Mapping[str, Any]) -> bool:
        return "bands" in original

    def check_definition(
        self, data: Mapping[str, Any], original: Mapping[str, Any]
    ) -> Iterator[DefinitionProblem]:
        low, high = data.get("min"), data.get("max")
        if low is not None and high is not None and low >= high:
            yield ("max",), f"must be greater than min ({canonical(low)})"
            return
        if "bands" in original and "points" not in original:
            yield ("points",), "required when bands are given"
        if "points" in original and "bands" not in original:
            yield ("bands",), "required when points are given: a number is scored through bands"
        bands = loaded_bands(data)
        if bands is None:
            return
        if "min" not in original:
            yield ("min",), "required when bands are given: the first band starts at min"
        elif low is not None:
            yield from check_bands(bands, start=low, end=high)

    def build_settings(self, data: Mapping[str, Any]) -> NumberSettings:
        return NumberSettings(
            min=data.get("min"),
            max=data.get("max"),
            unit=data.get("unit"),
            bands=tuple(data.get("bands", ())),
        )

    def dump_settings(
        self, settings: NumberSettings, text: TextWriter, number: NumberWriter
    ) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if settings.min is not None:
            data["min"] = number(settings.min)
        if settings.max is not None:
            data["max"] = number(settings.max)
        if settings.unit is not None:
            data["unit"] = text(settings.unit)
        if settings.bands:
            data["bands"] = dump_bands(settings.bands, number)
        return data

    def is_scored(self, question: Question) -> bool:
        settings: NumberSettings = question.settings
        return question.points is not None and bool(settings.bands)

    def check_value(self, question: Question, answer: Answer) -> list[AnswerProblem]:
        settings: NumberSettings = question.settings
        value = as_number(answer.value)
        if value is None:
            return [invalid_type(question, "a number")]
        too_low = settings.min is not None and value < settings.min
        too_high = settings.max is not None and value > settings.max
        if too_low or too_high:
            params: dict[str, Any] = {}
            if settings.min is not None:
                params["min"] = to_json_number(settings.min)
            if settings.max is not None:
                params["max"] = to_json_number(settings.max)
            if settings.min is not None and settings.max is not None:
                limits = f"between {canonical(settings.min)} and {canonical(settings.max)}"
            elif settings.min is not None:
                limits = f"at least {canonical(settings.min)}"
            else:
                assert settings.max is not None
                limits = f"at most {canonical(settings.max)}"
            message = f"The answer must be {limits}."
            return [problem(question.key, "out_of_range", message, **params)]
        return []

    def earned(self, question: Question, value: Any) -> Decimal:
        settings: NumberSettings = question.settings
        number = as_number(value)
        assert number is not None and question.points is not None
        band = find_band(settings.bands, number)
        assert band is not None
        return question.points * band.share
