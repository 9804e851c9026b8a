"""validate_answers: one structured problem per issue, keyed by question."""

from __future__ import annotations

from typing import Any

import pytest

from audit_forms import PROBLEM_CODES, Answer, AnswerProblem, Form, validate_answers


@pytest.fixture
def complete() -> dict[str, Any]:
    """Valid answers to every required question of the `form` fixture."""
    return {
        "greeted": {"value": "yes"},
        "smiled": {"value": "yes"},
        "courteous": {"value": "yes"},
        "wait_seconds": {"value": 95},
        "knowledge": {"value": 4},
        "offer": {"value": "clear"},
        "clean": {"value": "yes", "photo_ids": ["photo-1"]},
    }


def problems_of(form: Form, answers: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p.question, p.code) for p in validate_answers(form, answers)]


def test_complete_answers_have_no_problems(form: Form, complete: dict[str, Any]) -> None:
    assert validate_answers(form, complete) == []


def test_answer_objects_and_plain_mappings_are_both_accepted(
    form: Form, complete: dict[str, Any]
) -> None:
    as_objects = {
        key: Answer(raw.get("value"), raw.get("comment"), tuple(raw.get("photo_ids", ())))
        for key, raw in complete.items()
    }
    assert validate_answers(form, as_objects) == []


def test_every_missing_required_answer_is_reported(form: Form) -> None:
    assert problems_of(form, {}) == [
        ("greeted", "required"),
        ("smiled", "required"),
        ("courteous", "required"),
        ("wait_seconds", "required"),
        ("knowledge", "required"),
        ("offer", "required"),
        ("clean", "required"),
    ]


def test_null_value_counts_as_unanswered(form: Form, complete: dict[str, Any]) -> None:
    complete["greeted"] = {"value": None, "comment": "forgot"}
    assert problems_of(form, complete) == [("greeted", "required")]


@pytest.mark.parametrize(
    ("key", "answer", "code", "params"),
    [
        # yes_no
        ("greeted", {"value": True}, "invalid_type", {"field": "value"}),
        ("greeted", {"value": "Yes"}, "invalid_choice", {"choices": ["yes", "no"]}),
        ("greeted", {"value": "na"}, "na_not_allowed", {}),
        # scale 1..5: a bool is not an int, a float is not a whole number
        ("knowledge", {"value": True}, "invalid_type", {"expected": "a whole number"}),
        ("knowledge", {"value": 3.0}, "invalid_type", {}),
        ("knowledge", {"value": "3"}, "invalid_type", {}),
        ("knowledge", {"value": 0}, "out_of_range", {"min": 1, "max": 5}),
        ("knowledge", {"value": 6}, "out_of_range", {"min": 1, "max": 5}),
        ("knowledge", {"value": "na"}, "na_not_allowed", {}),
        # duration
        ("wait_seconds", {"value": -1}, "out_of_range", {"min": 0}),
        ("wait_seconds", {"value": 12.5}, "invalid_type", {}),
        ("wait_seconds", {"value": False}, "invalid_type", {}),
        # choice
        (
            "offer",
            {"value": "great"},
            "invalid_choice",
            {"choices": ["clear", "vague", "none", "na"]},
        ),
        ("offer", {"value": 3}, "invalid_type", {}),
        # number 0..168
        ("callback_hours", {"value": 169}, "out_of_range", {"min": 0, "max": 168}),
        ("callback_hours", {"value": -0.5}, "out_of_range", {"min": 0, "max": 168}),
        ("callback_hours", {"value": True}, "invalid_type", {}),
        ("callback_hours", {"value": "12"}, "invalid_type", {}),
        ("callback_hours", {"value": float("nan")}, "invalid_type", {}),
        ("callback_hours", {"value": "na"}, "na_not_allowed", {}),
        ("staff_count", {"value": -1}, "out_of_range", {"min": 0}),
        # text, at most 20 characters
        ("comment", {"value": "x" * 21}, "too_long", {"max_length": 20, "length": 21}),
        ("comment", {"value": 42}, "invalid_type", {}),
        # photo: at most 3, value must stay empty
        ("premises_photos", {"photo_ids": ["a", "b", "c", "d"]}, "too_many_photos", {"max": 3}),
        ("premises_photos", {"value": "a.jpg"}, "invalid_type", {"field": "value"}),
        # photo_required on a yes/no question
        ("clean", {"value": "yes"}, "photo_required", {}),
        # comment required when the question fails
        ("courteous", {"value": "no"}, "comment_required", {}),
        ("courteous", {"value": "no", "comment": "   "}, "comment_required", {}),
        # the shape of the answer itself
        ("greeted", {"value": "yes", "comment": 5}, "invalid_type", {"field": "comment"}),
        ("greeted", {"value": "yes", "photo_ids": "p1"}, "invalid_type", {"field": "photo_ids"}),
        ("greeted", {"value": "yes", "photo_ids": [True]}, "invalid_type", {"field": "photo_ids"}),
        ("greeted", {"value": "yes", "photo_ids": ["p", "p"]}, "duplicate_photo", {}),
        ("greeted", {"value": "yes", "note": "x"}, "unknown_field", {"field": "note"}),
        ("greeted", "yes", "invalid_type", {"field": "answer"}),
    ],
)
def test_one_problem_per_issue(
    form: Form,
    complete: dict[str, Any],
    key: str,
    answer: Any,
    code: str,
    params: dict[str, Any],
) -> None:
    complete[key] = answer
    problems = validate_answers(form, complete)
    assert [(p.question, p.code) for p in problems] == [(key, code)]
    problem = problems[0]
    assert problem.code in PROBLEM_CODES
    assert problem.message.endswith(".")
    assert params.items() <= dict(problem.params).items()


