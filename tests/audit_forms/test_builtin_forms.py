"""The built-in forms in audit_forms/definitions/: they load, speak six languages, and score."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from audit_forms import (
    Form,
    builtin_definition_paths,
    display_percent,
    load_form,
    score_visit,
    validate_answers,
)

LANGUAGES = ("en", "cs", "hu", "lt", "nb", "pl")
#: Texts that may read the same in English and another language (names, numbers).
SAME_IN_ALL_LANGUAGES = {"0–10", "0-10", "OK"}

D = Decimal


def builtin(key: str) -> Form:
    (path,) = [p for p in builtin_definition_paths() if p.name == f"{key}.v1.yaml"]
    return load_form(path)


def test_both_builtin_forms_are_shipped_and_load() -> None:
    names = [path.name for path in builtin_definition_paths()]
    assert "branch-visit.v1.yaml" in names
    assert "phone-enquiry.v1.yaml" in names
    for path in builtin_definition_paths():
        form = load_form(path)  # also checks the file name against key and version
        assert form.default_language == "en"


def texts(data: Any, path: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    """Every translatable text of a definition (as in Form.to_dict()), with its path."""
    if isinstance(data, dict):
        if data and set(data) <= set(LANGUAGES):
            yield path, data
            return
        for key, value in data.items():
            yield from texts(value, f"{path}.{key}" if path else key)
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from texts(value, f"{path}[{index}]")


@pytest.mark.parametrize("key", ["branch-visit", "phone-enquiry"])
def test_every_text_exists_in_six_languages_and_is_translated(key: str) -> None:
    form = builtin(key)
    assert form.languages == LANGUAGES
    found = list(texts(form.to_dict()))
    assert len(found) > 3 * len(form.questions) // 2  # labels, titles, options, help ...
    untranslated = []
    for path, text in found:
        assert set(text) == set(LANGUAGES), path
        for language in LANGUAGES:
            assert text[language].strip(), f"{path}.{language}"
            if language != "en" and text[language] == text["en"]:
                if text["en"] not in SAME_IN_ALL_LANGUAGES:
                    untranslated.append(f"{path}.{language}: {text['en']!r}")
    assert untranslated == []


def test_branch_visit_has_the_sections_of_the_design() -> None:
    form = builtin("branch-visit")
    assert [s.key for s in form.sections] == [
        "arrival",
        "waiting",
        "needs",
        "knowledge",
        "politeness",
        "closing",
        "premises",
        "overall",
    ]
    assert [q.key for q in form.questions if q.critical] == ["courteous_throughout"]
    assert form.question("wait_seconds").type == "duration"
    assert form.question("premises_clean_tidy").photo_required
    recommend = form.question("recommend_likelihood")
    assert (recommend.settings.min, recommend.settings.max) == (0, 10)


def test_a_realistic_branch_visit_validates_and_scores() -> None:
    form = builtin("branch-visit")
    answers = {
        # arrival (weight 1): 2 + 2 + 0 + 1 of 6, name n.a. -> 83.3333 %
        "acknowledged_within_30s": {"value": "yes"},
        "greeted_friendly": {"value": "yes"},
        "eye_contact_smile": {"value": "no"},
        "name_badge_or_intro": {"value": "yes"},
        "used_customer_name": {"value": "na"},
        # waiting (weight 1): 185 s -> half of 4 = 2, + 2 + 0 of 8 -> 50 %
        "wait_seconds": {"value": 185},
        "wait_acknowledged": {"value": "yes"},
        "staff_attentive_while_waiting": {
            "value": "no",
            "comment": "Two clerks discussed their weekend while the queue grew.",
        },
        # needs (weight 1.5): 2 + 2 + 0 + 2 of 7 -> 85.7143 %
        "asked_open_questions": {"value": "yes"},
        "listened_without_interrupting": {"value": "yes"},
        "checked_understanding": {"value": "no"},
        "not_scripted": {"value": "yes"},
        # knowledge (weight 2): scale 4 on 1..5 -> 3 of 4, + 2 + n.a. + 2 of 8 -> 87.5 %
        "answers_accurate": {"value": 4},
        "plain_language": {"value": "yes"},
        "found_answer_themselves": {"value": "na"},
        "suitable_solution": {"value": "yes"},
        # politeness (weight 2): 4 + 3 + 3 + n.a. + 2 of 12 -> 100 %
        "courteous_throughout": {"value": "yes"},
        "no_pressure_selling": {"value": "yes"},
        "honest_price_availability": {"value": "yes"},
        "promises_kept": {"value": "na"},
        "patient_with_questions": {"value": "yes"},
        # closing (weight 1): "polite" 2 of 3, + 2 + 0 of 7 -> 57.1429 %
        "conversation_ending": {"value": "polite"},
        "thanked_and_goodbye": {"value": "yes"},
        "invited_back_or_further_help": {"value": "no"},
        # premises (weight 1): 2 + 2 + 0 of 5 -> 80 %; photos are unscored
        "premises_clean_tidy": {"value": "yes", "photo_ids": ["5b0c-entrance"]},
        "prices_info_displayed": {"value": "yes"},
        "opening_hours_displayed": {"value": "no"},
        "premises_photos": {"photo_ids": ["5b0c-counter", "5b0c-leaflets"]},
        # overall (weight 1): 8 on 0..10 -> 2.4 of 3 -> 80 %
        "recommend_likelihood": {"value": 8},
        "overall_comment": {"value": "Friendly, but the queue was slow. Łódź Piotrkowska."},
    }
    assert validate_answers(form, answers) == []
    score = score_visit(form, answers)
    assert [s.percent for s in score.sections] == [
        D("83.3333"),
        D(50),
        D("85.7143"),
        D("87.5"),
        D(100),
        D("57.1429"),
        D(80),
        D(80),
    ]
    # (83.3333 + 50 + 1.5 x 85.7143 + 2 x 87.5 + 2 x 100 + 57.1429 + 80 + 80) / 10.5
    # = 854.04765 / 10.5 = 81.337871... -> 81.3379
    assert score.percent == D("81.3379")
    assert display_percent(score.percent) == "81.3"
    assert (score.earned, score.possible) == (D("44.4"), D(56))
    assert [(p.question, p.lost) for p in score.points_lost[:3]] == [
        ("wait_seconds", D(2)),
        ("staff_attentive_while_waiting", D(2)),
        ("invited_back_or_further_help", D(2)),
    ]
    assert score.points_lost[-1].question == "recommend_likelihood"
    assert score.critical_failures == ()


def test_a_realistic_phone_enquiry_validates_and_scores() -> None:
    form = builtin("phone-enquiry")
    answers = {
        # answering (weight 1): 4 rings -> half of 3 = 1.5, + 2 + 0, hold n.a.: 3.5 of 7 -> 50 %
        "rings_until_answered": {"value": 4},
        "named_company": {"value": "yes"},
        "gave_own_name": {"value": "no"},
        "hold_transfer_handled": {"value": "na"},
        # knowledge (weight 2): 2 + 4 + 2 + 3 of 11 -> 100 %
        "asked_about_enquiry": {"value": "yes"},
        "phone_answers_accurate": {"value": 5},
        "explained_plainly": {"value": "yes"},
        "resolved_or_arranged": {"value": "yes"},
        # politeness (weight 2): 4 + 2 + 3 of 9 -> 100 %
        "courteous_on_phone": {"value": "yes"},
        "listened_patiently": {"value": "yes"},
        "honest_about_price": {"value": "yes"},
        # call-back (weight 1): 3 + (30 h -> half of 2 = 1) of 5 -> 80 %
        "callback_kept": {"value": "yes"},
        "callback_hours": {"value": 30},
        # closing (weight 1): 0 + 2 of 4 -> 50 %
        "summarised_next_steps": {"value": "no"},
        "thanked_for_calling": {"value": "yes"},
        "call_comment": {"value": "Answered by Ingrid in Tromsø Storgata."},
    }
    assert validate_answers(form, answers) == []
    score = score_visit(form, answers)
    assert [s.percent for s in score.sections] == [D(50), D(100), D(100), D(80), D(50)]
    # (50 + 2 x 100 + 2 x 100 + 80 + 50) / 7 = 580 / 7 = 82.857142... -> 82.8571
    assert score.percent == D("82.8571")
    assert display_percent(score.percent) == "82.9"


def test_a_rude_phone_call_scores_zero() -> None:
    form = builtin("phone-enquiry")
    answers: dict[str, Any] = {
        key: {"value": "yes"}
        for key in (
            "named_company",
            "gave_own_name",
            "hold_transfer_handled",
            "asked_about_enquiry",
            "explained_plainly",
            "resolved_or_arranged",
            "listened_patiently",
            "honest_about_price",
            "callback_kept",
            "summarised_next_steps",
            "thanked_for_calling",
        )
    }
    answers.update(
        rings_until_answered={"value": 1},
        phone_answers_accurate={"value": 5},
        courteous_on_phone={"value": "no", "comment": "Hung up on me mid-sentence."},
    )
    score = score_visit(form, answers)
    assert score.percent == D(0)
    assert score.critical_failures == ("courteous_on_phone",)
