import shutil

import pytest
from sqlalchemy import select

from audit_forms import builtin_definition_paths
from server.models import FormVersion


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def branch_visit_file(tmp_path):
    source = next(p for p in builtin_definition_paths() if p.name == "branch-visit.v1.yaml")
    return shutil.copy(source, tmp_path / source.name)


def stored(db):
    return sorted(db.session.execute(select(FormVersion.key, FormVersion.version)).all())


def test_import_publishes_the_built_in_forms_and_twice_is_a_no_op(runner, db):
    first = runner.invoke(args=["import-forms"])
    assert first.exit_code == 0, first.output
    assert "published branch-visit v1" in first.output
    again = runner.invoke(args=["import-forms"])
    assert again.exit_code == 0 and "unchanged branch-visit v1" in again.output
    assert stored(db) == [("branch-visit", 1), ("phone-enquiry", 1)]


def test_a_changed_file_under_a_published_version_is_refused(runner, db, branch_visit_file):
    runner.invoke(args=["import-forms"])
    text = branch_visit_file.read_text(encoding="utf-8")
    branch_visit_file.write_text(text.replace("weight: 2", "weight: 3", 1), encoding="utf-8")
    result = runner.invoke(args=["import-forms", str(branch_visit_file)])
    assert result.exit_code != 0
    assert "already published with other content" in result.output
    assert "version 2" in result.output
    assert stored(db) == [("branch-visit", 1), ("phone-enquiry", 1)]


def test_a_new_version_sits_beside_the_old_one(
    runner, db, client, branch_visit_file, world, auth_header
):
    runner.invoke(args=["import-forms"])
    text = branch_visit_file.read_text(encoding="utf-8").replace("version: 1", "version: 2", 1)
    newer = branch_visit_file.with_name("branch-visit.v2.yaml")
    newer.write_text(text.replace("weight: 2", "weight: 3", 1), encoding="utf-8")
    result = runner.invoke(args=["import-forms", str(newer)])
    assert result.exit_code == 0, result.output
    assert stored(db) == [("branch-visit", 1), ("branch-visit", 2), ("phone-enquiry", 1)]
    headers = auth_header(world.hq)
    newest = client.get("/api/v1/forms/branch-visit", headers=headers).get_json()
    assert newest["version"] == 2 and newest["versions"] == [1, 2]
    old = client.get("/api/v1/forms/branch-visit?version=1", headers=headers).get_json()
    assert old["version"] == 1 and old["fingerprint"] != newest["fingerprint"]


def test_a_broken_file_imports_nothing(runner, db, tmp_path, branch_visit_file):
    broken = tmp_path / "broken.v1.yaml"
    broken.write_text("key: broken\nversion: 1\n", encoding="utf-8")
    result = runner.invoke(args=["import-forms", str(branch_visit_file), str(broken)])
    assert result.exit_code != 0 and "nothing was imported" in result.output
    assert stored(db) == []


def test_check_forms_lists_every_problem_with_its_path(runner, tmp_path):
    broken = tmp_path / "mini.v1.yaml"
    broken.write_text(
        """
key: mini
version: 1
default_language: en
languages: [en, pl]
title: {en: Mini, pl: Mini}
sections:
  - key: s
    title: {en: S}
    weight: 0
    questions:
      - key: q
        type: yes_no
        points: -1
        label: {en: Q, pl: P}
      - key: q
        type: duration
        points: 2
        label: {en: Wait, pl: Czekanie}
        bands: [{from: 0, to: 120, share: 1}, {from: 100, share: 0}]
""",
        encoding="utf-8",
    )
    result = runner.invoke(args=["check-forms", str(broken)])
    assert result.exit_code == 1
    output = result.output
    for path in (
        "sections[0].weight",
        "sections[0].questions[0].points",
        "sections[0].title",
        "sections[0].questions[1].key",
        "sections[0].questions[1].bands",
    ):
        assert path in output, (path, output)
    assert all(line.startswith(str(broken)) for line in output.strip().splitlines())


def test_check_forms_passes_the_built_in_forms(runner):
    paths = [str(path) for path in builtin_definition_paths()]
    result = runner.invoke(args=["check-forms", *paths])
    assert result.exit_code == 0
    assert result.output.count(": ok (") == 2
