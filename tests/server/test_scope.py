from sqlalchemy import select

from server.models import Area, Branch, Role
from server.scope import area_filter, branch_filter


def visible_codes(db, user):
    return set(db.session.scalars(select(Branch.code).where(branch_filter(user))))


def visible_area_codes(db, user):
    return set(db.session.scalars(select(Area.code).where(area_filter(user))))


def test_network_roles_see_every_branch(db, world):
    every = {branch.code for branch in world.branches}
    assert visible_codes(db, world.admin) == every
    assert visible_codes(db, world.hq) == every


def test_an_area_grants_its_whole_subtree_and_nothing_beside_it(db, world):
    assert visible_codes(db, world.regional) == {"PL-LDZ-001", "PL-LDZ-002", "PL-LDZ-004"}


def test_a_branch_manager_sees_only_their_branch(db, world):
    assert visible_codes(db, world.manager) == {"PL-LDZ-001"}


def test_direct_branches_and_areas_combine(db, world, make_user):
    user = make_user(Role.AUDITOR, branches=[world.tromso], areas=[world.mazowieckie])
    assert visible_codes(db, user) == {"NO-TOS-001", "PL-WAW-001"}


def test_a_user_without_scope_sees_nothing(db, world, make_user):
    assert visible_codes(db, make_user(Role.BRANCH_MANAGER)) == set()


def test_area_codes_sharing_a_prefix_are_not_confused(db, make_area, make_branch, make_user):
    # Paths are "/<id>/..."; area 1 must not grant area 12 (a textual prefix of ids).
    areas = [make_area(f"X{i}") for i in range(13)]
    inside = make_branch(area=areas[1])
    make_branch(area=areas[12])
    user = make_user(Role.REGIONAL_MANAGER, areas=[areas[1]])
    assert visible_codes(db, user) == {inside.code}


def test_areas_visible_are_the_subtree_and_the_ancestors_of_visible_branches(db, world):
    assert visible_area_codes(db, world.regional) == {
        "PL",
        "PL/Łódzkie",
        "PL/Łódzkie/Łódź",
        "PL/Łódzkie/Pabianicki",
    }
    assert visible_area_codes(db, world.manager) == {"PL", "PL/Łódzkie", "PL/Łódzkie/Łódź"}
