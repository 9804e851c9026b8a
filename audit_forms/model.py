"""The form model: a loaded, validated definition as frozen dataclasses.

Build forms with load_form / load_form_data (audit_forms.loading), never by hand: the loader is
what guarantees the invariants the scoring code relies on (points > 0, contiguous bands, ...).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from audit_forms.decimals import canonical, to_json_number

if TYPE_CHECKING:
    from audit_forms.question_types.base import QuestionType

#: A translatable text: language code -> text, e.g. {"en": "Greeting", "pl": "Powitanie"}.
Text = Mapping[str, str]

#: How to_dict writes a text (a mapping, or one language) and a number (JSON number or string).
TextWriter = Callable[[Text], Any]
NumberWriter = Callable[[Decimal], Any]


@dataclass(frozen=True)
class Band:
    """A range of answers that earns `share` of the question's points.

    A value v is in the band when lower < v <= upper; the first band of a list also includes
    its lower bound. `upper` is None for an open-ended last band.
    """

    lower: Decimal
    upper: Decimal | None
    share: Decimal

    def to_dict(self, number: NumberWriter) -> dict[str, Any]:
        data: dict[str, Any] = {"from": number(self.lower)}
        if self.upper is not None:
            data["to"] = number(self.upper)
        data["share"] = number(self.share)
        return data


def find_band(bands: Sequence[Band], value: Decimal) -> Band | None:
    """The band a value falls in, or None when it lies outside all of them."""
    for index, band in enumerate(bands):
        above = value >= band.lower if index == 0 else value > band.lower
        if above and (band.upper is None or value <= band.upper):
            return band
    return None


@dataclass(frozen=True)
class Option:
    """One answer of a choice question and the points it earns."""

    key: str
    points: Decimal
    label: Text


@dataclass(frozen=True)
class Question:
    """A question of a form. `type` is the type's name, `kind` its behaviour (validate, score).

    `settings` holds what the type adds to a question (a scale's min and max, a choice's
    options, bands, ...) as the type's own frozen dataclass.
    """

    key: str
    type: str
    label: Text
    kind: QuestionType = field(repr=False, compare=False)
    settings: Any = None
    points: Decimal | None = None
    help: Text | None = None
    required: bool = True
    critical: bool = False
    allow_na: bool = False
    comment_required_when_failed: bool = False
    photo_required: bool = False

    @property
    def scored(self) -> bool:
        """Whether an answer to this question can earn points."""
        return self.kind.is_scored(self)

    def to_dict(self, text: TextWriter, number: NumberWriter) -> dict[str, Any]:
        data: dict[str, Any] = {"key": self.key, "type": self.type}
        if self.points is not None:
            data["points"] = number(self.points)
        data["label"] = text(self.label)
        if self.help is not None:
            data["help"] = text(self.help)
        data.update(
            required=self.required,
            critical=self.critical,
            allow_na=self.allow_na,
            comment_required_when_failed=self.comment_required_when_failed,
            photo_required=self.photo_required,
        )
        data.update(self.kind.dump_settings(self.settings, text, number))
        return data


@dataclass(frozen=True)
class Section:
    key: str
    title: Text
    weight: Decimal
    questions: tuple[Question, ...]

    def to_dict(self, text: TextWriter, number: NumberWriter) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": text(self.title),
            "weight": number(self.weight),
            "questions": [question.to_dict(text, number) for question in self.questions],
        }


@dataclass(frozen=True)
class Form:
    """One version of a checklist. Immutable: a changed definition is a new version."""

    key: str
    version: int
    default_language: str
    languages: tuple[str, ...]
    title: Text
    sections: tuple[Section, ...]
    description: Text | None = None

    @property
    def questions(self) -> tuple[Question, ...]:
        """Every question, in form order."""
        return tuple(q for section in self.sections for q in section.questions)

    def iter_questions(self) -> Iterator[tuple[Section, Question]]:
        """(section, question) pairs in form order."""
        for section in self.sections:
            for question in section.questions:
                yield section, question

    def question(self, key: str) -> Question:
        """The question with this key; KeyError when there is none."""
        return self._questions_by_key[key]

    def section(self, key: str) -> Section:
        """The section with this key; KeyError when there is none."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    @cached_property
    def _questions_by_key(self) -> dict[str, Question]:
        return {question.key: question for question in self.questions}

    def resolve_language(self, lang: str | None) -> str:
        """The declared language to show for a requested one ("pl-PL" -> "pl"), else the default."""
        if lang:
            wanted = lang.strip().replace("_", "-").lower()
            lowered = {code.lower(): code for code in self.languages}
            if wanted in lowered:
                return lowered[wanted]
            primary = wanted.split("-", 1)[0]
            if primary in lowered:
                return lowered[primary]
        return self.default_language

    def text(self, text: Text, lang: str | None = None) -> str:
        """One text in a language, falling back to the form's default language."""
        language = self.resolve_language(lang)
        return text.get(language) or text[self.default_language]

    def to_dict(self, lang: str | None = None) -> dict[str, Any]:
        """The whole definition as JSON-able data, with every default filled in.

        Without `lang` every text is a mapping language -> text and the result loads back with
        load_form_data into an equal form. With `lang` every text is a single string in that
        language (or the default language), for showing the form to a person; the result then
        also names the chosen `language`.
        """
        if lang is None:
            data = self._definition(dict, to_json_number)
        else:
            language = self.resolve_language(lang)

            def one(text: Text) -> str:
                return text.get(language) or text[self.default_language]

            data = self._definition(one, to_json_number)
            data["language"] = language
        return data

    @cached_property
    def fingerprint(self) -> str:
        """sha256 (hex) of a canonical JSON of the definition.

        Canonical: defaults filled in, keys sorted, numbers spelled one way ("2" for 2.0), no
        whitespace, UTF-8. The same definition gives the same fingerprint however the file is
        formatted or commented; any change of meaning or wording gives another one.
        """
        data = self._definition(lambda text: dict(text), canonical)
        payload = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def _definition(self, text: TextWriter, number: NumberWriter) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "version": self.version,
            "default_language": self.default_language,
            "languages": list(self.languages),
            "title": text(self.title),
        }
        if self.description is not None:
            data["description"] = text(self.description)
        data["sections"] = [section.to_dict(text, number) for section in self.sections]
        return data
