"""The demo network: branches in five countries, users of every role with known passwords."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from server.models import Role, User
from server.services import areas, branches, users
from server.services.imports import ImportReport, import_branches

BRANCHES_CSV = Path(__file__).resolve().parent.parent / "demo" / "branches.csv"
DEMO_PASSWORD = "demo-pass-2026"


@dataclass(frozen=True)
class DemoUser:
    email: str
    name: str
    role: Role
    locale: str
    branch_codes: tuple[str, ...] = ()
    area_codes: tuple[str, ...] = ()


DEMO_USERS = (
    DemoUser("admin@demo.example", "Ada Admin", Role.ADMIN, "en"),
    DemoUser("hq@demo.example", "Hana Kovářová", Role.HQ, "cs"),
    DemoUser(
        "regional.lodz@demo.example",
        "Zofia Wiśniewska",
        Role.REGIONAL_MANAGER,
        "pl",
        area_codes=("PL/Łódzkie",),
    ),
    DemoUser(
        "regional.norway@demo.example",
        "Øystein Bråten",
        Role.REGIONAL_MANAGER,
        "nb",
        area_codes=("NO",),
    ),
    DemoUser(
        "manager.lodz@demo.example",
        "Łukasz Żółkiewski",
        Role.BRANCH_MANAGER,
        "pl",
        branch_codes=("PL-LDZ-001",),
    ),
    DemoUser(
        "manager.tromso@demo.example",
        "Åse Sørensen",
        Role.BRANCH_MANAGER,
        "nb",
        branch_codes=("NO-TOS-001",),
    ),
    DemoUser(
        "manager.gyor@demo.example",
        "Gergő Szőke",
        Role.BRANCH_MANAGER,
        "hu",
        branch_codes=("HU-GYR-001",),
    ),
    DemoUser(
        "auditor.pl@demo.example", "Agnieszka Kowalczyk", Role.AUDITOR, "pl", area_codes=("PL",)
    ),
    DemoUser(
        "auditor.lodz@demo.example", "Tomasz Wójcik", Role.AUDITOR, "pl", area_codes=("PL/Łódzkie",)
    ),
    DemoUser("auditor.cz@demo.example", "Jiří Dvořák", Role.AUDITOR, "cs", area_codes=("CZ",)),
    DemoUser("auditor.hu@demo.example", "Réka Tóth", Role.AUDITOR, "hu", area_codes=("HU",)),
    DemoUser("auditor.lt@demo.example", "Rūta Žemaitytė", Role.AUDITOR, "lt", area_codes=("LT",)),
    DemoUser("auditor.no@demo.example", "Håkon Lie", Role.AUDITOR, "nb", area_codes=("NO",)),
)


def load_demo_network() -> tuple[ImportReport, list[User]]:
    """Create or refresh the demo data; running it again changes nothing but passwords."""
    with BRANCHES_CSV.open(encoding="utf-8", newline="") as stream:
        report = import_branches(stream)
    if report.problems:
        raise RuntimeError("the demo branches are invalid: " + "; ".join(report.problems))
    demo_users = [_upsert_user(spec) for spec in DEMO_USERS]
    return report, demo_users


def _upsert_user(spec: DemoUser) -> User:
    data = {
        "email": spec.email,
        "name": spec.name,
        "role": spec.role,
        "locale": spec.locale,
        "password": DEMO_PASSWORD,
        "branch_ids": [branches.get_branch_by_code(code).id for code in spec.branch_codes],
        "area_ids": [areas.get_area_by_code(code).id for code in spec.area_codes],
    }
    existing = users.get_user_by_email(spec.email)
    if existing is None:
        return users.create_user(data)
    return users.update_user(existing, {**data, "active": True})
