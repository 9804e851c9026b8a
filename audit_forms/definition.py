"""Marshmallow schemas of a form definition, and the path-style list of its problems.

The schemas report every problem at once: field problems from marshmallow, rules across fields
(bands, option points, ...) from the question types, and rules across the whole form (unique
keys, the default language) from FormSchema. flatten_errors turns marshmallow's nested error
dict into lines such as "sections[2].questions[4].points: must be > 0".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from functools import cache
from typing import Any

from marshmallow import (
    EXCLUDE,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)
from marshmallow.exceptions import SCHEMA

from audit_forms.fields import (
    BooleanField,
    IntegerField,
    LanguagesContext,
    ListField,
    NumberField,
    StrictSchema,
    StringField,
    TextField,
    at_least,
    greater_than,
    key_field,
    non_empty,
)
from audit_forms.model import Form, Question, Section
from audit_forms.question_types import QuestionType, question_types

FORM_KEY = "[a-z0-9-]+"
KEY = "[a-z0-9_]+"
LANGUAGE = "[a-z]{2,3}(-[A-Za-z0-9]+)*"
_LANGUAGE = re.compile(rf"\A{LANGUAGE}\Z")

#: Where problems of the definition as a whole are reported.
ROOT = "(form)"

Errors = dict[Any, Any]


def _insert(errors: Errors, path: tuple[str | int, ...], message: str) -> None:
    """Put a message into marshmallow's nested error shape at a path."""
    node = errors
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node.setdefault(path[-1], []).append(message)


