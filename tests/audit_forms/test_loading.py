"""Loading definitions: every problem reported at once, each with its path."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from audit_forms import FormDefinitionError, load_form, load_form_data

from .factories import callback_hours, definition, question, section, text

Data = dict[str, Any]
Q = "sections[0].questions[0]"


def base() -> Data:
    """A valid definition with a question of each kind to break."""
    return definition(
        section(
            "arrival",
            question("greeted", points=2),
            question("wait_seconds", "duration", points=4),
            question("knowledge", "scale", points=4),
            question("offer", "choice", points=1),
            callback_hours(),
            question("note", "text", required=False),
            question("photos", "photo", required=False),
        ),
        section("closing", question("thanked")),
    )


def q(data: Data, index: int) -> Data:
    question: Data = data["sections"][0]["questions"][index]
    return question


def bands(data: Data, *items: Data) -> None:
    q(data, 1)["bands"] = list(items)


BROKEN: list[tuple[str, Callable[[Data], Any], list[str]]] = [
    # -- points and weights
    ("points zero", lambda d: q(d, 0).update(points=0), [f"{Q}.points: must be > 0"]),
    ("points negative", lambda d: q(d, 0).update(points=-2), [f"{Q}.points: must be > 0"]),
    ("points boolean", lambda d: q(d, 0).update(points=True), [f"{Q}.points: must be a number"]),
    ("points text", lambda d: q(d, 0).update(points="two"), [f"{Q}.points: must be a number"]),
    (
        "points too precise",
        lambda d: q(d, 0).update(points="0.00001"),
        [f"{Q}.points: must have at most 4 decimal places"],
    ),
    ("points missing", lambda d: q(d, 0).pop("points"), [f"{Q}.points: required"]),
    (
        "points on text",
        lambda d: q(d, 5).update(points=1),
        ["sections[0].questions[5].points: must be left out: text questions are not scored"],
    ),
    (
        "weight zero",
        lambda d: d["sections"][1].update(weight=0),
        ["sections[1].weight: must be > 0"],
    ),
    (
        "weight negative",
        lambda d: d["sections"][0].update(weight=-1),
        ["sections[0].weight: must be > 0"],
    ),
    # -- keys
    (
        "duplicate question key across sections",
        lambda d: d["sections"][1]["questions"][0].update(key="greeted"),
        [
            "sections[1].questions[0].key: duplicate question key 'greeted' "
            "(first used at sections[0].questions[0])"
        ],
    ),
    (
        "duplicate question key in a section",
        lambda d: q(d, 2).update(key="greeted"),
        [
            "sections[0].questions[2].key: duplicate question key 'greeted' "
            "(first used at sections[0].questions[0])"
        ],
    ),
    (
        "duplicate section key",
        lambda d: d["sections"][1].update(key="arrival"),
        ["sections[1].key: duplicate section key 'arrival' (first used at sections[0])"],
    ),
    (
        "question key pattern",
        lambda d: q(d, 0).update(key="Greeted Promptly"),
        [f"{Q}.key: must match [a-z0-9_]+ (for example 'greeted_promptly')"],
    ),
    (
        "form key pattern",
        lambda d: d.update(key="Branch Visit"),
        ["key: must match [a-z0-9-]+ (for example 'branch-visit')"],
    ),
    ("version zero", lambda d: d.update(version=0), ["version: must be >= 1"]),
    ("version text", lambda d: d.update(version="1"), ["version: must be a whole number"]),
    # -- bands
    (
        "bands overlap",
        lambda d: bands(
            d,
            {"from": 0, "to": 120, "share": 1},
            {"from": 100, "to": 300, "share": 0.5},
            {"from": 300, "share": 0},
        ),
        ["sections[0].questions[1].bands[1].from: overlaps the band before, which ends at 120"],
    ),
    (
        "bands gap",
        lambda d: bands(
            d,
            {"from": 0, "to": 120, "share": 1},
            {"from": 130, "to": 300, "share": 0.5},
            {"from": 300, "share": 0},
        ),
        [
            "sections[0].questions[1].bands[1].from: leaves a gap after the band before, "
            "which ends at 120"
        ],
    ),
    (
        "bands do not start at 0",
        lambda d: bands(d, {"from": 10, "to": 120, "share": 1}, {"from": 120, "share": 0}),
        ["sections[0].questions[1].bands[0].from: the first band must start at 0"],
    ),
    (
        "open band not last",
        lambda d: bands(d, {"from": 0, "share": 1}, {"from": 120, "share": 0}),
        ["sections[0].questions[1].bands[0].to: required: only the last band may leave out `to`"],
    ),
    (
        "duration without open last band",
        lambda d: bands(
            d, {"from": 0, "to": 120, "share": 1}, {"from": 120, "to": 600, "share": 0}
        ),
        [
            "sections[0].questions[1].bands[1].to: the last band must leave out `to`: "
            "answers have no upper limit"
        ],
    ),
    (
        "band ends before it starts",
        lambda d: bands(
            d,
            {"from": 0, "to": 120, "share": 1},
            {"from": 120, "to": 120, "share": 0.5},
            {"from": 120, "share": 0},
        ),
        ["sections[0].questions[1].bands[1].to: must be greater than from (120)"],
    ),
    (
        "band share above 1",
        lambda d: bands(d, {"from": 0, "to": 120, "share": 2}, {"from": 120, "share": 0}),
        ["sections[0].questions[1].bands[0].share: must be between 0 and 1"],
    ),
    (
        "no band gives all points",
        lambda d: bands(d, {"from": 0, "to": 120, "share": 0.8}, {"from": 120, "share": 0}),
        [
            "sections[0].questions[1].bands: one band must have share 1, "
            "or no answer could earn all the points"
        ],
    ),
    (
        "band with unknown field",
        lambda d: bands(d, {"from": 0, "upto": 120, "share": 1}),
        ["sections[0].questions[1].bands[0].upto: unknown field"],
    ),
    ("bands missing", lambda d: q(d, 1).pop("bands"), ["sections[0].questions[1].bands: required"]),
    (
        "number bands start below min",
        lambda d: q(d, 4).update(min=1),
        ["sections[0].questions[4].bands[0].from: the first band must start at 1"],
    ),
    (
        "number bands stop before max",
        lambda d: q(d, 4).update(
            bands=[{"from": 0, "to": 24, "share": 1}, {"from": 24, "to": 48, "share": 0}]
        ),
        ["sections[0].questions[4].bands[1].to: the bands stop at 48 but answers go up to 168"],
    ),
    (
        "number bands without points",
        lambda d: q(d, 4).pop("points"),
        ["sections[0].questions[4].points: required when bands are given"],
    ),
    (
        "number points without bands",
        lambda d: q(d, 4).pop("bands"),
        [
            "sections[0].questions[4].bands: required when points are given: "
            "a number is scored through bands"
        ],
    ),
    (
        "number bands without min",
        lambda d: q(d, 4).pop("min"),
        [
            "sections[0].questions[4].min: required when bands are given: "
            "the first band starts at min"
        ],
    ),
    (
        "number min not below max",
        lambda d: q(d, 4).update(min=200),
        ["sections[0].questions[4].max: must be greater than min (200)"],
    ),
    # -- texts and languages
    (
        "text missing a declared language",
        lambda d: q(d, 0).update(label={"en": "Greeted?"}),
        [f"{Q}.label.pl: missing translation"],
    ),
    (
        "text in an undeclared language",
        lambda d: d["sections"][0]["title"].update(de="Ankunft"),
        ["sections[0].title.de: language 'de' is not declared in languages"],
    ),
    (
        "blank text",
        lambda d: q(d, 0)["label"].update(en="  "),
        [f"{Q}.label.en: must not be blank"],
    ),
    (
        "text that YAML read as a boolean",
        lambda d: q(d, 0)["label"].update(pl=False),
        [
            f"{Q}.label.pl: must be text (YAML reads yes/no/on/off/true/false as booleans: "
            "put it in quotes)"
        ],
    ),
    (
        "text not a mapping",
        lambda d: q(d, 0).update(label="Greeted?"),
        [f"{Q}.label: must be a mapping of language to text, e.g. {{en: Greeting, pl: Powitanie}}"],
    ),
    (
        "option label missing a language",
        lambda d: q(d, 3)["options"][0].update(label={"pl": "dobrze"}),
        ["sections[0].questions[3].options[0].label.en: missing translation"],
    ),
    (
        "default language not declared",
        lambda d: d.update(default_language="de"),
        ["default_language: must be one of languages"],
    ),
    (
        "language listed twice",
        lambda d: d.update(languages=["en", "pl", "en"]),
        ["languages[2]: 'en' is listed twice"],
    ),
    ("no languages", lambda d: d.update(languages=[]), ["languages: must not be empty"]),
    (
        "language code",
        lambda d: d.update(languages=["en", "Polish"]),
        ["languages[1]: must be a language code"],
    ),
    ("title missing", lambda d: d.pop("title"), ["title: required"]),
    # -- scale and choice
    (
        "scale min not below max",
        lambda d: q(d, 2).update(min=5, max=5),
        ["sections[0].questions[2].max: must be greater than min (5)"],
    ),
    (
        "scale label outside the scale",
        lambda d: q(d, 2).update(scale_labels={1: text("Poor"), 7: text("Great")}),
        ["sections[0].questions[2].scale_labels.7: must be between min and max (1-5)"],
    ),
    (
        "scale min not whole",
        lambda d: q(d, 2).update(min=1.5),
        ["sections[0].questions[2].min: must be a whole number"],
    ),
    (
        "choice without options",
        lambda d: q(d, 3).update(options=[]),
        ["sections[0].questions[3].options: must not be empty"],
    ),
    (
        "choice options missing",
        lambda d: q(d, 3).pop("options"),
        ["sections[0].questions[3].options: required"],
    ),
    (
        "choice points differ from the best option",
        lambda d: q(d, 3).update(points=3),
        ["sections[0].questions[3].points: must equal the highest option's points (1)"],
    ),
    (
        "choice duplicate option",
        lambda d: q(d, 3)["options"][1].update(key="good"),
        [
            "sections[0].questions[3].options[1].key: duplicate option key 'good' "
            "(first used at options[0])"
        ],
    ),
    (
        "option key na",
        lambda d: q(d, 3)["options"][1].update(key="na"),
        ["sections[0].questions[3].options[1].key: 'na' is reserved for the answer n.a."],
    ),
    (
        "option points negative",
        lambda d: q(d, 3)["options"][1].update(points=-1),
        ["sections[0].questions[3].options[1].points: must be >= 0"],
    ),
    # -- types and flags
    (
        "unknown question type",
        lambda d: q(d, 0).update(type="stars"),
        [
            f"{Q}.type: unknown question type 'stars'; known types: "
            "choice, duration, number, photo, scale, text, yes_no"
        ],
    ),
    (
        "question type missing",
        lambda d: q(d, 0).pop("type"),
        [f"{Q}.type: required: one of choice, duration, number, photo, scale, text, yes_no"],
    ),
    (
        "unknown field in a question",
        lambda d: q(d, 0).update(colour="red"),
        [f"{Q}.colour: unknown field"],
    ),
    (
        "field of another type",
        lambda d: q(d, 0).update(max_photos=3),
        [f"{Q}.max_photos: unknown field"],
    ),
    ("unknown field at the top", lambda d: d.update(author="me"), ["author: unknown field"]),
    (
        "flag not a boolean",
        lambda d: q(d, 0).update(required="yes"),
        [f"{Q}.required: must be true or false"],
    ),
    (
        "critical text question",
        lambda d: q(d, 5).update(critical=True),
        ["sections[0].questions[5].critical: only a scored question can be critical"],
    ),
    (
        "comment on failing an unscored number",
        lambda d: d["sections"][1]["questions"].append(
            question("count", "number", comment_required_when_failed=True)
        ),
        ["sections[1].questions[1].comment_required_when_failed: only a scored question can fail"],
    ),
    (
        "n.a. on a photo question",
        lambda d: q(d, 6).update(allow_na=True),
        ["sections[0].questions[6].allow_na: not possible for photo questions"],
    ),
    (
        "max photos below min photos",
        lambda d: q(d, 6).update(min_photos=3, max_photos=2),
        ["sections[0].questions[6].max_photos: must be >= min_photos (3)"],
    ),
    (
        "text max length zero",
        lambda d: q(d, 5).update(max_length=0),
        ["sections[0].questions[5].max_length: must be >= 1"],
    ),
    # -- shape
    ("no sections", lambda d: d.update(sections=[]), ["sections: must not be empty"]),
    (
        "section without questions",
        lambda d: d["sections"][1].update(questions=[]),
        ["sections[1].questions: must not be empty"],
    ),
    (
        "question not a mapping",
        lambda d: d["sections"][1]["questions"].append("thanked"),
        ["sections[1].questions[1]: must be a mapping"],
    ),
    (
        "section not a mapping",
        lambda d: d["sections"].append(["arrival"]),
        ["sections[2]: must be a mapping"],
    ),
    ("sections not a list", lambda d: d.update(sections={"a": 1}), ["sections: must be a list"]),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(mutate, expected, id=name) for name, mutate, expected in BROKEN],
)
def test_broken_definition(mutate: Callable[[Data], Any], expected: list[str]) -> None:
    data = base()
    mutate(data)
    with pytest.raises(FormDefinitionError) as raised:
        load_form_data(data)
    assert raised.value.problems == expected


def test_the_base_definition_of_the_table_is_valid() -> None:
    form = load_form_data(base())
    assert [q.key for q in form.questions][:2] == ["greeted", "wait_seconds"]


def test_unknown_type_still_reports_the_common_fields() -> None:
    data = base()
    q(data, 0).update(type="stars", points=0, label={"en": "x"})
    with pytest.raises(FormDefinitionError) as raised:
        load_form_data(data)
    assert [problem.split(":")[0] for problem in raised.value.problems] == [
        f"{Q}.label.pl",
        f"{Q}.points",
        f"{Q}.type",
    ]


def test_definition_must_be_a_mapping() -> None:
    with pytest.raises(FormDefinitionError) as raised:
        load_form_data(["key", "version"])  # type: ignore[arg-type]
    assert raised.value.problems == [
        "(form): must be a mapping (key, version, languages, sections, ...)"
    ]


MULTIPLY_BROKEN = """\
key: Branch Visit
version: 0
default_language: en
languages: [en, pl]
title: {en: Branch visit}
sections:
  - key: arrival
    title: {en: Arrival, pl: Przybycie}
    weight: 0
    questions:
      - key: greeted
        type: yes_no
        points: -1
        label: {en: Greeted, pl: Powitanie}
      - key: greeted
        type: stars
        label: {en: Stars, pl: Gwiazdki}
  - key: waiting
    title: {en: Waiting, pl: Czekanie}
    questions:
      - key: wait_seconds
        type: duration
        points: 4
        label: {en: Wait, pl: Czekanie}
        bands:
          - {from: 0, to: 120, share: 1}
          - {from: 100, to: 300, share: 0.5}
      - key: knowledge
        type: scale
        points: 2
        min: 5
        max: 1
        label: {en: Knowledge, pl: Wiedza}
      - key: offer
        type: choice
        points: 5
        label: {en: Offer, pl: Oferta}
        options:
          - {key: clear, points: 3, label: {en: Clear, pl: Jasna}}
        colour: red
