"""The id inventory of the app and the world that test_id_matrix.py runs against.

The inventory is read from the app itself: path parameters from its URL map, query parameters
and body fields from its OpenAPI document. Every one of them is either an id (with the family
of objects it names) or listed in NOT_IDS with the reason; a new one is neither until someone
classifies it, and the inventory test fails meanwhile.
"""

from __future__ import annotations

import atexit
import io
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import cache
from itertools import count
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from server import create_app
from server.extensions import db
from server.models import (
    NETWORK_ROLES,
    Area,
    Assignment,
    Branch,
    Role,
    User,
    Visit,
    VisitPlan,
    VisitStatus,
)
from server.models.types import utcnow
from server.services import areas as area_service
from tests.conftest import _test_config
from tests.reports.pdfs import read_pdf

API = "/api/v1"
MISSING_ID = 987654321  # below the route converter's maximum: reaches the services
KINDS = ("own", "same_area", "other_area", "nonexistent")
POSITIONS = ("path", "query", "body")


# ---- the inventory ---------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Param:
    method: str
    path: str  # as the OpenAPI document spells it: /api/v1/branches/{branch_id}
    position: str  # path | query | body
    name: str  # body fields dotted, "*" for a mapping's values: answers.*.photo_ids

    def __str__(self) -> str:
        route = f"{self.method} {self.path.removeprefix(API)}"
        where = self.position if self.position == "path" else f"{self.position}.{self.name}"
        return f"{route}-{where}"


