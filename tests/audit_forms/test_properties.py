"""Properties of scoring that must hold for any valid set of answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from audit_forms import NA, Answer, Form, Question, score_visit, validate_answers

from .factories import make_form, question, section

D = Decimal

#: Every scored question allows n.a., so that any of them can be turned into n.a.
FORM: Form = make_form(
    section(
        "arrival",
        question("greeted", points=2, allow_na=True),
        question("courteous", points=4, critical=True, allow_na=True),
        question("badge", allow_na=True, required=False),
        weight=2,
    ),
    section(
        "service",
        question("wait_seconds", "duration", points=4, allow_na=True),
        question("knowledge", "scale", points=3, min=0, max=10, allow_na=True),
        question(
            "offer",
            "choice",
            points="2.5",
            allow_na=True,
            options=[
                {"key": "clear", "points": "2.5", "label": {"en": "Clear", "pl": "Jasna"}},
                {"key": "vague", "points": 1, "label": {"en": "Vague", "pl": "Mglista"}},
                {"key": "none", "points": 0, "label": {"en": "None", "pl": "Brak"}},
            ],
        ),
        weight="1.5",
    ),
    section(
        "follow_up",
        question(
            "callback_hours",
            "number",
            min=0,
            max=168,
            points=2,
            allow_na=True,
            comment_required_when_failed=True,
            bands=[
                {"from": 0, "to": 24, "share": 1},
                {"from": 24, "to": 48, "share": "0.3333"},
                {"from": 48, "share": 0},
            ],
        ),
        question("clean", allow_na=True, photo_required=True),
        question("note", "text", required=False),
        question("photos", "photo", required=False, max_photos=3),
        weight=1,
    ),
)
SCORED = [q for q in FORM.questions if q.scored]


def values(q: Question) -> st.SearchStrategy[Any]:
    """Valid, not n.a. values of a scored question."""
    if q.type == "yes_no":
        return st.sampled_from(["yes", "no"])
    if q.type == "scale":
        return st.integers(q.settings.min, q.settings.max)
    if q.type == "choice":
        return st.sampled_from([o.key for o in q.settings.options])
    if q.type == "duration":
        return st.integers(0, 1000)
    if q.type == "number":
        return st.decimals(q.settings.min, q.settings.max, places=2)
    raise AssertionError(q.type)


def answer(q: Question, value: Any) -> Answer:
    # Always a comment and a photo, so that every value is valid whatever it scores.
    return Answer(value, comment="Seen.", photo_ids=(f"{q.key}-photo",))


@st.composite
def visits(draw: st.DrawFn) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    for q in SCORED:
        if not q.required and draw(st.booleans()):
            continue
        value = draw(st.one_of(values(q), st.just(NA)))
        answers[q.key] = answer(q, value)
    if draw(st.booleans()):
        answers["note"] = Answer(draw(st.text(min_size=1, max_size=30)))
    if draw(st.booleans()):
        ids = draw(st.lists(st.uuids().map(str), min_size=1, max_size=3, unique=True))
        answers["photos"] = Answer(photo_ids=tuple(ids))
    assert validate_answers(FORM, answers) == []
    return answers


PROPERTY = settings(max_examples=60, deadline=None)


@PROPERTY
@given(visits())
def test_percents_lie_between_0_and_100(answers: dict[str, Answer]) -> None:
    score = score_visit(FORM, answers)
    percents = [score.percent, *(s.percent for s in score.sections)]
    for percent in percents:
        assert percent is None or D(0) <= percent <= D(100)
        assert percent is None or percent.as_tuple().exponent == -4
    for q in score.questions:
        if q.possible is not None:
            assert q.earned is not None and D(0) <= q.earned <= q.possible
            assert q.earned + q.lost == q.possible


@PROPERTY
@given(visits(), st.sampled_from(SCORED))
def test_na_changes_no_other_section(answers: dict[str, Answer], q: Question) -> None:
    before = score_visit(FORM, answers)
    after = score_visit(FORM, {**answers, q.key: answer(q, NA)})
    own = next(s.key for s, candidate in FORM.iter_questions() if candidate is q)
    for old, new in zip(before.sections, after.sections, strict=True):
        if old.key != own:
            assert old == new


@PROPERTY
@given(visits(), st.data())
def test_a_better_answer_never_lowers_the_score(answers: dict[str, Answer], data: Any) -> None:
    q = data.draw(st.sampled_from(SCORED))
    first, second = data.draw(values(q)), data.draw(values(q))
    worse, better = sorted(
        (first, second), key=lambda value: q.kind.score(q, answer(q, value)) or D(0)
    )
    low = score_visit(FORM, {**answers, q.key: answer(q, worse)})
    high = score_visit(FORM, {**answers, q.key: answer(q, better)})
    assert low.percent is not None and high.percent is not None
    assert high.percent >= low.percent
    assert high.earned >= low.earned


@PROPERTY
@given(visits(), st.integers(0, 999), st.integers(1, 10))
def test_a_longer_wait_never_scores_more(answers: dict[str, Answer], wait: int, extra: int) -> None:
    short = score_visit(FORM, {**answers, "wait_seconds": Answer(wait)})
    long = score_visit(FORM, {**answers, "wait_seconds": Answer(wait + extra)})
    assert long.section("service").earned <= short.section("service").earned


@PROPERTY
@given(visits())
def test_a_failed_critical_question_always_gives_zero(answers: dict[str, Answer]) -> None:
    score = score_visit(FORM, {**answers, "courteous": answer(FORM.question("courteous"), "no")})
    assert score.percent == D(0)
    assert score.critical_failures == ("courteous",)
    assert score.points_lost[0].question == "courteous"


@PROPERTY
@given(visits(), st.randoms(use_true_random=False))
def test_deterministic_and_independent_of_answer_order(
    answers: dict[str, Answer], random: Any
) -> None:
    keys = list(answers)
    random.shuffle(keys)
    shuffled = {key: answers[key] for key in keys}
    as_dicts = {
        key: {"value": a.value, "comment": a.comment, "photo_ids": list(a.photo_ids)}
        for key, a in shuffled.items()
    }
    score = score_visit(FORM, answers)
    assert score_visit(FORM, shuffled) == score
    assert score_visit(FORM, as_dicts).to_dict() == score.to_dict()
