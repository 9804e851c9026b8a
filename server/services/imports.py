"""Importing branches from CSV: validate every row first, then upsert all or nothing."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from typing import IO

import marshmallow as ma

from server.models import Branch
from server.services import areas, branches
from server.validators import CODE, COUNTRY, LOCALE, validate_timezone

HEADER = (
    "code",
    "name",
    "address",
    "city",
    "country",
    "area",
    "timezone",
    "locale",
    "latitude",
    "longitude",
)
OPTIONAL_COLUMNS = ("target_score", "active")


class BranchRowSchema(ma.Schema):
    code = ma.fields.String(required=True, validate=CODE)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    address = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))
    city = ma.fields.String(load_default="", validate=ma.validate.Length(max=120))
    country = ma.fields.String(required=True, validate=COUNTRY)
    area = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    timezone = ma.fields.String(required=True, validate=validate_timezone)
    locale = ma.fields.String(required=True, validate=LOCALE)
    latitude = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=-90, max=90))
    longitude = ma.fields.Float(allow_none=True, validate=ma.validate.Range(min=-180, max=180))
    target_score = ma.fields.Decimal(validate=ma.validate.Range(min=0, max=100), places=2)
    active = ma.fields.Boolean()

    @ma.pre_load
    def blanks_are_missing(self, row, **kwargs):
        # A CSV cell is always a string: an empty one means "not given".
        return {key: value.strip() for key, value in row.items() if value and value.strip()}


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


def read_branch_rows(stream: IO[str]) -> tuple[list[tuple[int, dict]], list[str]]:
    """Parsed rows with their line numbers, and every problem found."""
    reader = csv.DictReader(stream)
    header = tuple(name.strip() for name in reader.fieldnames or ())
    missing = [name for name in HEADER if name not in header]
    unknown = [name for name in header if name not in HEADER + OPTIONAL_COLUMNS]
    if missing or unknown:
        return [], [
            f"line 1: the header must be {','.join(HEADER)}"
            + (f" (missing: {', '.join(missing)})" if missing else "")
            + (f" (unknown: {', '.join(unknown)})" if unknown else "")
        ]
    rows, problems, seen = [], [], {}
    schema = BranchRowSchema()
    for row in reader:
        line = reader.line_num
        if None in row:
            problems.append(f"line {line}: more cells than columns")
            continue
        try:
            data = schema.load({key.strip(): value for key, value in row.items()})
        except ma.ValidationError as error:
            for name, messages in sorted(error.messages.items()):
                problems.append(f"line {line}: {name}: {' '.join(messages)}")
            continue
        if data["code"] in seen:
            first = seen[data["code"]]
            problems.append(f"line {line}: code: {data['code']} already on line {first}")
            continue
        seen[data["code"]] = line
        rows.append((line, data))
    return rows, problems


def import_branches(stream: IO[str]) -> ImportReport:
    """Upsert branches by code. Nothing is written when any row is bad (the caller commits)."""
    rows, problems = read_branch_rows(stream)
    report = ImportReport(problems=problems)
    if problems:
        return report
    for _line, data in rows:
        area = areas.ensure_area_path(data.pop("area"))
        existing = branches.get_branch_by_code(data["code"])
        if existing is None:
            branches.create_branch({**data, "area_id": area.id})
            report.created += 1
        elif _differs(existing, {**data, "area_id": area.id}):
            branches.update_branch(existing, {**data, "area_id": area.id})
            report.updated += 1
        else:
            report.unchanged += 1
    return report


def _differs(branch: Branch, data: dict) -> bool:
    return any(getattr(branch, name) != value for name, value in data.items())
