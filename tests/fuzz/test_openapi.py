"""schemathesis against the app's own OpenAPI document, in process, as every role.

Every operation of /api/v1/openapi.json is called with generated requests (valid and invalid
ones) under the bearer token of each role, in a world with real rows, and every response must
be: no 5xx, a documented status code and content type, headers and body as documented. Path,
query and body ids are swapped for ids of real rows half of the time, so requests reach real
objects and not only 404s.

FUZZ_EXAMPLES (default 10) sets the generated examples per operation and role; FUZZ_COVERAGE=1
adds schemathesis' coverage phase (boundary values and every kind of invalid input, about 70
requests per operation and role). See docs/reliability.md.

The bugs this test found are fixed, each kept fixed by a test in test_found_bugs.py.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from server.models import Role
from server.models.types import utcnow
from tests.fuzz.conftest import Seeded, fuzz_setting, write_report
from tests.fuzz.openapi_doc import (
    CHECKS,
    CONFIG,
    DOCUMENT,
    pagination_header_is_json_metadata,
)

EXAMPLES = fuzz_setting("FUZZ_EXAMPLES", 10)

schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)

pytestmark = [
    # schemathesis' reports of a failing case repr big generated bodies; only noise.
    pytest.mark.filterwarnings(
        "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning"
    ),
]

# ---- real ids ------------------------------------------------------------------------------

FORM_KEYS = ["branch-visit", "phone-enquiry"]
# Parameter or field name -> which ids of the seeded world may stand in for a generated value.
ID_POOLS = {
    "area_id": "area",
    "parent_id": "area",
    "area": "area",
    "branch_id": "branch",
    "branch": "branch",
    "user_id": "user",
    "auditor_id": "user",
    "visit_id": "visit",
    "photo_id": "photo",
    "assignment_id": "assignment",
    "plan_id": "assignment",
}
LIST_POOLS = {"area_ids": "area", "branch_ids": "branch", "photo_ids": "photo"}
FORM_FIELDS = {"key", "form", "form_key"}
# Periods with data in them: this month, its quarter, its year, last month.
_today = utcnow().date()
_last_month = (_today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
PERIODS = {
    "period": [
        _today.strftime("%Y-%m"),
        f"{_today.year}-Q{(_today.month - 1) // 3 + 1}",
        str(_today.year),
        _last_month,
    ],
    "from": [_last_month, _today.strftime("%Y-%m")],
    "to": [_today.strftime("%Y-%m")],
}

# ids of the current test's seeded world, read when a case is drawn
_real_ids: dict[str, list[int]] = {}


MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _within_known_limits(case) -> None:
    """Generated visit plans are kept within 2026-2027 so that some are valid (a plan spans at
    most 24 months; random months of the century almost never are)."""
    if case.operation.path == "/api/v1/visit-plans" and isinstance(case.body, dict):
        for key in ("first_month", "last_month"):
            value = case.body.get(key)
            if isinstance(value, str) and (match := MONTH.match(value)):
                year = 2026 + int(match.group(1)) % 2
                case.body = {**case.body, key: f"{year}-{match.group(2)}"}


@st.composite
def _with_real_values(draw, case):
    """Half of the time, replace a generated id (form key, period) by one with real data."""
    _within_known_limits(case)
    for name in ("path_parameters", "query", "body"):
        container = getattr(case, name)
        if not isinstance(container, dict) or not _real_ids:
            continue
        changed = dict(container)
        for key, value in container.items():
            if key in ID_POOLS:
                real = st.sampled_from(_real_ids[ID_POOLS[key]])
            elif key in LIST_POOLS:
                real = st.lists(st.sampled_from(_real_ids[LIST_POOLS[key]]), max_size=3)
            elif key in FORM_FIELDS:
                real = st.sampled_from(FORM_KEYS)
            elif key in PERIODS and name == "query":
                real = st.sampled_from(PERIODS[key])
            else:
                continue
            changed[key] = draw(st.just(value) | real)
        setattr(case, name, changed)
    return case


@schema.hook
def flatmap_case(context, case):
    return _with_real_values(case)


@pytest.fixture(autouse=True)
def _errors_as_in_production(app):
    """A server error is a 500 response here (checked like any other), not an exception."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the app fixture restores the settings


@pytest.fixture(autouse=True)
def _ids_of_the_seeded_world(seeded: Seeded):
    _real_ids.update(seeded.ids)
    yield
    _real_ids.clear()


# ---- the run -------------------------------------------------------------------------------

# status codes per operation and role, written to FUZZ_REPORT_DIR if set
_statuses: dict[str, Counter] = defaultdict(Counter)


@pytest.fixture(scope="module", autouse=True)
def _status_report():
    yield
    write_report("openapi-statuses.json", {key: dict(c) for key, c in _statuses.items()})


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # One world per operation and role, shared by its examples; generated bodies may be big.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_every_operation_as_every_role(case, role: Role, app, seeded: Seeded):
    _within_known_limits(case)  # again: the coverage phase's cases skip the hook
    headers = seeded.headers[role]
    response = case.call(app=app, headers=headers)
    _statuses[f"{case.operation.label} as {role.value}"][response.status_code] += 1
    case.validate_response(response, checks=CHECKS, headers=headers)
    pagination_header_is_json_metadata(response)