"""


def test_every_problem_of_a_multiply_broken_file_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "branch-visit.v1.yaml"
    path.write_text(MULTIPLY_BROKEN, encoding="utf-8")
    with pytest.raises(FormDefinitionError) as raised:
        load_form(path, check_file_name=False)
    assert raised.value.problems == [
        "key: must match [a-z0-9-]+ (for example 'branch-visit')",
        "version: must be >= 1",
        "title.pl: missing translation",
        "sections[0].weight: must be > 0",
        "sections[0].questions[0].points: must be > 0",
        "sections[0].questions[1].type: unknown question type 'stars'; known types: "
        "choice, duration, number, photo, scale, text, yes_no",
        "sections[0].questions[1].key: duplicate question key 'greeted' "
        "(first used at sections[0].questions[0])",
        "sections[1].questions[0].bands[1].from: overlaps the band before, which ends at 120",
        "sections[1].questions[0].bands[1].to: the last band must leave out `to`: "
        "answers have no upper limit",
        "sections[1].questions[1].max: must be greater than min (5)",
        "sections[1].questions[2].colour: unknown field",
        "sections[1].questions[2].points: must equal the highest option's points (3)",
    ]
    message = str(raised.value)
    assert message.startswith(f"invalid form definition in {path}: 12 problems\n")
    for problem in raised.value.problems:
        assert f"\n  {problem}" in message


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def test_load_form_reads_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "test-form.v1.yaml", yaml.safe_dump(definition(), allow_unicode=True))
    form = load_form(path)
    assert (form.key, form.version) == ("test-form", 1)


def test_json_is_yaml_too(tmp_path: Path) -> None:
    path = write(tmp_path, "test-form.v1.json", json.dumps(definition()))
    assert load_form(path).key == "test-form"


def test_file_name_must_match_key_and_version(tmp_path: Path) -> None:
    path = write(tmp_path, "test-form.v2.yaml", yaml.safe_dump(definition()))
    with pytest.raises(FormDefinitionError) as raised:
        load_form(path)
    assert raised.value.problems == [
        "(file): the file name 'test-form.v2.yaml' does not match key and version; "
        "expected 'test-form.v1.yaml'"
    ]
    assert load_form(path, check_file_name=False).version == 1


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "test-form.v1.yaml", "key: test-form\nversion: [1\n")
    with pytest.raises(FormDefinitionError) as raised:
        load_form(path)
    (problem,) = raised.value.problems
    assert problem.startswith("(file): invalid YAML at line 3, column 1: ")


def test_repeated_yaml_keys_are_reported(tmp_path: Path) -> None:
    data = yaml.safe_dump(definition(), sort_keys=False)
    path = write(tmp_path, "test-form.v1.yaml", data + "version: 1\n")
    with pytest.raises(FormDefinitionError) as raised:
        load_form(path)
    last_line = data.count("\n") + 1
    assert raised.value.problems == [f"(file): line {last_line}: key 'version' appears twice"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "(file): empty"),
        (b"# only a comment\n", "(file): empty"),
        (b"key: \xff\xfe\n", "(file): not UTF-8 text"),
        (b"- a\n- b\n", "(form): must be a mapping (key, version, languages, sections, ...)"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "test-form.v1.yaml"
    path.write_bytes(content)
    with pytest.raises(FormDefinitionError) as raised:
        load_form(path)
    assert raised.value.problems == [problem]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FormDefinitionError) as raised:
        load_form(tmp_path / "nothing.v1.yaml")
    assert raised.value.problems == ["(file): cannot read: No such file or directory"]
