"""docs/forms.md: its example form loads and its worked example adds up."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from audit_forms import Form, display_percent, load_form_data, score_visit
from audit_forms.loading import parse_yaml

DOC = Path(__file__).resolve().parents[2] / "docs" / "forms.md"

D = Decimal


@pytest.fixture(scope="module")
def example() -> Form:
    (block,) = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    data, problems = parse_yaml(block)
    assert problems == []
    return load_form_data(data)


ANSWERS = {
    "greeted": {"value": "yes"},
    "used_name": {"value": "na"},
    "wait_seconds": {"value": 150},
    "answers_accurate": {"value": 4},
    "offer_clarity": {"value": "vague"},
    "courteous": {"value": "yes"},
    "clean": {"value": "no", "photo_ids": ["p1"]},
    "staff_at_counter": {"value": 2},
    "premises_photos": {"photo_ids": ["p2", "p3"]},
    "overall_comment": {"value": "Friendly, but the shelves were dusty."},
}


def test_the_example_uses_every_type(example: Form) -> None:
    assert {q.type for q in example.questions} == {
        "yes_no",
        "scale",
        "choice",
        "duration",
        "number",
        "text",
        "photo",
    }


def test_the_worked_example(example: Form) -> None:
    score = score_visit(example, ANSWERS)
    assert [s.percent for s in score.sections] == [D(100), D(50), D("72.7273"), D(0)]
    assert score.percent == D("59.0909")
    assert display_percent(score.percent) == "59.1"
    assert (score.earned, score.possible) == (D(12), D(19))
    assert [(p.question, p.lost) for p in score.points_lost] == [
        ("wait_seconds", D(2)),
        ("offer_clarity", D(2)),
        ("clean", D(2)),
        ("answers_accurate", D(1)),
    ]


def test_the_worked_example_with_a_critical_failure(example: Form) -> None:
    answers = {**ANSWERS, "courteous": {"value": "no", "comment": "Rolled her eyes."}}
    score = score_visit(example, answers)
    assert score.percent == D(0)
    assert score.critical_failures == ("courteous",)
    assert score.section("advice").percent == D("36.3636")
