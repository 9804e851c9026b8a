"""Pure form model and scoring: no Flask, no SQLAlchemy, no boto3.

form = load_form("audit_forms/definitions/branch-visit.v1.yaml")
problems = validate_answers(form, {"greeted_promptly": {"value": "yes"}, ...})
score = score_visit(form, answers)
display_percent(score.percent)  # "87.5"
"""

from audit_forms.answers import (
    NA,
    PROBLEM_CODES,
    Answer,
    AnswerProblem,
    InvalidAnswersError,
    validate_answers,
)
from audit_forms.check import check_paths, definition_files
from audit_forms.decimals import PLACES
from audit_forms.loading import (
    FormDefinitionError,
    builtin_definition_paths,
    load_builtin_forms,
    load_form,
    load_form_data,
)
from audit_forms.model import Band, Form, Option, Question, Section, Text
from audit_forms.question_types import (
    DuplicateQuestionTypeError,
    QuestionType,
    QuestionTypeRegistry,
    question_types,
    register_question_type,
)
from audit_forms.scoring import (
    NO_PERCENT,
    LostPoints,
    QuestionScore,
    QuestionStatus,
    SectionScore,
    VisitScore,
    display_percent,
    score_visit,
)

__all__ = [
    "NA",
    "NO_PERCENT",
    "PLACES",
    "PROBLEM_CODES",
    "Answer",
    "AnswerProblem",
    "Band",
    "DuplicateQuestionTypeError",
    "Form",
    "FormDefinitionError",
    "InvalidAnswersError",
    "LostPoints",
    "Option",
    "Question",
    "QuestionScore",
    "QuestionStatus",
    "QuestionType",
    "QuestionTypeRegistry",
    "Section",
    "SectionScore",
    "Text",
    "VisitScore",
    "builtin_definition_paths",
    "check_paths",
    "definition_files",
    "display_percent",
    "load_builtin_forms",
    "load_form",
    "load_form_data",
    "question_types",
    "register_question_type",
    "score_visit",
    "validate_answers",
]
