"""yes_no: "yes" earns the points, "no" none; "na" when the question allows it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from audit_forms.answers import NA, Answer, AnswerProblem, problem
from audit_forms.decimals import ZERO
from audit_forms.model import Question
from audit_forms.question_types.base import QuestionType, invalid_type, register_question_type

YES = "yes"
NO = "no"


@register_question_type
class YesNoType(QuestionType):
    name = "yes_no"

    def check_value(self, question: Question, answer: Answer) -> list[AnswerProblem]:
        value = answer.value
        if value in (YES, NO) and isinstance(value, str):
            return []
        choices = [YES, NO, NA] if question.allow_na else [YES, NO]
        if not isinstance(value, str):
            # True/False are not answers: the wire format spells the answer out.
            return [invalid_type(question, " or ".join(repr(c) for c in choices))]
        message = f"{value!r} is not one of: {', '.join(choices)}."
        return [problem(question.key, "invalid_choice", message, value=value, choices=choices)]

    def earned(self, question: Question, value: Any) -> Decimal:
        assert question.points is not None
        return question.points if value == YES else ZERO
