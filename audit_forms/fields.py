"""Marshmallow fields and base schema for form definitions.

Strict on purpose: a definition is written by a person, so `true` is not a number, 2.5 is not a
whole number and "yes" is not a boolean. Messages are short and lower-case because they follow
a path: "sections[2].questions[4].points: must be > 0".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from marshmallow.experimental.context import Context

from audit_forms.decimals import decimal_places, to_decimal

#: The languages the form being loaded declares; texts are checked against them.
LanguagesContext = Context[tuple[str, ...] | None]

_BASE_MESSAGES = {
    "required": "required",
    "null": "must have a value",
    "validator_failed": "invalid value",
}

#: YAML 1.1 (PyYAML) reads yes/no/on/off as booleans; say so when a boolean shows up as text.
_YAML_BOOLEAN_HINT = " (YAML reads yes/no/on/off/true/false as booleans: put it in quotes)"


class StrictSchema(Schema):
    """Base schema: unknown fields are errors, messages in the definition style."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "unknown field", "type": "must be a mapping"}


class BooleanField(fields.Field):
    default_error_messages = {**_BASE_MESSAGES, "invalid": "must be true or false"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class IntegerField(fields.Field):
    default_error_messages = {**_BASE_MESSAGES, "invalid": "must be a whole number"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        return value


class NumberField(fields.Field):
    """A number given as int, float or string, loaded as an exact Decimal.

    At most `places` decimal places (4), so that points and percents stay exact in storage.
    """

    default_error_messages = {
        **_BASE_MESSAGES,
        "invalid": "must be a number",
        "places": "must have at most {places} decimal places",
    }

    def __init__(self, *, places: int = 4, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.places = places

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        try:
            number = to_decimal(value)
        except ValueError:
            raise self.make_error("invalid") from None
        if decimal_places(number) > self.places:
            raise self.make_error("places", places=self.places)
        return number


class StringField(fields.Field):
    default_error_messages = {
        **_BASE_MESSAGES,
        "invalid": "must be a string",
        "blank": "must not be blank",
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool):
            raise ValidationError("must be a string" + _YAML_BOOLEAN_HINT)
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if not value.strip():
            raise self.make_error("blank")
        return value


def key_field(pattern: str, example: str, *, also: validate.Validator | None = None) -> StringField:
    """A required key such as a question key, checked against a pattern like [a-z0-9_]+."""
    error = f"must match {pattern} (for example {example!r})"
    validators: list[validate.Validator] = [
        validate.Regexp(re.compile(rf"\A{pattern}\Z"), error=error)
    ]
    if also is not None:
        validators.append(also)
    return StringField(required=True, validate=validators)


class ListField(fields.List):
    default_error_messages = {**_BASE_MESSAGES, "invalid": "must be a list"}


def non_empty() -> validate.Length:
    return validate.Length(min=1, error="must not be empty")


def greater_than(limit: int) -> validate.Range:
    return validate.Range(min=limit, min_inclusive=False, error=f"must be > {limit}")


def at_least(limit: int) -> validate.Range:
    return validate.Range(min=limit, error=f"must be >= {limit}")


def _text_problem(value: Any) -> str | None:
    if isinstance(value, bool):
        return "must be text" + _YAML_BOOLEAN_HINT
    if not isinstance(value, str):
        return "must be text"
    if not value.strip():
        return "must not be blank"
    return None


class TextField(fields.Field):
    """A translatable text: a mapping language -> non-blank string.

    Checked against the languages the form declares (LanguagesContext): every declared language
    must be present and no other. Loaded as a plain dict in the declared languages' order.
    """

    default_error_messages = {
        **_BASE_MESSAGES,
        # Doubled braces: marshmallow formats messages with str.format.
        "invalid": "must be a mapping of language to text, e.g. {{en: Greeting, pl: Powitanie}}",
    }

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise self.make_error("invalid")
        declared = LanguagesContext.get(None)
        errors: dict[str, list[str]] = {}
        for language, text in value.items():
            if not isinstance(language, str):
                message = "a language code must be text"
                if isinstance(language, bool):
                    message += _YAML_BOOLEAN_HINT
                errors.setdefault(str(language), []).append(message)
                continue
            if declared is not None and language not in declared:
                errors.setdefault(language, []).append(
                    f"language {language!r} is not declared in languages"
                )
            text_problem = _text_problem(text)
            if text_problem:
                errors.setdefault(language, []).append(text_problem)
        if declared is not None:
            for language in declared:
                if language not in value:
                    errors.setdefault(language, []).append("missing translation")
        elif not value:
            raise ValidationError("must not be empty")
        if errors:
            raise ValidationError(errors)
        order = {language: index for index, language in enumerate(declared or ())}
        return {
            language: value[language]
            for language in sorted(value, key=lambda lang: order.get(lang, len(order)))
        }
