"""duration: whole seconds from the auditor's stopwatch, scored through bands.

bands: [{from: 0, to: 120, share: 1}, {from: 120, to: 300, share: 0.5}, {from: 300, share: 0}]
120 s -> all the points, 121 s -> half, 301 s -> none
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from audit_forms.answers import Answer, AnswerProblem, problem
from audit_forms.decimals import ZERO
from audit_forms.model import Band, NumberWriter, Question, TextWriter, find_band
from audit_forms.question_types.band_rules import (
    bands_field,
    check_bands,
    dump_bands,
    loaded_bands,
)
from audit_forms.question_types.base import (
    DefinitionProblem,
    QuestionType,
    as_int,
    invalid_type,
    register_question_type,
)


@dataclass(frozen=True)
class DurationSettings:
    bands: tuple[Band, ...]


@register_question_type
class DurationType(QuestionType):
    name = "duration"
    definition_fields = {"bands": bands_field(required=True)}

    def check_definition(
        self, data: Mapping[str, Any], original: Mapping[str, Any]
    ) -> Iterator[DefinitionProblem]:
        bands = loaded_bands(data)
        if bands is not None:
            # A wait has no upper limit, so the last band must be open.
            yield from check_bands(bands, start=ZERO, end=None)

    def build_settings(self, data: Mapping[str, Any]) -> DurationSettings:
        return DurationSettings(bands=tuple(data["bands"]))

    def dump_settings(
        self, settings: DurationSettings, text: TextWriter, number: NumberWriter
    ) -> dict[str, Any]:
        return {"bands": dump_bands(settings.bands, number)}

    def check_value(self, question: Question, answer: Answer) -> list[AnswerProblem]:
        seconds = as_int(answer.value)
        if seconds is None:
            return [invalid_type(question, "a whole number of seconds")]
        if seconds < 0:
            message = "The answer must be at least 0 seconds."
            return [problem(question.key, "out_of_range", message, min=0)]
        return []

    def earned(self, question: Question, value: Any) -> Decimal:
        settings: DurationSettings = question.settings
        band = find_band(settings.bands, Decimal(value))
        assert band is not None and question.points is not None
        return question.points * band.share