def _rule_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def _leaves(spec: dict, schema: dict, prefix: str = "") -> Iterator[str]:
    """Dotted names of the fields a JSON body schema takes (leaves only)."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    branches = schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", [])
    if schema.get("type") == "array" and "items" in schema:
        branches.append(schema["items"])
    nested = False
    for name, sub in schema.get("properties", {}).items():
        nested = True
        yield from _leaves(spec, sub, f"{prefix}{name}.")
    if isinstance(schema.get("additionalProperties"), dict):
        nested = True
        yield from _leaves(spec, schema["additionalProperties"], f"{prefix}*.")
    for sub in branches:
        found = list(_leaves(spec, sub, prefix))
        nested = nested or bool(found)
        yield from found
    if not nested and prefix:
        yield prefix.rstrip(".")


def inventory(app: Flask) -> list[Param]:
    """Every parameter the app takes: path (URL map), query and body (OpenAPI document)."""
    found: set[Param] = set()
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for name in rule.arguments:
                found.add(Param(method, _rule_path(rule.rule), "path", name))
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    spec = api.spec.to_dict()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    found.add(Param(method.upper(), path, "query", parameter["name"]))
            for content in operation.get("requestBody", {}).get("content", {}).values():
                for name in set(_leaves(spec, content["schema"])):
                    found.add(Param(method.upper(), path, "body", name))
    return sorted(found)


def allowed_roles(app: Flask, method: str, path: str) -> frozenset[Role]:
    """Who may call the route at all, as its login_required decorator says."""
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(re.sub(r"\{[^}]+\}", "1", path), method=method)
    view = getattr(app.view_functions[endpoint].view_class, method.lower())
    return view.allowed_roles


# The app of the inventory: its own, on no database (building the document touches none).
_inventory_dir = tempfile.mkdtemp(prefix="id-matrix-")
atexit.register(shutil.rmtree, _inventory_dir, ignore_errors=True)
INVENTORY_APP = create_app(_test_config("sqlite://", _inventory_dir))

# ---- classification --------------------------------------------------------------------------

# (method, path, position, name) -> the family of objects the id names (see World.triple).
IDS: dict[tuple[str, str, str, str], str] = {
    # path
    ("GET", "/areas/{area_id}", "path", "area_id"): "area",
    ("PATCH", "/areas/{area_id}", "path", "area_id"): "area",
    ("GET", "/branches/{branch_id}", "path", "branch_id"): "branch",
    ("PATCH", "/branches/{branch_id}", "path", "branch_id"): "branch",
    ("GET", "/branches/{branch_id}/scorecard.pdf", "path", "branch_id"): "branch",
    ("GET", "/users/{user_id}", "path", "user_id"): "user",
    ("PATCH", "/users/{user_id}", "path", "user_id"): "user",
    ("GET", "/visits/{visit_id}", "path", "visit_id"): "visit",
    ("DELETE", "/visits/{visit_id}", "path", "visit_id"): "visit",
    ("GET", "/visits/{visit_id}/report.pdf", "path", "visit_id"): "visit",
    ("GET", "/visits/{visit_id}/history", "path", "visit_id"): "visit",
    ("POST", "/visits/{visit_id}/review", "path", "visit_id"): "submitted_visit",
    ("POST", "/visits/{visit_id}/revisions", "path", "visit_id"): "returned_visit",
    ("GET", "/photos/{photo_id}", "path", "photo_id"): "photo",
    ("GET", "/photos/{photo_id}/thumbnail", "path", "photo_id"): "photo",
    ("PUT", "/photos/{photo_id}/content", "path", "photo_id"): "reserved_photo",
    ("POST", "/photos/{photo_id}/complete", "path", "photo_id"): "own_photo",
    ("GET", "/assignments/{assignment_id}", "path", "assignment_id"): "assignment",
    ("PATCH", "/assignments/{assignment_id}", "path", "assignment_id"): "assignment",
    # query
    ("GET", "/areas", "query", "parent_id"): "area",
    ("GET", "/branches", "query", "area_id"): "area",
    ("GET", "/visits", "query", "branch_id"): "branch",
    ("GET", "/visits", "query", "area_id"): "area",
    ("GET", "/assignments", "query", "auditor_id"): "user",
    ("GET", "/assignments", "query", "branch_id"): "branch",
    ("GET", "/assignments", "query", "plan_id"): "plan",
    ("GET", "/review-queue", "query", "branch_id"): "branch",
    ("GET", "/review-queue", "query", "area_id"): "area",
    ("GET", "/audit-log", "query", "object_id"): "visit",
    ("GET", "/audit-log", "query", "actor_id"): "user",
    ("GET", "/comparison", "query", "area"): "area",
    ("GET", "/comparison.csv", "query", "area"): "area",
    ("GET", "/comparison.xlsx", "query", "area"): "area",
    ("GET", "/comparison.pdf", "query", "area"): "area",
    ("GET", "/heatmap", "query", "area"): "area",
    ("GET", "/weakest-questions", "query", "area"): "area",
    ("GET", "/trends", "query", "branch"): "branch",
    ("GET", "/trends", "query", "area"): "area",
    # body
    ("POST", "/areas", "body", "parent_id"): "area",
    ("PATCH", "/areas/{area_id}", "body", "parent_id"): "area",
    ("POST", "/branches", "body", "area_id"): "area",
    ("PATCH", "/branches/{branch_id}", "body", "area_id"): "area",
    ("POST", "/users", "body", "branch_ids"): "branch",
    ("POST", "/users", "body", "area_ids"): "area",
    ("PATCH", "/users/{user_id}", "body", "branch_ids"): "branch",
    ("PATCH", "/users/{user_id}", "body", "area_ids"): "area",
    ("POST", "/visits", "body", "branch_id"): "branch",
    ("POST", "/visits", "body", "assignment_id"): "visit_assignment",
    ("POST", "/visits", "body", "answers.*.photo_ids"): "new_photo",
    ("POST", "/visits/{visit_id}/revisions", "body", "answers.*.photo_ids"): "new_photo",
    ("POST", "/assignments", "body", "branch_id"): "branch",
    ("POST", "/assignments", "body", "auditor_id"): "user",
    ("PATCH", "/assignments/{assignment_id}", "body", "auditor_id"): "user",
    ("POST", "/visit-plans", "body", "area_id"): "area",
}

_REASONS = {
    "paging and filters of no object": (
        "page page_size q active country role state status completeness level granularity "
        "min_visits limit action object_type window_from window_to started_from started_to "
        "from to period lang version"
    ),
    "forms are published to everyone: a key names no scoped object": "form form_key key",
    "fields of a submitted visit or revision": (
        "started_at ended_at waiting_seconds answers.*.value answers.*.comment gps "
        "gps.latitude gps.longitude gps.accuracy_m device app_version client_uuid "
        "form_version revision_uuid"
    ),
    "fields of areas, branches and users": (
        "code name address city timezone locale latitude longitude target_score email password"
    ),
    "fields of plans, assignments and reviews": (
        "window_start window_end scenario cancelled visits_per_month first_month last_month "
        "lockout_days dry_run decision note content_type"
    ),
    "not an id: a signed upload token or a static file name": "token filename",
}
# name -> why it is not an id (the same name in any route and position).
NOT_IDS: dict[str, str] = {
    name: reason for reason, names in _REASONS.items() for name in names.split()
}
ID_LIKE = re.compile(r"(^|_)ids?$|^(area|branch|visit|photo|user|auditor|assignment|plan)$")


def classify(param: Param) -> str | None:
    """The family of an id parameter, "" for a parameter that is no id, None: unknown."""
    key = (param.method, param.path.removeprefix(API), param.position, param.name)
    if key in IDS:
        return IDS[key]
    leaf = param.name.rsplit(".", 1)[-1]
    if param.name in NOT_IDS or (leaf in NOT_IDS and leaf == param.name):
        return ""
    return None


# ---- the world -------------------------------------------------------------------------------


@dataclass
class World:
    """Ids of a small network with visits of every status; every foreign object carries a
    distinctive token in its name or comments, so a leak is a plain substring."""

    client: FlaskClient
    headers: dict[Role, dict[str, str]] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, list[str]] = field(default_factory=dict)  # object name -> its markers
    statuses: dict[int, VisitStatus] = field(default_factory=dict)  # world visits as built
    period: str = ""
    form: Any = None  # the branch-visit form, version 1
    other_headers: dict[str, dict[str, str]] = field(default_factory=dict)
    serial: Iterator[int] = field(default_factory=lambda: count(1))

    def __getattr__(self, name: str) -> int:
        if name.startswith("_") or name == "ids":
            raise AttributeError(name)
        try:
            return self.ids[name]
        except KeyError:
            raise AttributeError(name) from None

    # Which object each kind is, per role: own is in the role's scope, the others are not
    # (network roles see all three).
    def triple(self, family: str, role: Role) -> tuple[int, int, int]:
        regional = role == Role.REGIONAL_MANAGER
        match family:
            case "branch":
                return self.lodz_1, self.warsaw if regional else self.lodz_2, self.tromso
            case "area":
                return self.lodz, self.mazowieckie if regional else self.pabianicki, self.troms
            case "user":
                return self.auditor_a, self.auditor_b, self.auditor_n
            case "visit" | "photo":
                same = "warsaw" if regional else "lodz_2"
                names = ("v_lodz_1", f"v_{same}", "v_tromso")
                prefix = "photo_of_" if family == "photo" else ""
                return tuple(self.ids[prefix + name] for name in names)
            case "submitted_visit":
                return self.sub_lodz_1, self.sub_lodz_2, self.sub_tromso
            case "returned_visit":
                return self.ret_lodz_1, self.ret_lodz_2, self.ret_tromso
            case "reserved_photo":
                return self.reserved_a, self.reserved_b, self.reserved_n
            case "own_photo":
                return self.photo_of_v_lodz_1, self.photo_of_v_lodz_2, self.photo_of_v_tromso
            case "new_photo":
                own = self.new_photo() if role == Role.AUDITOR else self.reserved_a
                return own, self.photo_of_v_lodz_2, self.photo_of_v_tromso
            case "assignment":
                return self.asg_lodz_1, self.asg_lodz_2, self.asg_tromso
            case "visit_assignment":
                return self.asg_for_visit, self.asg_lodz_2, self.asg_tromso
            case "plan":
                return self.plan_lodz, self.plan_pabianice, self.plan_troms
        raise KeyError(family)

    def forbidden(self, role: Role) -> list[str]:
        """Markers of what the role must never see, in any response."""
        if role in NETWORK_ROLES:
            return []
        outside = "warsaw tromso mazowieckie norge troms"
        if role != Role.REGIONAL_MANAGER:  # scoped to lodz_1 alone
            outside += " lodz_2 pabianice pabianicki"
        names = outside.split()
        visits = [name for name in self.tokens if name.startswith(("v_", "sub_", "ret_"))]
        if role == Role.AUDITOR:
            names += ["auditor_b", "auditor_n", "auditor_s"]
            names += [name for name in visits if not name.endswith("lodz_1")]
        else:  # branch staff: approved visits in scope, never who made them
            names += ["auditor_a", "auditor_b", "auditor_n", "auditor_s"]
            seen = (
                ("v_lodz_1", "v_lodz_2", "v_pabianice")
                if role == Role.REGIONAL_MANAGER
                else ("v_lodz_1",)
            )
            names += [name for name in visits if name not in seen]
        return [token for name in names for token in self.tokens[name]]

    def new_photo(self, role: Role = Role.AUDITOR) -> int:
        """A complete photo of the role's auditor, uploaded through the API."""
        return upload_photo(self.client, self.headers[role])

    def restore(self) -> None:
        """Put back the status of the world's visits (reviews, revisions and deletions in the
        matrix change them)."""
        db.session.rollback()
        by_status: dict[VisitStatus, list[int]] = {}
        for visit_id, status in self.statuses.items():
            by_status.setdefault(status, []).append(visit_id)
        for status, visit_ids in by_status.items():
            db.session.execute(
                Visit.__table__.update()
                .where(
                    Visit.id.in_(visit_ids),
                    (Visit.status != status) | Visit.deleted_at.is_not(None),
                )
                .values(status=status, deleted_at=None)
            )
        db.session.commit()
        db.session.expire_all()


