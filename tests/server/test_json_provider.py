"""JSON responses through orjson say what Flask's default provider says."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from server.json_provider import OrjsonProvider


@dataclass(frozen=True)
class Cell:
    mean: Decimal | None
    count: int


class Html:
    def __html__(self) -> str:
        return "<b>bold</b>"


PAYLOAD = {
    "zulu": "last key first",
    "decimal": Decimal("81.2500"),
    "decimals": [Decimal("0"), Decimal("-1.5E+3"), Decimal("100.0000")],
    "date": date(2026, 10, 31),
    "datetime": datetime(2026, 10, 31, 23, 30, tzinfo=UTC),
    "warsaw": datetime(2026, 11, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
    "naive": datetime(2026, 10, 31, 23, 30),
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "dataclass": Cell(Decimal("12.3400"), 3),
    "dataclasses": [Cell(None, 0)],
    "html": Html(),
    "markup": Markup("<i>safe</i>"),
    "text": 'Łódź, Köln, 東京 \u2028 "quoted" \\ \n',
    "numbers": [0, -1, 2**63 - 1, 0.1, 1e-7, 1.5e300, True, False, None],
    "tuple": (1, "two"),
    "nested": {"b": {"d": 1, "c": 2}, "a": []},
}


@pytest.fixture
def flask_app() -> Flask:
    return Flask(__name__)


def _both(flask_app: Flask, payload, **settings) -> tuple[bytes, bytes]:
    providers = OrjsonProvider(flask_app), DefaultJSONProvider(flask_app)
    for provider in providers:
        for name, value in settings.items():
            setattr(provider, name, value)
    with flask_app.app_context():
        ours, theirs = (provider.response(payload) for provider in providers)
    assert ours.mimetype == theirs.mimetype == "application/json"
    return ours.get_data(), theirs.get_data()


def _pairs(body: bytes):
    """The document with every object as its list of (key, value) pairs: order counts."""
    return json.loads(body, object_pairs_hook=list)


def test_response_says_what_flasks_provider_says(flask_app):
    ours, theirs = _both(flask_app, PAYLOAD)

    assert _pairs(ours) == _pairs(theirs)
    assert "Łódź".encode() in ours  # UTF-8, not \u escapes
    assert ours.endswith(b"}\n")


def test_keys_keep_their_order_when_sorting_is_off(flask_app):
    ours, theirs = _both(flask_app, PAYLOAD, sort_keys=False)

    assert _pairs(ours) == _pairs(theirs)
    assert _pairs(ours)[0][0] == "zulu"


def test_what_orjson_refuses_goes_to_the_standard_library(flask_app):
    payload = {"big": 2**64, "surrogate": "\ud800", "ids": {1: "one", 2: "two"}}

    ours, theirs = _both(flask_app, payload)

    assert ours == theirs


def test_unencodable_objects_are_refused_as_flask_refuses_them(flask_app):
    with flask_app.app_context(), pytest.raises(TypeError, match="not JSON serializable"):
        OrjsonProvider(flask_app).response({"when": object()})


def test_debug_mode_indents(flask_app):
    flask_app.debug = True
    ours, theirs = _both(flask_app, PAYLOAD)

    assert b'\n  "dataclass"' in ours
    assert _pairs(ours) == _pairs(theirs)


def test_the_app_answers_through_orjson(app, client):
    response = client.get("/api/v1/comparison?period=2026-10")

    assert isinstance(app.json, OrjsonProvider)
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert "message" in response.get_json()