def test_unknown_question_key(form: Form, complete: dict[str, Any]) -> None:
    complete["greetd"] = {"value": "yes"}
    problems = validate_answers(form, complete)
    assert problems == [
        AnswerProblem("greetd", "unknown_question", "There is no question 'greetd' in this form.")
    ]


def test_na_is_fine_where_allowed_and_needs_no_photo_or_comment(
    form: Form, complete: dict[str, Any]
) -> None:
    complete["smiled"] = {"value": "na"}
    complete["offer"] = {"value": "na"}
    assert validate_answers(form, complete) == []


def test_failed_question_with_a_comment_is_fine(form: Form, complete: dict[str, Any]) -> None:
    complete["courteous"] = {"value": "no", "comment": "Ignored my question twice."}
    assert validate_answers(form, complete) == []


def test_optional_questions_may_be_left_out_or_empty(form: Form, complete: dict[str, Any]) -> None:
    complete["comment"] = {"value": "   "}  # blank text is no answer
    complete["premises_photos"] = {"value": None, "photo_ids": []}
    complete["callback_hours"] = {"value": None}
    assert validate_answers(form, complete) == []


def test_text_na_is_just_text(form: Form, complete: dict[str, Any]) -> None:
    complete["comment"] = {"value": "na"}
    assert validate_answers(form, complete) == []


def test_integer_photo_ids_and_decimal_numbers_are_accepted(
    form: Form, complete: dict[str, Any]
) -> None:
    complete["clean"] = {"value": "yes", "photo_ids": [17]}
    complete["callback_hours"] = {"value": 23.5}
    assert validate_answers(form, complete) == []


def test_several_problems_in_one_visit_all_reported(form: Form, complete: dict[str, Any]) -> None:
    complete.update(
        greeted={"value": "perhaps"},
        knowledge={"value": 9},
        clean={"value": "yes"},
        bogus={"value": 1},
    )
    del complete["offer"]
    assert problems_of(form, complete) == [
        ("bogus", "unknown_question"),
        ("greeted", "invalid_choice"),
        ("knowledge", "out_of_range"),
        ("offer", "required"),
        ("clean", "photo_required"),
    ]


def test_problem_to_dict(form: Form, complete: dict[str, Any]) -> None:
    complete["knowledge"] = {"value": 9}
    (problem,) = validate_answers(form, complete)
    assert problem.to_dict() == {
        "question": "knowledge",
        "code": "out_of_range",
        "message": "The answer must be between 1 and 5.",
        "params": {"min": 1, "max": 5},
    }


def test_answers_must_be_a_mapping(form: Form) -> None:
    with pytest.raises(TypeError):
        validate_answers(form, [("greeted", "yes")])  # type: ignore[arg-type]