@cache
def jpeg() -> bytes:
    from tests.fixtures.corpus import jpeg as encode
    from tests.fixtures.corpus import solid

    return encode(solid((64, 48)))


def upload_photo(client: FlaskClient, headers: dict[str, str], complete: bool = True) -> int:
    reserved = client.post("/api/v1/photos", json={"content_type": "image/jpeg"}, headers=headers)
    assert reserved.status_code == 201, reserved.get_json()
    photo_id = reserved.get_json()["photo"]["id"]
    if not complete:
        return photo_id
    uploaded = client.put(
        f"/api/v1/photos/{photo_id}/content",
        data=jpeg(),
        content_type="image/jpeg",
        headers=headers,
    )
    assert uploaded.status_code == 204, uploaded.get_json()
    completed = client.post(f"/api/v1/photos/{photo_id}/complete", headers=headers)
    assert completed.status_code == 200, completed.get_json()
    return photo_id


def visit_answers(form, photo_id: int, token: str) -> dict[str, dict[str, Any]]:
    """Good answers, one failed with a marked comment, the free text marked, one photo."""
    from tests.server.api.conftest import best_answers

    answers = best_answers(form, [photo_id])
    answers["greeted_friendly"] = {"value": "no", "comment": f"Brak powitania {token}"}
    answers["overall_comment"] = {"value": f"Uwagi {token}"}
    return answers


