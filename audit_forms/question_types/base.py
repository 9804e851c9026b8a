"""The base class of question types and the registry that finds them by name.

A question type is one small class: the fields it adds to a question's definition, the checks
of those fields, how it validates an answer and how many points an answer earns. Adding a type
means writing one class and decorating it with @register_question_type.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeVar

from marshmallow import fields

from audit_forms.answers import Answer, AnswerProblem, problem
from audit_forms.decimals import ZERO, arithmetic, quantize, to_decimal

if TYPE_CHECKING:
    from audit_forms.model import NumberWriter, Question, TextWriter

#: A path inside a question's definition, e.g. ("bands", 1, "from"), and its message.
DefinitionProblem = tuple[tuple[str | int, ...], str]


class QuestionType:
    """Behaviour shared by all question types; subclasses override the hooks they need."""

    #: The `type:` of a question in a definition file.
    name: ClassVar[str]
    #: Whether a definition gives `points`: "required", "optional" or "forbidden".
    points: ClassVar[Literal["required", "optional", "forbidden"]] = "required"
    #: Whether the answer "na" (not applicable) exists for this type.
    supports_na: ClassVar[bool] = True
    #: The marshmallow fields this type adds to a question's definition.
    definition_fields: ClassVar[Mapping[str, fields.Field]] = {}

    # -- the definition ------------------------------------------------------------------------

    def check_definition(
        self, data: Mapping[str, Any], original: Mapping[str, Any]
    ) -> Iterator[DefinitionProblem]:
        """Rules across this type's fields. `data` holds only the fields that loaded cleanly,
        `original` the raw mapping; check only what is there, other problems are already known."""
        return iter(())

    def is_scored_definition(self, original: Mapping[str, Any]) -> bool:
        """Whether a question with this raw definition is scored (can be failed)."""
        return self.points != "forbidden"

    def build_settings(self, data: Mapping[str, Any]) -> Any:
        """The type's settings object for a loaded question (None when it has none)."""
        return None

    def dump_settings(self, settings: Any, text: TextWriter, number: NumberWriter) -> dict:
        """The settings back as definition fields, for Form.to_dict."""
        return {}

    # -- answers -------------------------------------------------------------------------------

    def is_scored(self, question: Question) -> bool:
        return question.points is not None

    def is_answered(self, question: Question, answer: Answer) -> bool:
        return answer.value is not None

    def validate(self, question: Question, answer: Answer | None) -> list[AnswerProblem]:
        """Every problem of one answer (None when the visit has no answer to the question)."""
        if answer is None or not self.is_answered(question, answer):
            return self.missing(question)
        if self.supports_na and answer.is_na:
            if question.allow_na:
                return []
            message = "This question cannot be answered with n.a."
            return [problem(question.key, "na_not_allowed", message)]
        problems = self.check_value(question, answer)
        if problems:
            return problems
        if question.photo_required and not answer.photo_ids:
            message = "At least one photo is required."
            problems.append(problem(question.key, "photo_required", message))
        if (
            question.comment_required_when_failed
            and not answer.has_comment
            and self.score(question, answer) == ZERO
        ):
            message = "A comment is required when this question is failed."
            problems.append(problem(question.key, "comment_required", message))
        return problems

    def missing(self, question: Question) -> list[AnswerProblem]:
        """Problems of a question left unanswered."""
        if question.required:
            return [problem(question.key, "required", "An answer is required.")]
        return []

    def check_value(self, question: Question, answer: Answer) -> list[AnswerProblem]:
        """Problems of an answered, not n.a. value (type and range)."""
        raise NotImplementedError

    def score(self, question: Question, answer: Answer | None) -> Decimal | None:
        """Points earned by a valid answer, or None when the question does not count
        (unscored type, unanswered, or n.a.). Rounded half-up to 4 decimal places."""
        if not self.is_scored(question) or answer is None:
            return None
        if not self.is_answered(question, answer) or (self.supports_na and answer.is_na):
            return None
        with arithmetic():
            return quantize(self.earned(question, answer.value))

    def earned(self, question: Question, value: Any) -> Decimal:
        """Points earned by a valid, not n.a. value of a scored question (unrounded)."""
        raise NotImplementedError(f"{self.name} questions are not scored")


# -- helpers for the types -----------------------------------------------------------------------


def as_int(value: Any) -> int | None:
    """The value when it is a whole number; None otherwise (a bool is not a number)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def as_number(value: Any) -> Decimal | None:
    """The value as a Decimal when it is an int, float or Decimal; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    try:
        return to_decimal(value)
    except ValueError:
        return None


def invalid_type(question: Question, expected: str) -> AnswerProblem:
    return problem(
        question.key,
        "invalid_type",
        f"The answer must be {expected}.",
        field="value",
        expected=expected,
    )


# -- the registry --------------------------------------------------------------------------------


class DuplicateQuestionTypeError(ValueError):
    """A question type name is registered twice."""


QuestionTypeT = TypeVar("QuestionTypeT", bound=type[QuestionType])


class QuestionTypeRegistry:
    """Question types by name. Refuses a second type with the same name."""

    def __init__(self) -> None:
        self._types: dict[str, QuestionType] = {}

    def register(self, cls: QuestionTypeT) -> QuestionTypeT:
        """Register a QuestionType subclass (usable as a class decorator)."""
        name = getattr(cls, "name", None)
        if not isinstance(name, str) or not name:
            raise ValueError(f"{cls.__name__} has no name")
        if name in self._types:
            existing = type(self._types[name]).__qualname__
            raise DuplicateQuestionTypeError(
                f"question type {name!r} is already registered by {existing}"
            )
        self._types[name] = cls()
        return cls

    def unregister(self, name: str) -> None:
        """Remove a type (for plug-ins and tests); KeyError when it is not registered."""
        del self._types[name]

    def get(self, name: str) -> QuestionType:
        """The type with this name; KeyError when there is none."""
        return self._types[name]

    def __contains__(self, name: object) -> bool:
        return name in self._types

    def names(self) -> tuple[str, ...]:
        """Registered names, in registration order."""
        return tuple(self._types)


#: The registry that definitions are loaded with.
question_types = QuestionTypeRegistry()


def register_question_type(cls: QuestionTypeT) -> QuestionTypeT:
    """Class decorator: add a question type to the registry used for loading forms."""
    return question_types.register(cls)
