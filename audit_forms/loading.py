"""Loading form definitions from YAML files or from plain data.

A definition either loads completely or raises FormDefinitionError listing every problem found,
each as "path: message", so that whoever writes the file can fix everything in one go.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from audit_forms.definition import load_definition
from audit_forms.model import Form

#: Where the built-in definitions live: one file per form version.
DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"

#: Where problems of the file itself (reading, YAML syntax, its name) are reported.
FILE = "(file)"

_FILE_NAME = re.compile(r"\A(?P<key>.+)\.v(?P<version>[0-9]+)\.(?:yaml|yml|json)\Z")


class FormDefinitionError(ValueError):
    """A form definition with problems; `problems` lists them all as "path: message"."""

    def __init__(self, problems: Sequence[str], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        count = len(self.problems)
        heading = f"invalid form definition{where}: {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n  ".join([heading, *self.problems]))


def load_form_data(data: Mapping[str, Any], *, source: str | None = None) -> Form:
    """Load a form from a mapping shaped like a definition file (or like Form.to_dict()).

    `source` only names the origin in the error message.
    """
    form, problems = load_definition(data)
    if problems:
        raise FormDefinitionError(problems, source=source)
    assert form is not None
    return form


def load_form(path: str | os.PathLike[str], *, check_file_name: bool = True) -> Form:
    """Load a definition file (YAML; JSON is YAML too).

    With check_file_name the file must be named after the form it holds,
    `<key>.v<version>.yaml`: that catches a version copied to a new file but not bumped.
    """
    file = Path(path)
    source = str(path)
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FormDefinitionError([f"{FILE}: not UTF-8 text"], source=source) from None
    except OSError as error:
        message = f"{FILE}: cannot read: {error.strerror or error}"
        raise FormDefinitionError([message], source=source) from None
    data, problems = parse_yaml(text)
    if data is None and problems:
        raise FormDefinitionError(problems, source=source)
    form, definition_problems = load_definition(data)
    problems.extend(definition_problems)
    if check_file_name:
        problems.extend(_file_name_problems(file.name, data))
    if problems:
        raise FormDefinitionError(problems, source=source)
    assert form is not None
    return form


def builtin_definition_paths() -> list[Path]:
    """The definition files shipped in audit_forms/definitions/, sorted by name."""
    return sorted(DEFINITIONS_DIR.glob("*.yaml"))


def load_builtin_forms() -> list[Form]:
    """Every built-in form, in file name order."""
    return [load_form(path) for path in builtin_definition_paths()]


# libyaml's parser when PyYAML was built with it: about 20 times faster on a large form.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeLoader):
    """The safe YAML loader, plus a note of every key repeated within one mapping.

    Plain YAML keeps the last of two equal keys silently; in a form that would hide a text or
    a whole list of questions.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated_keys: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                repeated = key in seen
                seen.add(key)
            except TypeError:  # unhashable keys are reported by the constructor itself
                continue
            if repeated:
                line = key_node.start_mark.line + 1
                self.repeated_keys.append(f"{FILE}: line {line}: key {key!r} appears twice")
        return super().construct_mapping(node, deep=deep)


def parse_yaml(text: str) -> tuple[Any, list[str]]:
    """YAML text -> (data, problems). data is None when the text cannot be read at all."""
    loader = _StrictLoader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        reason = error.problem or "invalid YAML"
        return None, [f"{FILE}: invalid YAML{where}: {reason}"]
    except yaml.YAMLError as error:
        return None, [f"{FILE}: invalid YAML: {error}"]
    finally:
        loader.dispose()
    if data is None:
        return None, [f"{FILE}: empty"]
    return data, list(loader.repeated_keys)


def _file_name_problems(name: str, data: Any) -> list[str]:
    if not isinstance(data, Mapping):
        return []
    key, version = data.get("key"), data.get("version")
    if not isinstance(key, str) or isinstance(version, bool) or not isinstance(version, int):
        return []
    expected = f"{key}.v{version}.yaml"
    match = _FILE_NAME.match(name)
    if match and match["key"] == key and int(match["version"]) == version:
        return []
    return [f"{FILE}: the file name {name!r} does not match key and version; expected {expected!r}"]
