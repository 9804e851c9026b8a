"""Bugs the fuzz tests found, one test each, as small as it gets.

All are fixed and these tests keep them fixed; docs/reliability.md describes each bug and its
fix. A bug found and not yet fixed gets a strict xfail here (XPASS, a failure, once fixed).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from server.models import Role
from tests.fuzz import phone
from tests.fuzz.conftest import Seeded
from tests.fuzz.openapi_doc import DOCUMENT, pagination_header_is_json_metadata

BEYOND_INT64 = 2**63  # SQLite refuses it; PostgreSQL's INTEGER ids already refuse 2**31


@pytest.fixture(autouse=True)
def _errors_as_in_production(app):
    """A server error is a 500 response here, as a phone would get it, not an exception."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the app fixture restores the settings


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__


def _documented_types(schema: dict[str, Any]) -> set[str]:
    if "anyOf" in schema:
        return set().union(*(_documented_types(option) for option in schema["anyOf"]))
    if "enum" in schema and "type" not in schema:
        return {_json_type(value) for value in schema["enum"]}
    types = schema.get("type")
    if types is None:  # untyped: anything
        return {"null", "boolean", "number", "string", "list", "dict"}
    found = set(types) if isinstance(types, list) else {types}
    return {"number" if kind == "integer" else kind for kind in found}


# ---- 500s ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,method,path,body",
    [
        (Role.HQ, "GET", f"/api/v1/areas/{BEYOND_INT64}", None),
        (Role.HQ, "GET", f"/api/v1/visits/{BEYOND_INT64}/history", None),
        (Role.HQ, "GET", f"/api/v1/visits?branch_id={BEYOND_INT64}", None),
        (Role.HQ, "GET", f"/api/v1/review-queue?area_id={BEYOND_INT64}", None),
        (Role.HQ, "GET", f"/api/v1/branches?page={BEYOND_INT64}", None),
        (Role.HQ, "PATCH", f"/api/v1/assignments/{BEYOND_INT64}", {}),
        (Role.AUDITOR, "POST", f"/api/v1/photos/{BEYOND_INT64}/complete", None),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_an_id_beyond_the_integer_range_is_a_4xx(
    client, seeded: Seeded, role: Role, method: str, path: str, body
):
    response = client.open(path, method=method, json=body, headers=seeded.headers[role])
    assert response.status_code < 500, response.get_json()


# (POST /api/v1/visits had the same bug; fixed in 01160c6 by refusing years outside 2000-2099.)
EDGE_OF_TIME = "times in year 1 or 9999 with a UTC offset leave datetime's range once converted "
EDGE_OF_TIME += "to UTC (OverflowError 'date value out of range'): 500"


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/visits?started_from=0001-01-01T00:00:00%2B01:00",
        "/api/v1/visits?started_to=9999-12-31T23:00:00-03:00",
        "/api/v1/assignments?window_from=0001-01-01T00:00:00%2B01:00",
    ],
)
def test_a_filter_at_the_edge_of_time_is_not_a_500(client, seeded: Seeded, query: str):
    response = client.get(query, headers=seeded.headers[Role.HQ])
    assert response.status_code < 500, response.get_json()


@pytest.mark.parametrize("first_month,last_month", [("0000-01", "0000-02"), ("9999-12", "9999-12")])
def test_a_visit_plan_outside_the_calendar_is_a_422(
    client, seeded: Seeded, first_month: str, last_month: str
):
    body = {
        "area_id": seeded.ids["area"][0],
        "form_key": phone.FORM_KEY,
        "visits_per_month": 1,
        "first_month": first_month,
        "last_month": last_month,
    }
    response = client.post("/api/v1/visit-plans", json=body, headers=seeded.headers[Role.HQ])
    assert response.status_code == 422, response.get_json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/branches/{branch}/scorecard.pdf?period=0001",
        "/api/v1/branches/{branch}/scorecard.pdf?period=0001-02",
        "/api/v1/branches/{branch}/scorecard.pdf?period=0010",
        "/api/v1/comparison?period=0001-01",
        "/api/v1/comparison.csv?period=0001",
        "/api/v1/weakest-questions?period=0001",
    ],
)
def test_an_early_period_is_not_a_500(client, seeded: Seeded, path: str):
    url = path.format(branch=seeded.ids["branch"][0])
    response = client.get(url, headers=seeded.headers[Role.HQ])
    assert response.status_code < 500, response.get_json()


