"""The app's OpenAPI document, for schemathesis, and the checks the fuzz run adds to its own."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
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

# ---- what the generic checks cannot see ---------------------------------------------------

PAGINATION_HEADER = "X-Pagination"


PAGINATION_METADATA = DOCUMENT["components"]["schemas"]["PaginationMetadata"]


def pagination_header_is_json_metadata(response) -> None:
    """X-Pagination is documented as JSON content, which schemathesis' header check skips:
    the header must be JSON matching PaginationMetadata."""
    values = response.headers.get(PAGINATION_HEADER.lower())
    if not values:
        return
    metadata = json.loads(values[0])
    documented = PAGINATION_METADATA["properties"]
    assert isinstance(metadata, dict) and set(metadata) <= set(documented), metadata
    for key, value in metadata.items():
        assert documented[key]["type"] == "integer", documented[key]
        assert isinstance(value, int) and not isinstance(value, bool), (key, value)