def visit_body(world: World, form, branch_id: int, photo_id: int, token: str) -> dict[str, Any]:
    ended = utcnow() - timedelta(hours=1)
    return {
        "client_uuid": str(uuid.uuid4()),
        "branch_id": branch_id,
        "form_key": "branch-visit",
        "form_version": 1,
        "started_at": (ended - timedelta(minutes=25)).isoformat(),
        "ended_at": ended.isoformat(),
        "waiting_seconds": 30,
        "answers": visit_answers(form, photo_id, token),
    }


def build_world(client: FlaskClient, make_token: Callable[[User], dict[str, str]]) -> World:
    """PL > Łódzkie > Łódź: lodz_1, lodz_2; PL > Łódzkie > Pabianicki: pabianice;
    PL > Mazowieckie: warsaw; Norge > Troms: tromso. Auditor A audits lodz_1 only, B all of
    Poland, N Norway; each made an approved, a submitted and a returned visit."""
    from server.services import forms as form_service
    from server.services.forms import publish_forms
    from tests.conftest import _builtin_forms

    world = World(client)
    ids, tokens = world.ids, world.tokens

    def area(name: str, code: str, label: str, parent: str | None = None, token: str = ""):
        label = f"{label} {token}".strip()
        made = area_service.create_area(code, label, ids[parent] if parent else None)
        db.session.commit()
        ids[name] = made.id
        tokens[name] = [token, code] if token else []

    area("pl", "PL", "Polska")
    area("lodzkie", "PL/Łódzkie", "Łódzkie", "pl")
    area("lodz", "PL/Łódzkie/Łódź", "Łódź", "lodzkie", "XALODZX")
    area("pabianicki", "PL/Łódzkie/Pabianicki", "Pabianicki", "lodzkie", "XAPABX")
    area("mazowieckie", "PL/Mazowieckie", "Mazowieckie", "pl", "XAMAZX")
    area("norge", "NO", "Norge", None, "XANORGEX")
    tokens["norge"] = ["XANORGEX"]  # "NO" alone would match any text
    area("troms", "NO/Troms", "Troms", "norge", "XATROMSX")
    area("scratch_area", "PL/Roboczy", "Obszar roboczy", "pl")

    def branch(name: str, code: str, label: str, area_name: str, token: str, **extra):
        made = Branch(
            code=code,
            name=f"{label} {token}",
            address="ul. Piotrkowska 104",
            city="Łódź",
            country="PL",
            timezone="Europe/Warsaw",
            locale="pl",
            target_score=Decimal("85"),
            area_id=ids[area_name],
            **extra,
        )
        db.session.add(made)
        db.session.commit()
        ids[name] = made.id
        tokens[name] = [token, code] if token else []

    branch("lodz_1", "PL-LDZ-001", "Łódź Piotrkowska", "lodz", "XBLODZ1X")
    branch("lodz_2", "PL-LDZ-002", "Łódź Manufaktura", "lodz", "XBLODZ2X")
    branch("pabianice", "PL-LDZ-004", "Pabianice Zamkowa", "pabianicki", "XBPABX")
    branch("warsaw", "PL-WAW-001", "Warszawa Marszałkowska", "mazowieckie", "XBWAWX")
    branch("tromso", "NO-TOS-001", "Tromsø Storgata", "troms", "XBTROMSOX")
    branch("scratch_branch", "PL-TMP-001", "Oddział roboczy", "lodz", "")

    def user(name: str, role: Role, token: str = "", branches=(), areas=(), label: str = ""):
        made = User(
            email=f"{name}@idm.example.test",
            name=f"{label or name} {token}".strip(),
            password_hash="!",
            role=role,
            locale="en",
            branches=[db.session.get(Branch, ids[b]) for b in branches],
            areas=[db.session.get(Area, ids[a]) for a in areas],
        )
        db.session.add(made)
        db.session.commit()
        ids[name] = made.id
        tokens[name] = [token] if token else []
        return made

    for role, made in (
        (Role.ADMIN, user("admin", Role.ADMIN)),
        (Role.HQ, user("hq", Role.HQ)),
        (Role.REGIONAL_MANAGER, user("regional", Role.REGIONAL_MANAGER, areas=["lodzkie"])),
        (Role.BRANCH_MANAGER, user("manager", Role.BRANCH_MANAGER, branches=["lodz_1"])),
        (
            Role.AUDITOR,
            user("auditor_a", Role.AUDITOR, "XUANNAX", branches=["lodz_1"], label="Anna Nowak"),
        ),
    ):
        world.headers[role] = make_token(made)
    b_headers = make_token(user("auditor_b", Role.AUDITOR, "XUBARTX", areas=["pl"], label="Bartek"))
    n_headers = make_token(
        user("auditor_n", Role.AUDITOR, "XUHAKONX", areas=["norge"], label="Håkon Lie")
    )
    user("auditor_s", Role.AUDITOR, "XUSCRATCHX", areas=["pl"], label="Scratch")
    user("scratch_user", Role.BRANCH_MANAGER, label="Kierownik roboczy")
    world.other_headers = {"auditor_b": b_headers, "auditor_n": n_headers}

    assert not publish_forms(_builtin_forms()).problems
    db.session.commit()
    form = form_service.form_of(form_service.get_form_version("branch-visit", 1))

    hq = world.headers[Role.HQ]
    a_headers = world.headers[Role.AUDITOR]
    made_by = {"lodz_1": a_headers, "lodz_2": b_headers, "warsaw": b_headers, "tromso": n_headers}
    marks = {"lodz_1": "LODZ1", "lodz_2": "LODZ2", "warsaw": "WAW", "tromso": "TROMSO"}
    for status, prefix, places in (
        ("approve", "v", ("lodz_1", "lodz_2", "warsaw", "tromso")),
        (None, "sub", ("lodz_1", "lodz_2", "tromso")),
        ("return", "ret", ("lodz_1", "lodz_2", "tromso")),
    ):
        for place in places:
            name = f"{prefix}_{place}"
            token = f"XC{prefix.upper()}{marks[place]}X"
            photo_id = upload_photo(client, made_by[place])
            body = visit_body(world, form, ids[place], photo_id, token)
            made = client.post("/api/v1/visits", json=body, headers=made_by[place])
            assert made.status_code == 201, made.get_json()
            ids[name] = made.get_json()["id"]
            ids[f"photo_of_{name}"] = photo_id
            tokens[name] = [token]
            if status:
                decided = client.post(
                    f"/api/v1/visits/{ids[name]}/review",
                    json={"decision": status, "note": "Popraw proszę"},
                    headers=hq,
                )
                assert decided.status_code == 200, decided.get_json()
    world.statuses = {
        visit.id: visit.status for visit in db.session.scalars(db.select(Visit)).all()
    }
    started = db.session.get(Visit, ids["v_lodz_1"]).started_at
    world.period = started.strftime("%Y-%m")
    world.form = form

    ids["reserved_a"] = upload_photo(client, a_headers, complete=False)
    ids["reserved_b"] = upload_photo(client, b_headers, complete=False)
    ids["reserved_n"] = upload_photo(client, n_headers, complete=False)

    now = utcnow()
    for name, area_name in (
        ("plan_lodz", "lodz"),
        ("plan_pabianice", "lodzkie"),
        ("plan_troms", "troms"),
    ):
        plan = VisitPlan(
            area_id=ids[area_name],
            form_key="branch-visit",
            visits_per_month=1,
            first_month=world.period,
            last_month=world.period,
            lockout_days=90,
            created_by_id=ids["hq"],
        )
        db.session.add(plan)
        db.session.commit()
        ids[name] = plan.id
    for name, branch_name, auditor, plan in (
        ("asg_lodz_1", "lodz_1", "auditor_a", "plan_lodz"),
        ("asg_lodz_2", "lodz_2", "auditor_b", "plan_pabianice"),
        ("asg_tromso", "tromso", "auditor_n", "plan_troms"),
        ("asg_for_visit", "lodz_1", "auditor_a", None),
        ("scratch_assignment", "lodz_1", "auditor_s", None),
    ):
        assignment = Assignment(
            plan_id=ids[plan] if plan else None,
            branch_id=ids[branch_name],
            form_key="branch-visit",
            auditor_id=ids[auditor],
            window_start=now,
            window_end=now + timedelta(days=30),
            scenario="Zapytaj o kredyt",
            created_by_id=ids["hq"],
        )
        db.session.add(assignment)
        db.session.commit()
        ids[name] = assignment.id
    return world


# ---- reading responses -----------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_pdf_texts: dict[bytes, str] = {}


def readable_text(response) -> str:
    """Everything a caller can read in a response: headers and body, PDFs and workbooks as
    their text."""
    data = response.get_data()
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    if response.mimetype == "application/pdf" and data:
        if data not in _pdf_texts:
            facts = read_pdf(data)
            _pdf_texts[data] = "\n".join([facts.text, facts.flat_text, *facts.metadata.values()])
        body = _pdf_texts[data]
    elif response.mimetype == XLSX:
        book = load_workbook(io.BytesIO(data), read_only=True)
        body = "\n".join(
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
        book.close()
    elif response.mimetype.startswith("image/"):
        body = data.decode("latin-1")
    else:
        body = data.decode("utf-8-sig", errors="replace")
    return headers + "\n" + body


def comparable(response, object_id: int) -> tuple:
    """Status, type, body and paging of a response with the id asked for made a placeholder."""

    def masked(text: str | None) -> str | None:
        if text is None:
            return None
        return re.sub(rf"(?<!\d){object_id}(?!\d)", "<id>", text)

    return (
        response.status_code,
        response.mimetype,
        masked(response.get_data(as_text=True)),
        masked(response.headers.get("X-Pagination")),
    )
