"""The monthly score sums (server/models/rollup.py), and the quarterly and yearly ones, stay equal
to a recomputation from the visits through every change of a visit's life: approve, return,
reject, revision, delete, purge.

Visits go through the API, as the phones and reviewers send them; after each step the kept rows
are compared with the rows `rollup.rebuild` computes from scratch.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from server.models import (
    MonthlyScore,
    MonthlySectionScore,
    PeriodScore,
    PeriodSectionScore,
    Visit,
    VisitStatus,
    rollup,
)
from server.services import retention


@pytest.fixture
def auditor_headers(world, auth_header):
    return auth_header(world.auditor)


@pytest.fixture
def hq_headers(world, auth_header):
    return auth_header(world.hq)


@pytest.fixture
def submitted(client, auditor_headers, visit_body, make_photo):
    def make(started: datetime, **overrides):
        body = visit_body(
            [make_photo(auditor_headers)],
            started_at=started.isoformat(),
            ended_at=(started + timedelta(minutes=25)).isoformat(),
            **overrides,
        )
        response = client.post("/api/v1/visits", json=body, headers=auditor_headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"], body

    return make


@pytest.fixture
def decide(client, hq_headers):
    def decide(visit_id: int, decision: str) -> None:
        note = "" if decision == "approve" else "Proszę poprawić."
        response = client.post(
            f"/api/v1/visits/{visit_id}/review",
            headers=hq_headers,
            json={"decision": decision, "note": note},
        )
        assert response.status_code == 200, response.get_json()

    return decide


def kept_rows(db) -> tuple[list, list]:
    db.session.expire_all()
    scores = db.session.execute(
        select(
            MonthlyScore.month,
            MonthlyScore.branch_id,
            MonthlyScore.form_version_id,
            MonthlyScore.visits,
            MonthlyScore.score_units,
            MonthlyScore.square_units,
        ).order_by(MonthlyScore.month, MonthlyScore.branch_id, MonthlyScore.form_version_id)
    ).all()
    sections = db.session.execute(
        select(
            MonthlySectionScore.month,
            MonthlySectionScore.branch_id,
            MonthlySectionScore.form_version_id,
            MonthlySectionScore.section_key,
            MonthlySectionScore.visits,
            MonthlySectionScore.percent_units,
        ).order_by(
            MonthlySectionScore.month,
            MonthlySectionScore.branch_id,
            MonthlySectionScore.form_version_id,
            MonthlySectionScore.section_key,
        )
    ).all()
    return [tuple(row) for row in scores], [tuple(row) for row in sections]


def period_rows(db) -> tuple[list, list]:
    """The quarterly and yearly rows: scores, sections."""
    kept = []
    for table in (PeriodScore, PeriodSectionScore):
        columns = list(table.__table__.columns)
        kept.append([tuple(row) for row in db.session.execute(select(*columns).order_by(*columns))])
    return kept[0], kept[1]


def periods(db) -> dict[tuple[str, date, int], int]:
    """(kind, start, branch_id) -> approved visits counted."""
    return {
        (kind, start, branch_id): n for kind, start, branch_id, _, n, _, _ in period_rows(db)[0]
    }


def assert_fresh(db) -> tuple[list, list]:
    """The kept rows (of months, quarters and years) equal those recomputed from the visits;
    returns the months'."""
    kept, kept_periods = kept_rows(db), period_rows(db)
    rollup.rebuild(db.session)
    assert kept_rows(db) == kept
    assert period_rows(db) == kept_periods
    db.session.rollback()  # go on with the rows as the application kept them
    return kept


def months(rows: tuple[list, list]) -> dict[tuple[date, int], int]:
    """(month, branch_id) -> approved visits counted."""
    return {(month, branch_id): n for month, branch_id, _, n, _, _ in rows[0]}


OCTOBER = datetime(2026, 10, 14, 9, 0, tzinfo=UTC)
SEPTEMBER = datetime(2026, 9, 30, 23, 50, tzinfo=UTC)


def test_sums_follow_a_visit_through_review_revision_delete_and_purge(
    db, world, client, submitted, decide, auditor_headers, hq_headers
):
    branch = world.lodz_1.id
    approved, _ = submitted(OCTOBER)
    returned, body = submitted(OCTOBER + timedelta(days=1))
    rejected, _ = submitted(OCTOBER + timedelta(days=2))
    assert assert_fresh(db) == ([], [])  # submitted visits do not count

    decide(approved, "approve")
    decide(returned, "return")
    decide(rejected, "reject")
    rows = assert_fresh(db)
    assert months(rows) == {(date(2026, 10, 1), branch): 1}
    (_, _, _, n, total, squares) = rows[0][0]
    assert (n, total, squares) == (1, 100 * 10**4, 100**2 * 10**8)  # whole units
    assert {key for _, _, _, key, _, _ in rows[1]}  # the sections are summed too

    # The corrected revision moves the visit to September (UTC) and fails a question.
    answers = dict(body["answers"], greeted_friendly={"value": "no"})
    revision = {
        "revision_uuid": str(uuid.uuid4()),
        "started_at": SEPTEMBER.isoformat(),
        "ended_at": (SEPTEMBER + timedelta(minutes=25)).isoformat(),
        "waiting_seconds": 30,
        "answers": answers,
        "gps": body["gps"],
    }
    revised = client.post(
        f"/api/v1/visits/{returned}/revisions", json=revision, headers=auditor_headers
    )
    assert revised.status_code == 201, revised.get_json()
    assert months(assert_fresh(db)) == {(date(2026, 10, 1), branch): 1}

    decide(returned, "approve")
    rows = assert_fresh(db)
    assert months(rows) == {(date(2026, 9, 1), branch): 1, (date(2026, 10, 1), branch): 1}
    assert rows[0][0][4] < 100 * 10**4  # September's visit lost points
    assert periods(db) == {
        ("quarter", date(2026, 7, 1), branch): 1,
        ("quarter", date(2026, 10, 1), branch): 1,
        ("year", date(2026, 1, 1), branch): 2,
    }

    assert client.delete(f"/api/v1/visits/{approved}", headers=hq_headers).status_code == 204
    assert months(assert_fresh(db)) == {(date(2026, 9, 1), branch): 1}
    assert periods(db) == {
        ("quarter", date(2026, 7, 1), branch): 1,
        ("year", date(2026, 1, 1), branch): 1,
    }

    # Purging personal data keeps every score, so every sum.
    before = kept_rows(db)
    retention.purge(now=datetime.now(UTC) + timedelta(days=3650))
    db.session.commit()
    assert assert_fresh(db) == before


def test_sums_are_current_within_a_transaction(db, world, submitted):
    """The comparison reads sums settled from the session's own uncommitted changes."""
    visit_id, _ = submitted(OCTOBER)
    visit = db.session.get(Visit, visit_id)
    visit.status = VisitStatus.APPROVED
    rollup.settle(db.session)
    assert months(kept_rows(db)) == {(date(2026, 10, 1), world.lodz_1.id): 1}

    visit.started_at = SEPTEMBER  # moved while approved: leaves October, enters September
    rollup.settle(db.session)
    assert months(kept_rows(db)) == {(date(2026, 9, 1), world.lodz_1.id): 1}
    db.session.commit()
    assert months(assert_fresh(db)) == {(date(2026, 9, 1), world.lodz_1.id): 1}

    db.session.delete(db.session.get(Visit, visit_id))  # even a hard delete
    db.session.commit()
    assert assert_fresh(db) == ([], [])
