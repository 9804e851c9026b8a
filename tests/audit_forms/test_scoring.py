"""Scoring rules, each with a worked example computed by hand in the test."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit_forms import (
    Answer,
    Form,
    InvalidAnswersError,
    QuestionStatus,
    display_percent,
    score_visit,
)

from .factories import callback_hours, make_form, question, section

D = Decimal


def answers_for(**values: object) -> dict[str, Answer]:
    return {
        key: value if isinstance(value, Answer) else Answer(value) for key, value in values.items()
    }


@pytest.fixture
def two_sections() -> Form:
    """Weights 2 and 1: yes/no questions, then a stopwatch and a 1..5 scale."""
    return make_form(
        section(
            "arrival",
            question("greeted", points=2),
            question("smiled", allow_na=True),
            question("badge"),
            weight=2,
        ),
        section(
            "service",
            question("wait_seconds", "duration", points=4),
            question("knowledge", "scale", points=4),
            weight=1,
        ),
    )


def test_weighted_mean_with_na_duration_and_scale_midpoint(two_sections: Form) -> None:
    score = score_visit(
        two_sections,
        answers_for(greeted="yes", smiled="na", badge="no", wait_seconds=121, knowledge=3),
    )
    # arrival: greeted 2 of 2, smiled n.a. (out of the maximum), badge 0 of 1 -> 2 / 3
    arrival = score.section("arrival")
    assert (arrival.earned, arrival.possible) == (D(2), D(3))
    assert arrival.percent == D("66.6667")  # 66.666... rounded half-up to 4 places
    # service: 121 s is past 120 s -> half of 4 = 2; scale 3 on 1..5 -> (3-1)/(5-1) of 4 = 2
    service = score.section("service")
    assert score.question("wait_seconds").earned == D(2)
    assert score.question("knowledge").earned == D(2)
    assert (service.earned, service.possible, service.percent) == (D(4), D(8), D(50))
    # visit: (2 x 66.6667 + 1 x 50) / 3 = 183.3334 / 3 = 61.11113... -> 61.1111
    assert score.percent == D("61.1111")
    assert display_percent(score.percent) == "61.1"
    # unweighted totals: 2 + 4 earned of 3 + 8 possible
    assert (score.earned, score.possible) == (D(6), D(11))


def test_duration_at_exactly_120_seconds_earns_all_points(two_sections: Form) -> None:
    score = score_visit(
        two_sections,
        answers_for(greeted="yes", smiled="yes", badge="yes", wait_seconds=120, knowledge=5),
    )
    assert score.question("wait_seconds").status is QuestionStatus.PASSED
    assert score.percent == D(100)
    assert display_percent(score.percent) == "100.0"


@pytest.mark.parametrize(
    ("seconds", "earned", "status"),
    [
        (0, "4", "passed"),
        (120, "4", "passed"),
        (121, "2", "partial"),
        (300, "2", "partial"),
        (301, "0", "failed"),
        (7200, "0", "failed"),
    ],
)
def test_duration_bands(two_sections: Form, seconds: int, earned: str, status: str) -> None:
    score = score_visit(
        two_sections,
        answers_for(greeted="yes", smiled="yes", badge="yes", wait_seconds=seconds, knowledge=5),
    )
    wait = score.question("wait_seconds")
    assert (wait.earned, wait.possible, wait.status) == (D(earned), D(4), status)
    assert wait.lost == D(4) - D(earned)


def test_worked_example_on_every_type(form: Form) -> None:
    score = score_visit(
        form,
        {
            "greeted": {"value": "yes"},
            "smiled": {"value": "na"},
            "courteous": {"value": "yes"},
            "wait_seconds": {"value": 121},
            "knowledge": {"value": 4},
            "offer": {"value": "vague"},
            # callback_hours: optional, unanswered -> out of the maximum
            "clean": {"value": "no", "photo_ids": ["p1"]},
            "staff_count": {"value": 3},
            "premises_photos": {"photo_ids": ["p2", "p3"]},
            "comment": {"value": "Dusty shelves."},
        },
    )
    # arrival (weight 2): 2 + 4 of 2 + 4 (smiled n.a.) = 100 %
    assert score.section("arrival").percent == D(100)
    # service (weight 1): wait 121 s -> 2 of 4; scale 4 on 1..5 -> 3/4 of 4 = 3; "vague" 1 of 3
    # = 6 of 11 = 54.5454... -> 54.5455
    service = score.section("service")
    assert (service.earned, service.possible, service.percent) == (D(6), D(11), D("54.5455"))
    # premises (weight 1): clean "no" 0 of 1; the number, photo and text are unscored
    assert score.section("premises").percent == D(0)
    # visit: (2 x 100 + 54.5455 + 0) / 4 = 63.636375 -> 63.6364 (half up)
    assert score.percent == D("63.6364")
    assert display_percent(score.percent) == "63.6"
    assert (score.earned, score.possible) == (D(12), D(18))
    assert [(q.key, str(q.status)) for q in score.questions] == [
        ("greeted", "passed"),
        ("smiled", "na"),
        ("courteous", "passed"),
        ("wait_seconds", "partial"),
        ("knowledge", "partial"),
        ("offer", "partial"),
        ("callback_hours", "unanswered"),
        ("clean", "failed"),
        ("staff_count", "unscored"),
        ("premises_photos", "unscored"),
        ("comment", "unscored"),
    ]
    # most points lost first; wait_seconds and offer both lost 2: form order breaks the tie
    assert [(p.question, p.section, p.lost) for p in score.points_lost] == [
        ("wait_seconds", "service", D(2)),
        ("offer", "service", D(2)),
        ("knowledge", "service", D(1)),
        ("clean", "premises", D(1)),
    ]
    assert score.critical_failures == ()


def test_failed_critical_question_sets_the_visit_to_zero(form: Form) -> None:
    score = score_visit(
        form,
        {
            "greeted": {"value": "yes"},
            "smiled": {"value": "yes"},
            "courteous": {"value": "no", "comment": "Rolled eyes, called me a bother."},
            "wait_seconds": {"value": 10},
            "knowledge": {"value": 5},
            "offer": {"value": "clear"},
            "clean": {"value": "yes", "photo_ids": ["p1"]},
        },
    )
    assert score.percent == D(0)
    assert display_percent(score.percent) == "0.0"
    assert score.critical_failures == ("courteous",)
    # sections keep their own scores, so the scorecard can show them: 3 of 7 in arrival
    assert score.section("arrival").percent == D("42.8571")
    assert score.section("service").percent == D(100)
    first = score.points_lost[0]
    assert (first.question, first.lost, first.critical) == ("courteous", D(4), True)


def test_critical_question_answered_na_is_not_a_failure() -> None:
    form = make_form(
        section("main", question("rude", critical=True, allow_na=True), question("greeted"))
    )
    score = score_visit(form, answers_for(rude="na", greeted="yes"))
    assert score.critical_failures == ()
    assert score.percent == D(100)


def test_partial_score_on_a_critical_question_is_not_a_failure() -> None:
    form = make_form(section("main", question("politeness", "scale", points=4, critical=True)))
    score = score_visit(form, answers_for(politeness=2))
    # 1/4 of 4 points: partial, not failed (only 0 points fails)
    assert score.critical_failures == ()
    assert score.percent == D(25)


def test_nothing_applies_gives_no_percent() -> None:
    form = make_form(
        section("main", question("a", allow_na=True), question("note", "text", required=False))
    )
    score = score_visit(form, answers_for(a="na", note="Closed for renovation."))
    assert score.percent is None
    assert score.section("main").percent is None
    assert (score.earned, score.possible) == (D(0), D(0))
    assert display_percent(score.percent) == "–"


def test_section_without_applicable_question_drops_out_of_the_mean() -> None:
    form = make_form(
        section("a", question("x", allow_na=True), weight=3),
        section("b", question("y"), question("z"), weight=1),
    )
    score = score_visit(form, answers_for(x="na", y="yes", z="no"))
    assert score.section("a").percent is None
    # only section b counts: 1 of 2 = 50 %, its weight does not matter alone
    assert score.percent == D(50)


def test_unanswered_optional_question_is_left_out_of_the_maximum() -> None:
    form = make_form(section("main", question("a", points=3), question("b", required=False)))
    score = score_visit(form, answers_for(a="yes"))
    assert score.question("b").status is QuestionStatus.UNANSWERED
    assert (score.question("b").earned, score.question("b").possible) == (None, None)
    assert score.percent == D(100)


def test_earned_points_are_rounded_to_four_places_before_the_percent() -> None:
    # 2 points on a 1..4 scale, answer 2: 2 x 1/3 = 0.66666... -> 0.6667 points,
    # then 0.6667 x 100 / 2 = 33.335 % (not 33.3333: the stored points are what count)
    form = make_form(section("main", question("q", "scale", points=2, min=1, max=4)))
    score = score_visit(form, answers_for(q=2))
    assert score.question("q").earned == D("0.6667")
    assert score.question("q").lost == D("1.3333")
    assert score.percent == D("33.3350")


def test_points_given_as_strings_and_floats_are_exact() -> None:
    form = make_form(
        section(
            "main",
            question("a", points="0.1"),
            question("b", points=0.2),
            question("c", points=2.7),
        )
    )
    score = score_visit(form, answers_for(a="yes", b="yes", c="no"))
    # 0.1 + 0.2 = 0.3 exactly (it would not be with floats); 0.3 of 3 = 10 %
    assert score.earned == D("0.3")
    assert score.possible == D("3.0")
    assert score.percent == D(10)


def test_choice_option_points() -> None:
    form = make_form(
        section(
            "main",
            question(
                "ending",
                "choice",
                points=3,
                options=[
                    {"key": "summarised", "points": 3, "label": {"en": "S", "pl": "P"}},
                    {"key": "polite", "points": 2, "label": {"en": "P", "pl": "U"}},
                    {"key": "abrupt", "points": 0, "label": {"en": "A", "pl": "N"}},
                ],
            ),
        )
    )
    assert score_visit(form, answers_for(ending="polite")).percent == D("66.6667")
    assert score_visit(form, answers_for(ending="abrupt")).question("ending").status == "failed"


def test_number_with_bands_is_scored_and_without_is_not() -> None:
    form = make_form(
        section(
            "main",
            callback_hours(),
            question("staff_count", "number", min=0),
        )
    )
    score = score_visit(form, answers_for(callback_hours=24.5, staff_count=4))
    assert score.question("callback_hours").earned == D(1)  # 24.5 h is in (24, 48]: half of 2
    assert score.question("staff_count").status is QuestionStatus.UNSCORED
    assert score.percent == D(50)


def test_invalid_answers_are_refused(two_sections: Form) -> None:
    with pytest.raises(InvalidAnswersError) as raised:
        score_visit(two_sections, answers_for(greeted="maybe"))
    codes = {(p.question, p.code) for p in raised.value.problems}
    assert ("greeted", "invalid_choice") in codes
    assert ("badge", "required") in codes
    assert "greeted: invalid_choice" in str(raised.value)


def test_score_to_dict_is_json_ready_and_exact(two_sections: Form) -> None:
    score = score_visit(
        two_sections,
        answers_for(greeted="yes", smiled="na", badge="no", wait_seconds=121, knowledge=3),
    )
    data = score.to_dict()
    assert data["percent"] == "61.1111"
    assert data["sections"][0] == {
        "key": "arrival",
        "weight": "2",
        "earned": "2.0000",
        "possible": "3.0000",
        "percent": "66.6667",
    }
    assert data["questions"][1]["status"] == "na"
    assert data["questions"][1]["earned"] is None
    assert data["points_lost"][0] == {
        "question": "wait_seconds",
        "section": "service",
        "lost": "2.0000",
        "critical": False,
    }


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (D("87.45"), "87.5"),  # half up, not to even
        (D("87.4499"), "87.4"),
        (D("87.5000"), "87.5"),
        (D("0"), "0.0"),
        (D("100.0000"), "100.0"),
        (D("99.95"), "100.0"),
        (None, "–"),
    ],
)
def test_display_percent(value: Decimal | None, shown: str) -> None:
    assert display_percent(value) == shown
