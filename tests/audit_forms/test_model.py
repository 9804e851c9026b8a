"""The form model: lookups, to_dict with and without a language, the fingerprint."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from audit_forms import Form, load_form, load_form_data

from .factories import definition, question, section


def test_lookups(form: Form) -> None:
    assert [s.key for s in form.sections] == ["arrival", "service", "premises"]
    assert form.question("knowledge").settings.max == 5
    assert form.section("service").weight == Decimal(1)
    assert [s.key for s, q in form.iter_questions() if q.key == "clean"] == ["premises"]
    assert form.question("greeted").scored
    assert not form.question("staff_count").scored  # a number without bands
    assert form.question("callback_hours").scored


def test_defaults_are_filled_in() -> None:
    form = load_form_data(
        definition(section("main", {"key": "q", "type": "text", "label": {"en": "Q", "pl": "P"}}))
    )
    q = form.question("q")
    assert (q.required, q.critical, q.allow_na, q.points, q.help) == (
        True,
        False,
        False,
        None,
        None,
    )
    data = definition()
    del data["sections"][0]["weight"]
    assert load_form_data(data).sections[0].weight == Decimal(1)


def test_to_dict_loads_back_into_an_equal_form(form: Form) -> None:
    data = form.to_dict()
    again = load_form_data(json.loads(json.dumps(data)))  # through JSON, as a database would
    assert again == form
    assert again.fingerprint == form.fingerprint


def test_to_dict_keeps_numbers_as_json_numbers() -> None:
    form = load_form_data(definition(section("main", question("q", points="2.5")), version=3))
    data = form.to_dict()
    assert data["version"] == 3
    assert data["sections"][0]["weight"] == 1
    assert data["sections"][0]["questions"][0]["points"] == 2.5


def test_to_dict_with_language_collapses_every_text(form: Form) -> None:
    data = form.to_dict("pl")
    assert data["language"] == "pl"
    assert data["title"] == "[pl] Test form"
    offer = data["sections"][1]["questions"][2]
    assert offer["label"] == "[pl] offer"
    assert [o["label"] for o in offer["options"]] == ["Jasna", "Mglista", "Brak"]
    assert not any(isinstance(value, dict) and "en" in value for value in walk(data))


def walk(data: object) -> Iterator[object]:
    yield data
    values = data.values() if isinstance(data, dict) else data if isinstance(data, list) else []
    for value in values:
        yield from walk(value)


def test_to_dict_language_falls_back_to_the_default(form: Form) -> None:
    assert form.to_dict("pl-PL")["language"] == "pl"
    assert form.to_dict("PL")["language"] == "pl"
    fallback = form.to_dict("de")
    assert fallback["language"] == "en"
    assert fallback["title"] == "Test form"
    assert form.text(form.title, "de") == "Test form"


def test_scale_labels_survive_json() -> None:
    labels = {1: {"en": "Poor", "pl": "Słabo"}, 5: {"en": "Great", "pl": "Świetnie"}}
    form = load_form_data(definition(section("main", question("q", "scale", scale_labels=labels))))
    data = json.loads(json.dumps(form.to_dict()))
    assert data["sections"][0]["questions"][0]["scale_labels"]["5"]["pl"] == "Świetnie"
    assert load_form_data(data).question("q").settings.labels[5]["pl"] == "Świetnie"
    assert form.to_dict("pl")["sections"][0]["questions"][0]["scale_labels"] == {
        "1": "Słabo",
        "5": "Świetnie",
    }


def test_fingerprint_ignores_formatting_comments_and_spelled_out_defaults(tmp_path: Path) -> None:
    data = definition()
    compact = tmp_path / "a" / "test-form.v1.yaml"
    compact.parent.mkdir()
    compact.write_text(yaml.safe_dump(data), encoding="utf-8")
    data["sections"][0]["questions"][0].update(required=True, critical=False, points=1.0)
    verbose = tmp_path / "b" / "test-form.v1.yaml"
    verbose.parent.mkdir()
    verbose.write_text(
        "# the same form, written differently\n"
        + yaml.safe_dump(data, sort_keys=False, default_flow_style=False, indent=4),
        encoding="utf-8",
    )
    assert load_form(compact).fingerprint == load_form(verbose).fingerprint


def test_fingerprint_changes_with_any_change_of_meaning_or_wording() -> None:
    original = load_form_data(definition()).fingerprint
    assert len(original) == 64
    reworded = definition()
    reworded["sections"][0]["questions"][0]["label"]["pl"] = "Czy przywitano?"
    more_points = definition()
    more_points["sections"][0]["questions"][0]["points"] = 2
    now_critical = definition()
    now_critical["sections"][0]["questions"][0]["critical"] = True
    fingerprints = {
        load_form_data(changed).fingerprint for changed in (reworded, more_points, now_critical)
    }
    assert original not in fingerprints
    assert len(fingerprints) == 3


def test_fingerprint_is_a_fixed_function_of_the_definition() -> None:
    # Pinned: a change here means every stored fingerprint changes too. Only change it on purpose.
    form = load_form_data(definition())
    canonical = json.dumps(
        {
            "default_language": "en",
            "key": "test-form",
            "languages": ["en", "pl"],
            "sections": [
                {
                    "key": "main",
                    "questions": [
                        {
                            "allow_na": False,
                            "comment_required_when_failed": False,
                            "critical": False,
                            "key": "greeted",
                            "label": {"en": "greeted", "pl": "[pl] greeted"},
                            "photo_required": False,
                            "points": "1",
                            "required": True,
                            "type": "yes_no",
                        }
                    ],
                    "title": {"en": "main", "pl": "[pl] main"},
                    "weight": "1",
                }
            ],
            "title": {"en": "Test form", "pl": "[pl] Test form"},
            "version": 1,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    assert form.fingerprint == hashlib.sha256(canonical.encode()).hexdigest()


def test_forms_are_immutable(form: Form) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        form.version = 2  # type: ignore[misc]
