"""Forms in the platform: immutable versions imported from audit_forms definition files."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from audit_forms import (
    Form,
    FormDefinitionError,
    builtin_definition_paths,
    load_form,
    load_form_data,
)
from audit_forms.check import definition_files
from server.extensions import db
from server.models import FormVersion
from server.services.errors import NotFound


@dataclass
class FormImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def import_form_files(paths: Iterable[str | os.PathLike[str]] = ()) -> FormImportReport:
    """Import definition files (folders mean their YAML files; nothing means the built-in ones).

    The same file twice is a no-op; a changed file under an existing version is refused. Nothing
    is written when any file has a problem (the caller commits).
    """
    report = FormImportReport()
    paths = list(paths)
    files = definition_files(paths) if paths else builtin_definition_paths()
    if not files:
        report.problems.append(f"no definition files in {', '.join(map(str, paths))}")
    forms: list[tuple[str, Form]] = []
    for path in files:
        try:
            forms.append((str(path), load_form(path)))
        except FormDefinitionError as error:
            report.problems.extend(f"{path}: {problem}" for problem in error.problems)
    return publish_forms(forms, report)


def publish_forms(
    forms: Iterable[tuple[str, Form]], report: FormImportReport | None = None
) -> FormImportReport:
    """Publish loaded forms (with where each came from); nothing is added on any problem."""
    report = report or FormImportReport()
    new: list[FormVersion] = []
    for source, form in forms:
        name = f"{form.key} v{form.version}"
        stored = _stored(form.key, form.version)
        if stored is None:
            new.append(
                FormVersion(
                    key=form.key,
                    version=form.version,
                    fingerprint=form.fingerprint,
                    definition=form.to_dict(),
                )
            )
            report.created.append(name)
        elif stored.fingerprint == form.fingerprint:
            report.unchanged.append(name)
        else:
            report.problems.append(
                f"{source}: {name} is already published with other content; a published "
                f"version never changes: give the changed form version "
                f"{latest_version(form.key) + 1}"
            )
    if report.problems:
        report.created.clear()
        return report
    db.session.add_all(new)
    db.session.flush()
    return report


def _stored(key: str, version: int) -> FormVersion | None:
    return db.session.scalar(
        select(FormVersion).where(FormVersion.key == key, FormVersion.version == version)
    )


def latest_version(key: str) -> int:
    return (
        db.session.scalar(select(func.max(FormVersion.version)).where(FormVersion.key == key)) or 0
    )


def list_latest_forms() -> Select:
    """The newest version of every form, by key."""
    newest = (
        select(FormVersion.key, func.max(FormVersion.version).label("version"))
        .group_by(FormVersion.key)
        .subquery()
    )
    return (
        select(FormVersion)
        .join(newest, (FormVersion.key == newest.c.key) & (FormVersion.version == newest.c.version))
        .order_by(FormVersion.key)
    )


def versions_of(key: str) -> list[int]:
    return list(
        db.session.scalars(
            select(FormVersion.version).where(FormVersion.key == key).order_by(FormVersion.version)
        )
    )


def get_form_version(key: str, version: int | None = None) -> FormVersion:
    """A stored version (the newest when none is given); NotFound otherwise."""
    stored = _stored(key, version if version is not None else latest_version(key))
    if stored is None:
        which = f"version {version} of " if version is not None else ""
        raise NotFound(f"No {which}form {key!r}.")
    return stored


# Published versions never change, so a parsed form can be kept per fingerprint for good.
_parsed: dict[str, Form] = {}


def form_of(stored: FormVersion) -> Form:
    """The audit_forms Form of a stored version."""
    form = _parsed.get(stored.fingerprint)
    if form is None:
        form = load_form_data(stored.definition, source=f"{stored.key} v{stored.version}")
        _parsed[stored.fingerprint] = form
    return form
