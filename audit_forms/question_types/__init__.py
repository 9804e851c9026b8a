"""Question types: one small class per type, found by name through the registry.

Importing this package registers the built-in types.
"""

from audit_forms.question_types.base import (
    DuplicateQuestionTypeError,
    QuestionType,
    QuestionTypeRegistry,
    question_types,
    register_question_type,
)
from audit_forms.question_types.choice import ChoiceSettings, ChoiceType
from audit_forms.question_types.duration import DurationSettings, DurationType
from audit_forms.question_types.number import NumberSettings, NumberType
from audit_forms.question_types.photo import PhotoSettings, PhotoType
from audit_forms.question_types.scale import ScaleSettings, ScaleType
from audit_forms.question_types.text import TextSettings, TextType
from audit_forms.question_types.yes_no import YesNoType

__all__ = [
    "ChoiceSettings",
    "ChoiceType",
    "DuplicateQuestionTypeError",
    "DurationSettings",
    "DurationType",
    "NumberSettings",
    "NumberType",
    "PhotoSettings",
    "PhotoType",
    "QuestionType",
    "QuestionTypeRegistry",
    "ScaleSettings",
    "ScaleType",
    "TextSettings",
    "TextType",
    "YesNoType",
    "question_types",
    "register_question_type",
]
