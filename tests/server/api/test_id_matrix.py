"""Every role x every id the API takes x the kind of object the id names x where it goes.

The id parameters are read from the app (id_matrix.inventory); for each, every role sends an
id of its own object, of an object of a same-area branch outside its scope, of an object in
another area, and an id that does not exist, in the path, the query or the body. Allowed calls
on objects in scope succeed; everything else answers exactly as the missing id does (status,
type, body and paging, the id itself aside); and no response, PDF or export included, carries
a marker of anything outside the caller's scope.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from server.extensions import db as _db
from server.extensions import limiter
from server.models import NETWORK_ROLES, ApiToken, Role
from server.models.types import utcnow
from server.services.auth import hash_token
from tests.conftest import _apps, _empty_folder, _test_config
from tests.server.api.id_matrix import (
    API,
    ID_LIKE,
    IDS,
    INVENTORY_APP,
    KINDS,
    MISSING_ID,
    NOT_IDS,
    Param,
    World,
    allowed_roles,
    build_world,
    classify,
    comparable,
    inventory,
    jpeg,
    readable_text,
    visit_answers,
    visit_body,
)

PARAMS = inventory(INVENTORY_APP)
ID_PARAMS = [param for param in PARAMS if classify(param) != ""]


@dataclass(frozen=True)
class Case:
    role: Role
    param: Param
    kind: str

    def __str__(self) -> str:
        return f"{self.role.value}-{self.param}-{self.kind}"


CASES = [Case(role, param, kind) for param in ID_PARAMS for role in Role for kind in KINDS]
MATRIX_SIZE = len(CASES)  # (role, route, kind, position) cases; quoted in docs/reliability.md


# ---- the world, once per module ----------------------------------------------------------------


@pytest.fixture(scope="module")
def id_world(migrated_schema, database_url, storage_dir):
    """One world for the whole matrix: built once, emptied after the module (as `app` does)."""
    config = _test_config(database_url, storage_dir)
    key = repr(sorted(config.items()))
    if key not in _apps:
        from server import create_app

        _apps[key] = create_app(config)
    app = _apps[key]
    with app.app_context():

        def token(user) -> dict[str, str]:
            raw = secrets.token_urlsafe(32)
            expires_at = utcnow() + timedelta(hours=6)
            _db.session.add(ApiToken(user=user, token_hash=hash_token(raw), expires_at=expires_at))
            _db.session.commit()
            return {"Authorization": f"Bearer {raw}"}

        limiter.reset()
        try:
            yield build_world(app.test_client(), token)
        finally:
            _db.session.remove()
            with _db.engine.begin() as connection:
                for table in reversed(_db.metadata.sorted_tables):
                    connection.execute(table.delete())
            _db.engine.dispose()
            _empty_folder(storage_dir)
            limiter.reset()


@pytest.fixture
def matrix_world(id_world) -> Iterator[World]:
    limiter.reset()  # hundreds of submissions and reservations in a minute are the point here
    yield id_world
    id_world.restore()


# ---- how each route is called ------------------------------------------------------------------

# The object in the path when the id under test goes elsewhere (objects the body may change).
PATH_OBJECTS = {
    ("PATCH", "/areas/{area_id}"): "scratch_area",
    ("PATCH", "/branches/{branch_id}"): "scratch_branch",
    ("PATCH", "/users/{user_id}"): "scratch_user",
    ("PATCH", "/assignments/{assignment_id}"): "scratch_assignment",
    ("POST", "/visits/{visit_id}/revisions"): "ret_lodz_1",
}


def _query(world: World, path: str) -> dict[str, Any]:
    if path.startswith(("/comparison", "/heatmap", "/weakest-questions", "/branches/")):
        return {"period": world.period}
    return {}


def _revision(world: World, role: Role) -> dict[str, Any]:
    ended = utcnow() - timedelta(minutes=30)
    photo = world.new_photo() if role == Role.AUDITOR else world.reserved_a
    return {
        "revision_uuid": str(uuid.uuid4()),
        "started_at": (ended - timedelta(minutes=20)).isoformat(),
        "ended_at": ended.isoformat(),
        "waiting_seconds": 40,
        "answers": visit_answers(world.form, photo, "XCRETLODZ1X"),
    }


def _visit(world: World, role: Role) -> dict[str, Any]:
    photo = world.new_photo() if role == Role.AUDITOR else world.reserved_a
    return visit_body(world, world.form, world.lodz_1, photo, "XCNEWX")


BODIES: dict[tuple[str, str], Callable[[World, Role], Any]] = {
    ("POST", "/areas"): lambda w, r: {
        "code": f"IDM/{next(w.serial)}",
        "name": "Nowy obszar",
        "parent_id": w.pl,
    },
    ("PATCH", "/areas/{area_id}"): lambda w, r: {"active": True},
    ("POST", "/branches"): lambda w, r: {
        "code": f"IDM-{next(w.serial)}",
        "name": "Nowy oddział",
        "country": "PL",
        "area_id": w.lodz,
        "timezone": "Europe/Warsaw",
        "locale": "pl",
    },
    ("PATCH", "/branches/{branch_id}"): lambda w, r: {"active": True},
    ("POST", "/users"): lambda w, r: {
        "email": f"new{next(w.serial)}@idm.example.test",
        "password": "long enough pw",
        "role": "branch_manager",
    },
    ("PATCH", "/users/{user_id}"): lambda w, r: {"active": True},
    ("POST", "/visits"): _visit,
    ("POST", "/visits/{visit_id}/revisions"): _revision,
    ("POST", "/visits/{visit_id}/review"): lambda w, r: {"decision": "approve"},
    ("PUT", "/photos/{photo_id}/content"): lambda w, r: jpeg(),
    ("POST", "/assignments"): lambda w, r: {
        "branch_id": w.lodz_1,
        "form_key": "branch-visit",
        "auditor_id": w.auditor_s,
        "window_start": utcnow().isoformat(),
        "window_end": (utcnow() + timedelta(days=7)).isoformat(),
    },
    ("PATCH", "/assignments/{assignment_id}"): lambda w, r: {"scenario": "Zwrot czajnika"},
    ("POST", "/visit-plans"): lambda w, r: {
        "area_id": w.lodzkie,
        "form_key": "branch-visit",
        "visits_per_month": 1,
        "first_month": w.period,
        "last_month": w.period,
        "dry_run": True,
    },
}


@dataclass(frozen=True)
class Call:
    """One request of a case, ready to be sent with any id in the place under test."""

    param: Param
    role: Role
    query: dict[str, Any]
    body: Any
    path_object: int | None

    def send(self, world: World, object_id: int):
        param = self.param
        path = param.path.removeprefix(API)
        if param.position == "path":
            path = path.format(**{param.name: object_id})
        elif self.path_object is not None:
            path = path.format(**{name: self.path_object for name in _names(path)})
        query = dict(self.query)
        if param.position == "query":
            query[param.name] = object_id
        body = _with_id(self.body, param, object_id) if param.position == "body" else self.body
        headers = world.headers[self.role]
        if isinstance(body, bytes):
            return world.client.open(
                API + path,
                method=param.method,
                query_string=query,
                data=body,
                content_type="image/jpeg",
                headers=headers,
            )
        return world.client.open(
            API + path, method=param.method, query_string=query, json=body, headers=headers
        )


def _names(path: str) -> list[str]:
    return re.findall(r"\{([^}]+)\}", path)


def _with_id(body: dict[str, Any], param: Param, object_id: int) -> dict[str, Any]:
    body = dict(body)
    if param.name == "answers.*.photo_ids":
        answers = dict(body["answers"])
        answers["premises_clean_tidy"] = {"value": "yes", "photo_ids": [object_id]}
        body["answers"] = answers
    elif param.name.endswith("_ids"):
        body[param.name] = [object_id]
    else:
        body[param.name] = object_id
    return body


def prepare(world: World, case: Case) -> Call:
    param = case.param
    route = (param.method, param.path.removeprefix(API))
    builder = BODIES.get(route)
    path_object = PATH_OBJECTS.get(route)
    return Call(
        param=param,
        role=case.role,
        query=_query(world, route[1]),
        body=builder(world, case.role) if builder else None,
        path_object=world.ids[path_object] if path_object else None,
    )


# ---- the matrix --------------------------------------------------------------------------------


def _assert_nothing_foreign(world: World, role: Role, *responses) -> None:
    markers = world.forbidden(role)
    for response in responses:
        text = readable_text(response)
        leaked = sorted({marker for marker in markers if marker in text})
        assert not leaked, f"{role.value} reads {leaked} in {response.status_code}: {text[:600]}"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_id_matrix(matrix_world, case):
    world = matrix_world
    family = classify(case.param)
    assert family, f"{case.param} has no family in id_matrix.IDS"
    role, param = case.role, case.param
    allowed = role in allowed_roles(INVENTORY_APP, param.method, param.path)
    call = prepare(world, case)

    missing = call.send(world, MISSING_ID)
    _assert_nothing_foreign(world, role, missing)
    if not allowed:
        assert missing.status_code == 403, missing.get_data(as_text=True)[:500]
    elif param.position == "path":
        assert missing.status_code == 404, missing.get_data(as_text=True)[:500]
    elif param.position == "body":
        assert missing.status_code == 422, missing.get_data(as_text=True)[:500]
    else:
        assert missing.status_code < 500, missing.get_data(as_text=True)[:500]
    if case.kind == "nonexistent":
        return

    own, same_area, other_area = world.triple(family, role)
    object_id = {"own": own, "same_area": same_area, "other_area": other_area}[case.kind]
    response = call.send(world, object_id)
    _assert_nothing_foreign(world, role, response)
    if allowed and (case.kind == "own" or role in NETWORK_ROLES):
        assert 200 <= response.status_code < 300, response.get_data(as_text=True)[:500]
    else:
        assert comparable(response, object_id) == comparable(missing, MISSING_ID)


# ---- the inventory and the matrix's own health -------------------------------------------------


def test_every_parameter_is_classified():
    """A new path, query or body parameter fails here until IDS or NOT_IDS knows it."""
    unknown = [str(param) for param in PARAMS if classify(param) is None]
    assert not unknown, f"classify these in tests/server/api/id_matrix.py: {unknown}"


def test_no_id_hides_among_the_non_ids():
    assert not [name for name in NOT_IDS if ID_LIKE.search(name)]
    for param in PARAMS:
        if classify(param) == "":
            assert not ID_LIKE.search(param.name.rsplit(".", 1)[-1]), str(param)


def test_no_stale_id_entries():
    present = {(p.method, p.path.removeprefix(API), p.position, p.name) for p in PARAMS}
    assert set(IDS) <= present, sorted(set(IDS) - present)


def test_matrix_size():
    roles, kinds = len(Role), len(KINDS)
    assert MATRIX_SIZE == len(ID_PARAMS) * roles * kinds
    by_position = {
        position: sum(1 for param in ID_PARAMS if param.position == position)
        for position in ("path", "query", "body")
    }
    print(f"id matrix: {MATRIX_SIZE} cases = {len(ID_PARAMS)} id parameters {by_position}")
    print(f"  x {roles} roles x {kinds} kinds")


def test_the_markers_are_readable(matrix_world):
    world = matrix_world
    """The leak check greps what a caller can read; here it must find what HQ may see."""
    hq = world.headers[Role.HQ]
    manager = world.headers[Role.BRANCH_MANAGER]
    client = world.client
    period = {"period": world.period}
    checks = [
        (client.get("/api/v1/comparison.pdf", query_string=period, headers=hq), "XBTROMSOX"),
        (client.get("/api/v1/comparison.xlsx", query_string=period, headers=hq), "XBTROMSOX"),
        (client.get("/api/v1/comparison.csv", query_string=period, headers=hq), "NO-TOS-001"),
        (client.get(f"/api/v1/visits/{world.v_tromso}/report.pdf", headers=hq), "XCVTROMSOX"),
        (client.get(f"/api/v1/visits/{world.v_tromso}/report.pdf", headers=hq), "XUHAKONX"),
        (
            client.get(
                f"/api/v1/branches/{world.lodz_1}/scorecard.pdf",
                query_string=period,
                headers=manager,
            ),
            "XCVLODZ1X",
        ),
        (client.get(f"/api/v1/visits/{world.v_lodz_1}", headers=manager), "XCVLODZ1X"),
    ]
    for response, marker in checks:
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert marker in readable_text(response), (response.request.path, marker)
    assert "XBTROMSOX" in world.forbidden(Role.BRANCH_MANAGER)
    assert "XUANNAX" in world.forbidden(Role.BRANCH_MANAGER)
    assert "XUANNAX" not in world.forbidden(Role.AUDITOR)
