"""`python -m audit_forms check`: every problem of every file, with the file's path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from audit_forms import check_paths, definition_files
from audit_forms.__main__ import main

from .factories import definition


def write(folder: Path, name: str, data: object) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_good_file(tmp_path: Path) -> None:
    path = write(tmp_path, "test-form.v1.yaml", definition())
    ok, lines = check_paths([path])
    assert ok
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}: ok (test-form v1, 1 section, 1 question, fingerprint ")


def test_every_problem_of_every_file_names_the_file(tmp_path: Path) -> None:
    good = write(tmp_path, "test-form.v1.yaml", definition())
    broken = definition(version=2)
    broken["sections"][0]["weight"] = 0
    broken["sections"][0]["questions"][0]["points"] = -1
    bad = write(tmp_path, "test-form.v2.yaml", broken)
    ok, lines = check_paths([good, bad])
    assert not ok
    assert lines[1:] == [
        f"{bad}: sections[0].weight: must be > 0",
        f"{bad}: sections[0].questions[0].points: must be > 0",
    ]


def test_a_folder_means_its_yaml_files(tmp_path: Path) -> None:
    write(tmp_path, "test-form.v1.yaml", definition())
    write(tmp_path, "test-form.v2.yaml", definition(version=2))
    (tmp_path / "notes.txt").write_text("not a form", encoding="utf-8")
    assert definition_files([tmp_path]) == [
        tmp_path / "test-form.v1.yaml",
        tmp_path / "test-form.v2.yaml",
    ]
    ok, lines = check_paths([tmp_path])
    assert ok
    assert [line.split(": ok")[0] for line in lines] == [
        str(tmp_path / "test-form.v1.yaml"),
        str(tmp_path / "test-form.v2.yaml"),
    ]


def test_the_same_version_twice_is_a_problem(tmp_path: Path) -> None:
    first = write(tmp_path, "test-form.v1.yaml", definition())
    (tmp_path / "copy").mkdir()
    second = write(tmp_path / "copy", "test-form.v1.yaml", definition())
    ok, lines = check_paths([first, second])
    assert not ok
    assert lines[1] == f"{second}: (file): test-form version 1 is also defined in {first}"


def test_missing_file(tmp_path: Path) -> None:
    ok, lines = check_paths([tmp_path / "gone.v1.yaml"])
    assert not ok
    assert lines == [f"{tmp_path / 'gone.v1.yaml'}: (file): cannot read: No such file or directory"]


def test_an_empty_folder_is_a_problem(tmp_path: Path) -> None:
    assert check_paths([tmp_path]) == (False, ["no definition files found"])


def test_no_path_checks_the_builtin_forms() -> None:
    ok, lines = check_paths()
    assert ok, lines
    assert any("branch-visit v1" in line for line in lines)
    assert any("phone-enquiry v1" in line for line in lines)


def test_main_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path, "test-form.v1.yaml", definition())
    assert main(["check", str(good)]) == 0
    assert ": ok (" in capsys.readouterr().out
    bad = write(tmp_path, "test-form.v2.yaml", definition(version=2, languages=["en"]))
    assert main(["check", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}: title.pl: language 'pl' is not declared in languages" in out


def test_python_dash_m(tmp_path: Path) -> None:
    bad = write(tmp_path, "test-form.v1.yaml", definition(version=0))
    result = subprocess.run(
        [sys.executable, "-m", "audit_forms", "check", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f"{bad}: version: must be >= 1" in result.stdout