class QuestionSchema(StrictSchema):
    """Fields every question has; each type adds its own (see schema_for)."""

    kind: QuestionType | None = None

    key = key_field(KEY, "greeted_promptly")
    type = StringField(required=True)
    label = TextField(required=True)
    help = TextField()
    points = NumberField(validate=greater_than(0))
    required = BooleanField(load_default=True)
    critical = BooleanField(load_default=False)
    allow_na = BooleanField(load_default=False)
    comment_required_when_failed = BooleanField(load_default=False)
    photo_required = BooleanField(load_default=False)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_rules(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        kind = self.kind
        if kind is None or not isinstance(original, Mapping):
            return
        errors: Errors = {}
        if kind.points == "required" and "points" not in original:
            _insert(errors, ("points",), "required")
        if kind.points == "forbidden" and "points" in original:
            _insert(errors, ("points",), f"must be left out: {kind.name} questions are not scored")
        if not kind.supports_na and data.get("allow_na"):
            _insert(errors, ("allow_na",), f"not possible for {kind.name} questions")
        if not kind.is_scored_definition(original):
            if data.get("critical"):
                _insert(errors, ("critical",), "only a scored question can be critical")
            if data.get("comment_required_when_failed"):
                _insert(
                    errors,
                    ("comment_required_when_failed",),
                    "only a scored question can fail",
                )
        for path, message in kind.check_definition(data, original):
            _insert(errors, path, message)
        if errors:
            raise ValidationError(errors)

    @post_load
    def _make_question(self, data: dict[str, Any], **kwargs: Any) -> Question:
        kind = self.kind
        assert kind is not None
        return Question(
            key=data["key"],
            type=kind.name,
            label=data["label"],
            kind=kind,
            settings=kind.build_settings(data),
            points=data.get("points"),
            help=data.get("help"),
            required=data["required"],
            critical=data["critical"],
            allow_na=data["allow_na"],
            comment_required_when_failed=data["comment_required_when_failed"],
            photo_required=data["photo_required"],
        )


@cache
def schema_for(kind: QuestionType) -> type[QuestionSchema]:
    """The schema of one question type: the common fields plus the type's own."""
    attributes: dict[str, Any] = {**kind.definition_fields, "kind": kind}
    return type(f"{type(kind).__name__}QuestionSchema", (QuestionSchema,), attributes)


class QuestionField(fields.Field):
    """A question, loaded with the schema of its `type`."""

    default_error_messages = {
        "required": "required",
        "null": "must have a value",
        "invalid": "must be a mapping",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Question:
        if not isinstance(value, Mapping):
            raise self.make_error("invalid")
        type_name = value.get("type")
        if isinstance(type_name, str) and type_name in question_types:
            try:
                return schema_for(question_types.get(type_name))().load(value)
            except ValidationError as error:
                raise ValidationError(error.messages) from None
        # Unknown type: still check the fields every question has, then say what is known.
        errors: Errors = dict(QuestionSchema(unknown=EXCLUDE).validate(value))
        errors.pop("type", None)
        known = ", ".join(sorted(question_types.names()))
        if type_name is None:
            message = f"required: one of {known}"
        else:
            message = f"unknown question type {type_name!r}; known types: {known}"
        errors["type"] = [message]
        raise ValidationError(errors)


class SectionSchema(StrictSchema):
    key = key_field(KEY, "arrival")
    title = TextField(required=True)
    # An analyst may leave weights out when every section counts the same.
    weight = NumberField(load_default=Decimal(1), validate=greater_than(0))
    questions = ListField(QuestionField(), required=True, validate=non_empty())

    @post_load
    def _make_section(self, data: dict[str, Any], **kwargs: Any) -> Section:
        return Section(
            key=data["key"],
            title=data["title"],
            weight=data["weight"],
            questions=tuple(data["questions"]),
        )


class FormSchema(StrictSchema):
    key = key_field(FORM_KEY, "branch-visit")
    version = IntegerField(required=True, validate=at_least(1))
    default_language = StringField(required=True)
    languages = ListField(
        StringField(validate=validate.Regexp(_LANGUAGE, error="must be a language code")),
        required=True,
        validate=non_empty(),
    )
    title = TextField(required=True)
    description = TextField()
    sections = ListField(fields.Nested(SectionSchema), required=True, validate=non_empty())

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _check_form(self, data: dict[str, Any], original: Any, **kwargs: Any) -> None:
        errors: Errors = {}
        languages = declared_languages(original)
        if languages is not None:
            seen: set[str] = set()
            for index, language in enumerate(languages):
                if language in seen:
                    _insert(errors, ("languages", index), f"{language!r} is listed twice")
                seen.add(language)
            default = original.get("default_language")
            if isinstance(default, str) and default not in languages:
                _insert(errors, ("default_language",), "must be one of languages")
        _check_unique_keys(original, errors)
        if errors:
            raise ValidationError(errors)

    @post_load
    def _make_form(self, data: dict[str, Any], **kwargs: Any) -> Form:
        return Form(
            key=data["key"],
            version=data["version"],
            default_language=data["default_language"],
            languages=tuple(data["languages"]),
            title=data["title"],
            description=data.get("description"),
            sections=tuple(data["sections"]),
        )


def declared_languages(original: Any) -> tuple[str, ...] | None:
    """The raw `languages` when it is a list of language codes, else None (its problems are
    reported by the field itself, and texts are then checked for shape only)."""
    if not isinstance(original, Mapping):
        return None
    languages = original.get("languages")
    if not isinstance(languages, list) or not languages:
        return None
    if not all(isinstance(language, str) and _LANGUAGE.match(language) for language in languages):
        return None
    return tuple(languages)


def _check_unique_keys(original: Any, errors: Errors) -> None:
    """Section keys unique in the form, question keys unique across the whole form.

    Walks the raw data, so it also works when other parts of the definition are broken.
    """
    sections = original.get("sections") if isinstance(original, Mapping) else None
    if not isinstance(sections, list):
        return
    section_at: dict[str, str] = {}
    question_at: dict[str, str] = {}
    for s_index, section in enumerate(sections):
        if not isinstance(section, Mapping):
            continue
        key = section.get("key")
        if isinstance(key, str):
            if key in section_at:
                message = f"duplicate section key {key!r} (first used at {section_at[key]})"
                _insert(errors, ("sections", s_index, "key"), message)
            else:
                section_at[key] = f"sections[{s_index}]"
        questions = section.get("questions")
        if not isinstance(questions, list):
            continue
        for q_index, question in enumerate(questions):
            if not isinstance(question, Mapping) or not isinstance(question.get("key"), str):
                continue
            key = question["key"]
            if key in question_at:
                message = f"duplicate question key {key!r} (first used at {question_at[key]})"
                _insert(errors, ("sections", s_index, "questions", q_index, "key"), message)
            else:
                question_at[key] = f"sections[{s_index}].questions[{q_index}]"


def _order(key: Any) -> tuple[int, int]:
    # The object's own problems first, list items by index, fields in the order reported.
    if key == SCHEMA:
        return (0, 0)
    if isinstance(key, int):
        return (1, key)
    return (2, 0)


def flatten_errors(messages: Any, path: str = "") -> list[str]:
    """marshmallow's nested error messages as "path: message" lines."""
    if isinstance(messages, Mapping):
        lines: list[str] = []
        for key in sorted(messages, key=_order):
            if key == SCHEMA:
                child = path
            elif isinstance(key, int):
                child = f"{path}[{key}]"
            else:
                child = f"{path}.{key}" if path else str(key)
            lines.extend(flatten_errors(messages[key], child))
        return lines
    if isinstance(messages, list | tuple):
        return [line for message in messages for line in flatten_errors(message, path)]
    return [f"{path or ROOT}: {messages}"]


def load_definition(data: Any) -> tuple[Form | None, list[str]]:
    """Load a definition mapping: (form, []) or (None, every problem as "path: message")."""
    if not isinstance(data, Mapping):
        return None, [f"{ROOT}: must be a mapping (key, version, languages, sections, ...)"]
    with LanguagesContext(declared_languages(data)):
        try:
            form = FormSchema().load(data)
        except ValidationError as error:
            return None, flatten_errors(error.messages)
    return form, []
