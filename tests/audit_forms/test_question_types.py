"""Question types: the registry, and each type's validate and score on its own."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from audit_forms import (
    Answer,
    DuplicateQuestionTypeError,
    Form,
    FormDefinitionError,
    Question,
    QuestionType,
    QuestionTypeRegistry,
    load_form_data,
    question_types,
    register_question_type,
    score_visit,
    validate_answers,
)
from audit_forms.answers import AnswerProblem, problem
from audit_forms.fields import IntegerField
from audit_forms.question_types import YesNoType

from .factories import definition, question, section

D = Decimal


def test_builtin_types_are_registered() -> None:
    assert set(question_types.names()) == {
        "yes_no",
        "scale",
        "choice",
        "duration",
        "number",
        "text",
        "photo",
    }


def test_registry_refuses_a_duplicate_name() -> None:
    class OtherYesNo(QuestionType):
        name = "yes_no"

    with pytest.raises(DuplicateQuestionTypeError, match="'yes_no' is already registered"):
        register_question_type(OtherYesNo)
    assert type(question_types.get("yes_no")) is YesNoType


def test_a_fresh_registry_refuses_duplicates_too() -> None:
    registry = QuestionTypeRegistry()
    registry.register(YesNoType)
    with pytest.raises(DuplicateQuestionTypeError):
        registry.register(YesNoType)
    registry.unregister("yes_no")
    assert "yes_no" not in registry
    registry.register(YesNoType)
    assert registry.names() == ("yes_no",)


def test_a_type_needs_a_name() -> None:
    class Nameless(QuestionType):
        pass

    with pytest.raises(ValueError, match="has no name"):
        QuestionTypeRegistry().register(Nameless)


class StarsType(QuestionType):
    """1 to `stars` stars; each star earns an equal share. Only exists in these tests."""

    name = "stars"
    definition_fields = {"stars": IntegerField(required=True)}

    def check_definition(self, data: Any, original: Any) -> Iterator[Any]:
        if data.get("stars", 2) < 2:
            yield ("stars",), "must be at least 2"

    def build_settings(self, data: Any) -> int:
        return int(data["stars"])

    def dump_settings(self, settings: int, text: Any, number: Any) -> dict[str, Any]:
        return {"stars": settings}

    def check_value(self, question: Question, answer: Answer) -> list[AnswerProblem]:
        if answer.value not in range(1, question.settings + 1):
            return [problem(question.key, "out_of_range", "Out of range.", min=1)]
        return []

    def earned(self, question: Question, value: Any) -> Decimal:
        assert question.points is not None
        return question.points * value / question.settings


@pytest.fixture
def stars() -> Iterator[None]:
    register_question_type(StarsType)
    yield
    question_types.unregister("stars")


@pytest.mark.usefixtures("stars")
def test_adding_a_type_is_adding_one_class() -> None:
    form = load_form_data(
        definition(section("main", question("rating", "stars", points=3, stars=4)))
    )
    assert form.question("rating").to_dict(dict, str)["stars"] == 4
    assert validate_answers(form, {"rating": {"value": 5}})[0].code == "out_of_range"
    assert score_visit(form, {"rating": {"value": 3}}).percent == D(75)
    broken = definition(section("main", question("rating", "stars", points=3, stars=1, max=3)))
    with pytest.raises(FormDefinitionError) as raised:
        load_form_data(broken)
    assert raised.value.problems == [
        "sections[0].questions[0].max: unknown field",
        "sections[0].questions[0].stars: must be at least 2",
    ]


def q(form: Form, key: str) -> Question:
    return form.question(key)


def score_of(form: Form, key: str, value: Any = None, **answer: Any) -> Decimal | None:
    question = q(form, key)
    return question.kind.score(question, Answer(value, **answer))


def test_yes_no(form: Form) -> None:
    assert score_of(form, "greeted", "yes") == D(2)
    assert score_of(form, "greeted", "no") == D(0)
    assert score_of(form, "smiled", "na") is None
    assert score_of(form, "greeted") is None  # unanswered


@pytest.mark.parametrize(
    ("value", "earned"),
    [(1, "0"), (2, "1"), (3, "2"), (4, "3"), (5, "4")],
)
def test_scale_is_linear(form: Form, value: int, earned: str) -> None:
    # 4 points on 1..5: (value - 1) / 4 of 4 points
    assert score_of(form, "knowledge", value) == D(earned)


def test_scale_with_an_odd_share_rounds_half_up() -> None:
    form = load_form_data(
        definition(section("main", question("recommend", "scale", points=3, min=0, max=10)))
    )
    # 3 x 7/10 = 2.1 exactly; 3 x 1/10 = 0.3
    assert score_of(form, "recommend", 7) == D("2.1")
    assert score_of(form, "recommend", 1) == D("0.3")
    form = load_form_data(
        definition(section("main", question("q", "scale", points=1, min=0, max=6)))
    )
    # 1 x 1/6 = 0.1666... -> 0.1667; 1 x 5/6 = 0.8333... -> 0.8333
    assert score_of(form, "q", 1) == D("0.1667")
    assert score_of(form, "q", 5) == D("0.8333")


def test_choice(form: Form) -> None:
    assert [score_of(form, "offer", key) for key in ("clear", "vague", "none")] == [
        D(3),
        D(1),
        D(0),
    ]
    assert score_of(form, "offer", "na") is None


@pytest.mark.parametrize(
    ("hours", "earned"),
    [(0, "2"), (24, "2"), (24.01, "1"), (48, "1"), (48.5, "0"), (168, "0")],
)
def test_number_bands(form: Form, hours: float, earned: str) -> None:
    assert score_of(form, "callback_hours", hours) == D(earned)


def test_number_with_negative_range() -> None:
    form = load_form_data(
        definition(
            section(
                "main",
                question(
                    "temperature_offset",
                    "number",
                    min=-5,
                    max=5,
                    points=1,
                    bands=[{"from": -5, "to": -2, "share": 0}, {"from": -2, "share": 1}],
                ),
            )
        )
    )
    assert score_of(form, "temperature_offset", -5) == D(0)
    assert score_of(form, "temperature_offset", -2) == D(0)
    assert score_of(form, "temperature_offset", -1.5) == D(1)


def test_unscored_types_never_score(form: Form) -> None:
    assert score_of(form, "staff_count", 4) is None
    assert score_of(form, "comment", "Fine.") is None
    assert score_of(form, "premises_photos", photo_ids=("a",)) is None


@pytest.mark.parametrize(
    ("answer", "codes"),
    [
        (Answer(photo_ids=("a",)), []),
        (Answer(photo_ids=("a", "b", "c")), []),
        (Answer(photo_ids=("a", "b", "c", "d")), ["too_many_photos"]),
        (Answer(), []),  # optional
    ],
)
def test_photo_counts(form: Form, answer: Answer, codes: list[str]) -> None:
    question = q(form, "premises_photos")
    assert [p.code for p in question.kind.validate(question, answer)] == codes


def test_photo_minimum_and_required() -> None:
    form = load_form_data(
        definition(
            section(
                "main",
                question("shelves", "photo", min_photos=2),
                question("extra", "photo", required=False, photo_required=True),
            )
        )
    )
    shelves, extra = q(form, "shelves"), q(form, "extra")
    assert [p.code for p in shelves.kind.validate(shelves, None)] == ["required"]
    too_few = shelves.kind.validate(shelves, Answer(photo_ids=("a",)))
    assert [(p.code, dict(p.params)) for p in too_few] == [
        ("too_few_photos", {"min": 2, "count": 1})
    ]
    assert [p.code for p in extra.kind.validate(extra, Answer())] == ["photo_required"]
