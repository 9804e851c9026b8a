"""The app's OpenAPI document, for schemathesis: as served, and as the fuzz run checks it
(tolerating the documentation bugs it found, each reproduced by a strict xfail test in
test_found_bugs.py)."""

from __future__ import annotations

import atexit
import copy
import json
import shutil
import tempfile
from collections.abc import Iterator
from typing import Any

import schemathesis

from server import create_app
from tests.conftest import _test_config
from tests.fuzz.conftest import fuzz_setting

COVERAGE = bool(fuzz_setting("FUZZ_COVERAGE", 0))

# The document is read from an app of its own (it does not depend on the database); the
# requests go to the test's app, which has the test's database and world.
_schema_dir = tempfile.mkdtemp(prefix="fuzz-openapi-")
atexit.register(shutil.rmtree, _schema_dir, ignore_errors=True)
_schema_app = create_app(_test_config("sqlite://", _schema_dir))
DOCUMENT: dict[str, Any] = _schema_app.test_client().get("/api/v1/openapi.json").get_json()

CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": COVERAGE},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "warnings": False,
    }
)

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]

# ---- known documentation bugs, tolerated in the fuzz run ----------------------------------

PAGINATION_HEADER = "X-Pagination"
DECIMAL_STRING = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            yield ref.rsplit("/", 1)[1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _closure(document: dict[str, Any], names: set[str]) -> set[str]:
    schemas = document["components"]["schemas"]
    found, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name not in found and name in schemas:
            found.add(name)
            todo.extend(_refs(schemas[name]))
    return found


def _operations(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in {"get", "put", "post", "patch", "delete"}:
                yield operation


def _response_only_schemas(document: dict[str, Any]) -> set[str]:
    responses, requests = set(), set()
    for operation in _operations(document):
        responses.update(_refs(operation.get("responses", {})))
        requests.update(_refs(operation.get("requestBody", {})))
        requests.update(_refs(operation.get("parameters", [])))
    for item in document["paths"].values():
        requests.update(_refs(item.get("parameters", [])))
    return _closure(document, responses) - _closure(document, requests)


def _numbers_accept_decimal_strings(node: Any) -> Any:
    if isinstance(node, list):
        return [_numbers_accept_decimal_strings(value) for value in node]
    if not isinstance(node, dict):
        return node
    widened = {key: _numbers_accept_decimal_strings(value) for key, value in node.items()}
    if widened.get("type") == "number":
        return {"anyOf": [widened, DECIMAL_STRING]}
    return widened


NUMERIC_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


def _numeric_keywords_as_numbers(node: Any) -> Any:
    if isinstance(node, list):
        return [_numeric_keywords_as_numbers(value) for value in node]
    if not isinstance(node, dict):
        return node
    return {
        key: float(value)
        if key in NUMERIC_KEYWORDS and isinstance(value, str)
        else _numeric_keywords_as_numbers(value)
        for key, value in node.items()
    }


def tolerating_known_bugs(document: dict[str, Any]) -> dict[str, Any]:
    """The document as the fuzz run checks it.

    1. X-Pagination is documented as a header whose schema is an object, which in OpenAPI 3 means
       the "simple" style (`total,7,page,1`), but it is sent as JSON. The fuzz run drops it from
       the documented headers and checks it as JSON against PaginationMetadata instead.
    2. Decimals dumped as strings ("85.0000") are documented as numbers. The fuzz run lets a
       documented number in a response-only schema be a decimal string.
    3. Bounds of decimal fields are documented as strings (`"maximum": "100.00"`), which is not
       valid OpenAPI; the fuzz run reads them as numbers.
    """
    document = _numeric_keywords_as_numbers(copy.deepcopy(document))
    for operation in _operations(document):
        for response in operation.get("responses", {}).values():
            response.get("headers", {}).pop(PAGINATION_HEADER, None)
    schemas = document["components"]["schemas"]
    for name in _response_only_schemas(document):
        schemas[name] = _numbers_accept_decimal_strings(schemas[name])
    return document


PAGINATION_METADATA = DOCUMENT["components"]["schemas"]["PaginationMetadata"]


def pagination_header_is_json_metadata(response) -> None:
    """What the fuzz run checks of X-Pagination instead: JSON matching PaginationMetadata."""
    values = response.headers.get(PAGINATION_HEADER.lower())
    if not values:
        return
    metadata = json.loads(values[0])
    documented = PAGINATION_METADATA["properties"]
    assert isinstance(metadata, dict) and set(metadata) <= set(documented), metadata
    for key, value in metadata.items():
        assert documented[key]["type"] == "integer", documented[key]
        assert isinstance(value, int) and not isinstance(value, bool), (key, value)
