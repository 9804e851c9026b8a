"""Checking definition files, for `python -m audit_forms check` and `flask check-forms`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from audit_forms.loading import FormDefinitionError, builtin_definition_paths, load_form


def definition_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The files meant by some paths: a folder means its *.yaml and *.yml files, sorted."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            files.append(path)
    return files


def check_paths(paths: Iterable[str | os.PathLike[str]] = ()) -> tuple[bool, list[str]]:
    """Load every definition file (a folder means its *.yaml files; nothing means the built-in
    definitions) and report on each.

    Returns (ok, lines): one "<file>: ok ..." line per good file, one "<file>: <path>: <message>"
    line per problem, so every line names its file.
    """
    paths = list(paths)
    files = definition_files(paths) if paths else builtin_definition_paths()
    if not files:
        return False, ["no definition files found"]
    ok = True
    lines: list[str] = []
    seen: dict[tuple[str, int], Path] = {}
    for file in files:
        try:
            form = load_form(file)
        except FormDefinitionError as error:
            ok = False
            lines.extend(f"{file}: {problem}" for problem in error.problems)
            continue
        identity = (form.key, form.version)
        if identity in seen:
            ok = False
            lines.append(
                f"{file}: (file): {form.key} version {form.version} is also defined in "
                f"{seen[identity]}"
            )
            continue
        seen[identity] = file
        sections = _count(len(form.sections), "section")
        questions = _count(len(form.questions), "question")
        lines.append(
            f"{file}: ok ({form.key} v{form.version}, {sections}, {questions}, "
            f"fingerprint {form.fingerprint[:12]})"
        )
    return ok, lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


#: The former private name, still imported by server/services/forms.py.
