"""Scoring a visit: pure, deterministic, Decimal only.

Rules (docs/forms.md explains them with a worked example):

- A question counts when it is scored and answered, and the answer is not n.a. Its points earned
  are rounded half-up to 4 decimal places.
- Section: earned / possible over the questions that count, as a percent.
- Visit: the weighted mean of the section percents, over sections with any question that counts.
- A critical question that earns 0 points sets the visit to 0 %.
- Every amount of points and every percent in the result has exactly 4 decimal places (PLACES),
  rounded half-up; display_percent shows one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from audit_forms.answers import Answer, InvalidAnswersError, coerce_answers, validate_answers
from audit_forms.decimals import ARITHMETIC, HUNDRED, ZERO, arithmetic, quantize
from audit_forms.model import Form, Question

#: What display_percent shows when there is no percent (nothing in the visit applied).
NO_PERCENT = "–"

_ONE_PLACE = Decimal("0.1")


class QuestionStatus(StrEnum):
    PASSED = "passed"  # earned all its points
    PARTIAL = "partial"  # earned some of its points
    FAILED = "failed"  # earned none of its points
    NA = "na"  # answered "not applicable": out of the maximum
    UNANSWERED = "unanswered"  # optional and left unanswered: out of the maximum, like n.a.
    UNSCORED = "unscored"  # text, photo, number without bands


@dataclass(frozen=True)
class QuestionScore:
    """One question's part in the score. earned/possible are None when it does not count."""

    key: str
    section: str
    status: QuestionStatus
    earned: Decimal | None
    possible: Decimal | None
    lost: Decimal
    critical: bool

    @property
    def counts(self) -> bool:
        return self.possible is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "section": self.section,
            "status": str(self.status),
            "earned": _str(self.earned),
            "possible": _str(self.possible),
            "lost": str(self.lost),
            "critical": self.critical,
        }


@dataclass(frozen=True)
class SectionScore:
    """One section: points over the questions that count; percent None when none counts."""

    key: str
    weight: Decimal
    earned: Decimal
    possible: Decimal
    percent: Decimal | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "weight": str(self.weight),
            "earned": str(self.earned),
            "possible": str(self.possible),
            "percent": _str(self.percent),
        }


@dataclass(frozen=True)
class LostPoints:
    """Points a question lost, for "where did the points go" lists."""

    question: str
    section: str
    lost: Decimal
    critical: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "section": self.section,
            "lost": str(self.lost),
            "critical": self.critical,
        }


@dataclass(frozen=True)
class VisitScore:
    """The score of one visit, explaining itself.

    `earned` and `possible` add up all sections unweighted; `percent` is the weighted mean of
    the section percents (so it equals earned/possible only when all weights are equal), 0 when
    a critical question failed, None when no question counted.
    """

    form_key: str
    form_version: int
    earned: Decimal
    possible: Decimal
    percent: Decimal | None
    sections: tuple[SectionScore, ...]
    questions: tuple[QuestionScore, ...]
    #: Keys of the critical questions that failed, in form order.
    critical_failures: tuple[str, ...]
    #: Questions that lost points, most points lost first (ties in form order).
    points_lost: tuple[LostPoints, ...]

    def section(self, key: str) -> SectionScore:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def question(self, key: str) -> QuestionScore:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, every Decimal as its exact string ("87.5000")."""
        return {
            "form_key": self.form_key,
            "form_version": self.form_version,
            "earned": str(self.earned),
            "possible": str(self.possible),
            "percent": _str(self.percent),
            "sections": [section.to_dict() for section in self.sections],
            "questions": [question.to_dict() for question in self.questions],
            "critical_failures": list(self.critical_failures),
            "points_lost": [entry.to_dict() for entry in self.points_lost],
        }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def percent_of(earned: Decimal, possible: Decimal) -> Decimal:
    """earned / possible as a percent, rounded half-up to 4 places."""
    with arithmetic():
        return quantize(earned * HUNDRED / possible)


def score_question(question: Question, section: str, answer: Answer | None) -> QuestionScore:
    """The score of one validated answer (None when the visit has none)."""
    kind = question.kind
    earned = kind.score(question, answer)
    if earned is None:
        if not question.scored:
            status = QuestionStatus.UNSCORED
        elif answer is not None and kind.is_answered(question, answer):
            status = QuestionStatus.NA
        else:
            status = QuestionStatus.UNANSWERED
        lost = quantize(ZERO)
        return QuestionScore(question.key, section, status, None, None, lost, question.critical)
    assert question.points is not None
    possible = quantize(question.points)
    if earned == ZERO:
        status = QuestionStatus.FAILED
    elif earned == possible:
        status = QuestionStatus.PASSED
    else:
        status = QuestionStatus.PARTIAL
    lost = quantize(possible - earned)
    return QuestionScore(question.key, section, status, earned, possible, lost, question.critical)


def score_visit(form: Form, answers: Mapping[str, object]) -> VisitScore:
    """Score a visit's answers (Answer objects or plain {value, comment, photo_ids} mappings).

    Raises InvalidAnswersError when validate_answers finds any problem: a score is only ever
    computed from answers that could be stored.
    """
    problems = validate_answers(form, answers)
    if problems:
        raise InvalidAnswersError(problems)
    coerced, _ = coerce_answers(form, answers)

    question_scores: list[QuestionScore] = []
    section_scores: list[SectionScore] = []
    with arithmetic():
        for section in form.sections:
            scores = [score_question(q, section.key, coerced.get(q.key)) for q in section.questions]
            counted = [score for score in scores if score.counts]
            earned = quantize(sum((score.earned or ZERO for score in counted), ZERO))
            possible = quantize(sum((score.possible or ZERO for score in counted), ZERO))
            percent = percent_of(earned, possible) if counted else None
            section_scores.append(
                SectionScore(section.key, section.weight, earned, possible, percent)
            )
            question_scores.extend(scores)

        critical_failures = tuple(
            score.key
            for score in question_scores
            if score.critical and score.status is QuestionStatus.FAILED
        )
        weighted = [s for s in section_scores if s.percent is not None]
        percent: Decimal | None = None
        if critical_failures:
            percent = quantize(ZERO)
        elif weighted:
            total_weight = sum((s.weight for s in weighted), ZERO)
            weighted_sum = sum((s.weight * (s.percent or ZERO) for s in weighted), ZERO)
            percent = quantize(weighted_sum / total_weight)

        position = {score.key: index for index, score in enumerate(question_scores)}
        points_lost = tuple(
            LostPoints(score.key, score.section, score.lost, score.critical)
            for score in sorted(
                (score for score in question_scores if score.lost > ZERO),
                key=lambda score: (-score.lost, position[score.key]),
            )
        )
        return VisitScore(
            form_key=form.key,
            form_version=form.version,
            earned=quantize(sum((s.earned for s in section_scores), ZERO)),
            possible=quantize(sum((s.possible for s in section_scores), ZERO)),
            percent=percent,
            sections=tuple(section_scores),
            questions=tuple(question_scores),
            critical_failures=critical_failures,
            points_lost=points_lost,
        )


def display_percent(value: Decimal | None) -> str:
    """A percent for people: rounded half-up to one decimal place ("87.5", "100.0").

    None (nothing in the visit applied) is shown as an en dash, NO_PERCENT.
    """
    if value is None:
        return NO_PERCENT
    return f"{value.quantize(_ONE_PLACE, rounding=ROUND_HALF_UP, context=ARITHMETIC):f}"