# ---- responses or the document not as documented ------------------------------------------


def test_the_pagination_header_is_sent_as_documented(client, seeded: Seeded):
    header = DOCUMENT["components"]["headers"]["PAGINATION"]
    assert set(header["content"]) == {"application/json"} and "schema" not in header
    response = client.get("/api/v1/areas", headers=seeded.headers[Role.HQ])
    assert response.status_code == 200 and "X-Pagination" in response.headers
    as_schemathesis_sees_it = SimpleNamespace(
        headers={"x-pagination": [response.headers["X-Pagination"]]}
    )
    pagination_header_is_json_metadata(as_schemathesis_sees_it)


@pytest.mark.parametrize("role", [Role.HQ, Role.AUDITOR, Role.BRANCH_MANAGER], ids=str)
def test_decimals_in_a_visit_are_served_as_documented(client, seeded: Seeded, role: Role):
    visit = client.get(f"/api/v1/visits/{seeded.ids['visit'][0]}", headers=seeded.headers[role])
    assert visit.status_code == 200
    visit = visit.get_json()
    schemas = DOCUMENT["components"]["schemas"]
    served = {
        ("SectionScore", field): visit["sections"][0][field]
        for field in ("weight", "earned", "possible", "percent")
    }
    served.update(
        {("Answer", field): visit["answers"][0][field] for field in ("earned", "possible")}
    )
    wrong = {
        f"{name}.{field}": value
        for (name, field), value in served.items()
        if _json_type(value) not in _documented_types(schemas[name]["properties"][field])
    }
    assert not wrong


def _served_as_strings(schema_name: str, item: dict[str, Any]) -> dict[str, Any]:
    """The fields of `item` served as strings that the document says are not strings."""
    properties = DOCUMENT["components"]["schemas"][schema_name]["properties"]
    return {
        f"{schema_name}.{field}": value
        for field, value in item.items()
        if field in properties
        and isinstance(value, str)
        and "string" not in _documented_types(properties[field])
    }


@pytest.mark.parametrize(
    "path,parts",
    [
        (
            "/api/v1/comparison?min_visits=1&period={month}",
            {"": "Comparison", "rows": "ComparisonRow"},
        ),
        ("/api/v1/weakest-questions?period={month}", {"questions": "WeakQuestion"}),
        ("/api/v1/heatmap?period={month}", {"rows": "HeatmapRow"}),
        ("/api/v1/trends?branch={branch}&from={month}&to={month}", {"points": "TrendPoint"}),
    ],
    ids=["comparison", "weakest-questions", "heatmap", "trends"],
)
def test_decimals_in_statistics_are_served_as_documented(
    client, seeded: Seeded, path: str, parts: dict[str, str]
):
    headers = seeded.headers[Role.HQ]
    approved = client.get(f"/api/v1/visits/{seeded.ids['visit'][0]}", headers=headers)
    month = approved.get_json()["visit_date"][:7]  # the month with the approved visit
    url = path.format(month=month, branch=seeded.ids["branch"][0])
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    wrong: dict[str, Any] = {}
    for key, schema_name in parts.items():
        items = [body] if key == "" else body[key]
        assert items, f"no {key} in {url}"
        for item in items:
            wrong.update(_served_as_strings(schema_name, item))
    assert not wrong


def test_numeric_bounds_in_the_document_are_numbers():
    keywords = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
    found: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in keywords and not isinstance(value, int | float):
                    found.append(f"{where}/{key} = {value!r}")
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(DOCUMENT, "")
    assert not found
