"""HQ comparison through the API: hand-computed league tables, trends, heat map, weakest
questions and the exports, each within the caller's scope.

Visits are stored directly (no HTTP submission), consistent with the stored-score model: either
every section at one percent (so the visit's weighted score is that percent), chosen section
percents with the visit score as their weighted mean, or real answers scored by audit_forms.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import marshmallow as ma
import pytest
from openpyxl import load_workbook

from audit_forms import Answer, Form, score_visit
from audit_forms.decimals import quantize
from reports.data import Period
from server.api.comparison.schemas import (
    ComparisonSchema,
    HeatmapSchema,
    TrendArgsSchema,
    TrendSchema,
    WeakestQuestionsSchema,
)
from server.api.fastdump import FastDumpSchema
from server.models import Branch, Role, Visit, VisitSectionScore, VisitStatus
from server.services import comparison, forms
from server.services.statistics import NONE
from server.services.visits import store_scores
from tests.reports.pdfs import read_pdf
from tests.server.api.conftest import best_answers

OCTOBER = "2026-10-15T10:00:00+00:00"
SEPTEMBER = "2026-09-15T10:00:00+00:00"

# --- factories ---------------------------------------------------------------------------------


@pytest.fixture
def visit(world, db, branch_visit_form) -> Callable[..., Visit]:
    """Store one visit of the branch-visit form.

    visit(branch, 80): every section at 80 %, so the visit scores 80 %.
    visit(branch, 100, sections={"knowledge": 50}): those sections differ; the visit's score is
    the weighted mean of its sections, as audit_forms computes it.
    visit(branch, answers={"greeted_friendly": "no"}): the best answers with these changed,
    scored by audit_forms and stored with every answer.
    """
    stored_form = forms.get_form_version("branch-visit", 1)

    def make(
        branch: Branch,
        score: int | str | None = None,
        *,
        at: str = OCTOBER,
        status: VisitStatus = VisitStatus.APPROVED,
        sections: Mapping[str, int | str] | None = None,
        answers: Mapping[str, Any] | None = None,
        deleted: bool = False,
        commit: bool = True,
    ) -> Visit:
        started = datetime.fromisoformat(at)
        row = Visit(
            client_uuid=str(uuid.uuid4()),
            content_fingerprint="0" * 64,
            auditor_id=world.auditor.id,
            branch_id=branch.id,
            form_version_id=stored_form.id,
            started_at=started,
            ended_at=started + timedelta(minutes=20),
            status=status,
            score_percent=Decimal(0),
            score_earned=Decimal(0),
            score_possible=Decimal(0),
            deleted_at=started + timedelta(days=1) if deleted else None,
        )
        db.session.add(row)
        db.session.flush()
        if answers is not None:
            _store_answers(row, branch_visit_form, answers)
        else:
            _store_sections(row, branch_visit_form, Decimal(score), sections or {})
        if commit:
            db.session.commit()
        return row

    return make


def _store_sections(
    row: Visit, form: Form, score: Decimal, chosen: Mapping[str, int | str]
) -> None:
    weighted = weights = earned = possible = Decimal(0)
    for position, section in enumerate(form.sections):
        percent = Decimal(chosen.get(section.key, score))
        points = sum(q.points for q in section.questions if q.points is not None)
        db_row = VisitSectionScore(
            visit_id=row.id,
            position=position,
            section_key=section.key,
            weight=section.weight,
            earned=quantize(points * percent / 100),
            possible=points,
            percent=percent,
        )
        row.section_scores.append(db_row)
        weighted += section.weight * percent
        weights += section.weight
        earned += db_row.earned
        possible += points
    row.score_percent = quantize(weighted / weights)
    row.score_earned, row.score_possible = earned, possible


def _store_answers(row: Visit, form: Form, changed: Mapping[str, Any]) -> None:
    values = {key: answer["value"] for key, answer in best_answers(form).items()}
    values["premises_clean_tidy"] = "yes"
    values.update(changed)
    # Photo ids only satisfy "photo required"; no photo rows are needed for scores.
    answers = {
        key: Answer(value, None, (1,) if form.question(key).photo_required else ())
        for key, value in values.items()
    }
    score = score_visit(form, answers)
    row.score_percent, row.score_earned = score.percent, score.earned
    row.score_possible, row.critical_failed = score.possible, bool(score.critical_failures)
    store_scores(row, form, score, answers)


@pytest.fixture
def league(world, visit, db):
    """October 2026, by hand (pooled visit variance 80 on 5 df, t(0.975, 5) = 2.5706):

    branch      visits        mean  sd  interval          group  weight  adjusted  rank
    PL-LDZ-001  80, 90, 100   90    10  65.1586-100       Łódź   0.4667  87.3333   1
    PL-LDZ-002  70, 80, 90    80    10  55.1586-100       Łódź   0.4667  82.6667   2
    NO-TOS-001  60            60    -   37.0080-82.9920   alone  1       60        3
    PL-LDZ-004  40, 40        40    0   40-40             alone  1       40        4
    PL-WAW-001  none                                                             -

    Łódź: mean 85; tau² = (3*5² + 3*5² - 80) / (6 - 18/6) = 23.3333, weight 23.33 / (23.33 +
    80/3). Median of the means 80, 90, 60, 40: 70. PL-LDZ-001 had 70 and 80 in September.
    Visits that must not count: not approved, deleted, or outside October.
    """
    add = functools.partial(visit, commit=False)
    for score in (80, 90, 100):
        add(world.lodz_1, score)
    for score in (70, 80, 90):
        add(world.lodz_2, score)
    add(world.tromso, 60)
    add(world.pabianice, 40)
    add(world.pabianice, 40)
    add(world.lodz_1, 70, at=SEPTEMBER)
    add(world.lodz_1, 80, at=SEPTEMBER)
    for status in (VisitStatus.SUBMITTED, VisitStatus.RETURNED, VisitStatus.REJECTED):
        add(world.lodz_1, 0, status=status)
        add(world.warsaw, 0, status=status)
    add(world.lodz_1, 0, deleted=True)
    add(world.warsaw, 0, deleted=True)
    add(world.warsaw, 0, at="2026-11-01T00:00:00+00:00")
    add(world.warsaw, 0, at="2026-08-31T23:59:59+00:00")
    db.session.commit()
    return world


def get(client, headers, path: str, **query):
    return client.get(path, query_string=query, headers=headers)


def rows_by_code(body: dict) -> dict[str, dict]:
    return {row["code"]: row for row in body["rows"]}


# --- the league table --------------------------------------------------------------------------


def test_the_league_table_by_hand(client, league, auth_header):
    response = get(client, auth_header(league.hq), "/api/v1/comparison", period="2026-10")

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [(row["code"], row["rank"]) for row in body["rows"]] == [
        ("PL-LDZ-001", 1),
        ("PL-LDZ-002", 2),
        ("NO-TOS-001", 3),
        ("PL-LDZ-004", 4),
        ("PL-WAW-001", None),
    ]
    rows = rows_by_code(body)
    first = rows["PL-LDZ-001"]
    assert first["visits"] == 3
    assert (first["mean"], first["std_dev"]) == ("90.0000", "10.0000")
    assert (first["interval_low"], first["interval_high"]) == ("65.1586", "100.0000")
    assert (first["group_mean"], first["own_weight"]) == ("85.0000", "0.4667")
    assert first["shrunk_mean"] == "87.3333"
    assert (first["previous_mean"], first["change"]) == ("75.0000", "15.0000")
    assert (first["target"], first["target_met"]) == ("85.0000", True)
    assert first["area"] == {"id": league.lodz.id, "code": "PL/Łódzkie/Łódź", "name": "Łódź"}
    assert first["name"] == "Łódź Piotrkowska"
    assert rows["PL-LDZ-002"]["shrunk_mean"] == "82.6667"
    assert rows["PL-LDZ-002"]["change"] is None
    assert rows["PL-LDZ-002"]["target_met"] is False
    assert body["median"] == "70.0000"


def test_a_single_visit_borrows_the_pooled_spread(client, league, auth_header):
    body = get(client, auth_header(league.hq), "/api/v1/comparison", period="2026-10").get_json()
    once = rows_by_code(body)["NO-TOS-001"]

    assert once["interval_borrowed"] is True and once["std_dev"] is None
    assert (once["interval_low"], once["interval_high"]) == ("37.0080", "82.9920")
    assert once["shrunk_mean"] == once["mean"] == "60.0000"  # alone in its area


def test_shrinkage_pulls_toward_the_area_mean(client, league, auth_header):
    rows = rows_by_code(
        get(client, auth_header(league.hq), "/api/v1/comparison", period="2026-10").get_json()
    )

    high, low = rows["PL-LDZ-001"], rows["PL-LDZ-002"]
    assert Decimal(high["mean"]) > Decimal(high["shrunk_mean"]) > Decimal(high["group_mean"])
    assert Decimal(low["mean"]) < Decimal(low["shrunk_mean"]) < Decimal(low["group_mean"])


def test_flags_too_few_visits_and_the_median(client, league, auth_header):
    rows = rows_by_code(
        get(client, auth_header(league.hq), "/api/v1/comparison", period="2026-10").get_json()
    )

    assert [rows[code]["too_few_visits"] for code in sorted(rows)] == [
        True,  # NO-TOS-001: 1 visit
        False,
        False,
        True,  # PL-LDZ-004: 2 visits
        True,  # PL-WAW-001: none
    ]
    # 40-40 lies wholly below the median 70; every other interval holds it.
    assert rows["PL-LDZ-004"]["distinguishable_from_median"] is True
    assert rows["PL-LDZ-004"]["interval_low"] == rows["PL-LDZ-004"]["interval_high"] == "40.0000"
    assert rows["PL-LDZ-001"]["distinguishable_from_median"] is False
    assert rows["NO-TOS-001"]["distinguishable_from_median"] is False
    assert rows["PL-WAW-001"]["distinguishable_from_median"] is None


def test_branches_without_visits_appear_with_none(client, league, auth_header):
    rows = rows_by_code(
        get(client, auth_header(league.hq), "/api/v1/comparison", period="2026-10").get_json()
    )

    empty = rows["PL-WAW-001"]  # its only visits are not approved, deleted or outside October
    assert empty["visits"] == 0
    assert empty["mean"] is empty["rank"] is empty["interval_low"] is None
    assert empty["section_means"] == [None] * 8


def test_min_visits_moves_the_flag_only(client, league, auth_header):
    body = get(
        client, auth_header(league.hq), "/api/v1/comparison", period="2026-10", min_visits=4
    ).get_json()

    assert body["ranking"] == {
        "method": "empirical_bayes_shrinkage",
        "ranked_by": "shrunk_mean",
        "shrunk_toward": "area",
        "min_visits": 4,
        "confidence": 0.95,
    }
    assert all(row["too_few_visits"] for row in body["rows"])
    assert [row["rank"] for row in body["rows"]] == [1, 2, 3, 4, None]


def test_ties_share_a_rank_and_skip_the_next(client, world, visit, auth_header):
    for branch in (world.pabianice, world.warsaw):  # each alone in its area: not shrunk
        visit(branch, 80)
        visit(branch, 90)
    visit(world.tromso, 95)
    visit(world.tromso, 95)
    visit(world.lodz_1, 50)

    body = get(client, auth_header(world.hq), "/api/v1/comparison", period="2026-10").get_json()

    assert [(r["code"], r["rank"], r["rank_tied"]) for r in body["rows"] if r["rank"]] == [
        ("NO-TOS-001", 1, False),
        ("PL-LDZ-004", 2, True),
        ("PL-WAW-001", 2, True),
        ("PL-LDZ-001", 4, False),
    ]


def test_section_means_are_averages_per_section(client, world, visit, auth_header):
    visit(world.lodz_1, 100, sections={"knowledge": 50, "waiting": 0})
    visit(world.lodz_1, 80)

    body = get(client, auth_header(world.hq), "/api/v1/comparison", period="2026-10").get_json()

    keys = [section["key"] for section in body["sections"]]
    assert keys == [
        "arrival",
        "waiting",
        "needs",
        "knowledge",
        "politeness",
        "closing",
        "premises",
        "overall",
    ]
    means = dict(zip(keys, rows_by_code(body)["PL-LDZ-001"]["section_means"], strict=True))
    assert means["arrival"] == "90.0000"
    assert means["knowledge"] == "65.0000"
    assert means["waiting"] == "40.0000"
    # The visit's score is the weighted mean of its sections: (7.5 * 100 + 2 * 50 + 0) / 10.5.
    assert rows_by_code(body)["PL-LDZ-001"]["mean"] == str(quantize((Decimal("80.9524") + 80) / 2))


def test_section_titles_follow_lang(client, league, auth_header):
    body = get(
        client, auth_header(league.hq), "/api/v1/comparison", period="2026-10", lang="pl"
    ).get_json()

    assert body["language"] == "pl"
    assert body["form"] == {"key": "branch-visit", "title": "Wizyta w placówce"}
    assert body["sections"][0] == {"key": "arrival", "title": "Wejście i powitanie"}


def test_a_visit_counts_in_the_month_of_its_start_in_utc(client, world, visit, auth_header):
    visit(world.lodz_1, 90, at="2026-10-31T23:30:00+00:00")
    visit(world.lodz_1, 70, at="2026-11-01T00:30:00+02:00")  # 31 October, 22:30 UTC
    visit(world.lodz_1, 10, at="2026-11-01T00:00:00+00:00")

    body = get(client, auth_header(world.hq), "/api/v1/comparison", period="2026-10").get_json()

    assert rows_by_code(body)["PL-LDZ-001"]["visits"] == 2
    assert rows_by_code(body)["PL-LDZ-001"]["mean"] == "80.0000"


@pytest.mark.parametrize(("period", "visits"), [("2026-Q4", 3), ("2026", 5), ("2026-09", 2)])
def test_quarters_and_years(client, league, auth_header, period, visits):
    body = get(client, auth_header(league.hq), "/api/v1/comparison", period=period).get_json()

    assert rows_by_code(body)["PL-LDZ-001"]["visits"] == visits
    assert body["period"]["key"] == period


def test_the_envelope_names_the_periods(client, league, auth_header):
    body = get(client, auth_header(league.hq), "/api/v1/comparison", period="2026-Q4").get_json()

    assert body["period"] == {
        "key": "2026-Q4",
        "kind": "quarter",
        "start": "2026-10-01",
        "end": "2026-12-31",
    }
    assert body["previous_period"]["key"] == "2026-Q3"
    assert body["level"] == "branch"
    assert body["area"] is None and body["scope"] is None


def test_areas_as_rows(client, league, auth_header):
    body = get(
        client, auth_header(league.hq), "/api/v1/comparison", period="2026-10", level="area"
    ).get_json()

    rows = rows_by_code(body)
    assert set(rows) == {"PL", "NO"}
    assert rows["PL"]["visits"] == 3 + 3 + 2
    assert rows["PL"]["mean"] == str(quantize(Decimal(80 + 90 + 100 + 70 + 80 + 90 + 80) / 8))
    assert rows["PL"]["area"] is None and rows["PL"]["target"] is None
    assert body["ranking"]["shrunk_toward"] == "parent"


def test_child_areas_of_an_area(client, league, auth_header):
    body = get(
        client,
        auth_header(league.hq),
        "/api/v1/comparison",
        period="2026-10",
        level="area",
        area=league.lodzkie.id,
    ).get_json()

    rows = rows_by_code(body)
    assert set(rows) == {"PL/Łódzkie/Łódź", "PL/Łódzkie/Pabianicki"}
    assert rows["PL/Łódzkie/Łódź"]["visits"] == 6
    assert rows["PL/Łódzkie/Pabianicki"]["mean"] == "40.0000"
    assert body["area"]["name"] == "Łódzkie" and body["scope"] == "Łódzkie"


def test_branches_of_an_area(client, league, auth_header):
    body = get(
        client, auth_header(league.hq), "/api/v1/comparison", period="2026-10", area=league.pl.id
    ).get_json()

    assert set(rows_by_code(body)) == {"PL-LDZ-001", "PL-LDZ-002", "PL-LDZ-004", "PL-WAW-001"}


def test_an_inactive_branch_appears_only_with_visits(client, league, auth_header, db):
    league.warsaw.active = False
    league.lodz_2.active = False
    db.session.commit()

    body = get(client, auth_header(league.hq), "/api/v1/comparison", period="2026-10").get_json()

    assert "PL-WAW-001" not in rows_by_code(body)
    assert "PL-LDZ-002" in rows_by_code(body)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "period"),
        ({"period": "2026-13"}, "period"),
        ({"period": "October"}, "period"),
        ({"period": "2026-10", "level": "country"}, "level"),
        ({"period": "2026-10", "min_visits": 0}, "min_visits"),
        ({"period": "2026-10", "form": "no-such-form"}, "form"),
        ({"period": "2026-10", "colour": "red"}, "colour"),
        ({"period": "2026-10", "area": 2**31}, "area"),
    ],
)
def test_bad_arguments_are_422_naming_the_field(client, world, auth_header, query, field):
    response = get(client, auth_header(world.hq), "/api/v1/comparison", **query)

    assert response.status_code == 422
    assert field in str(response.get_json()["errors"])


def test_the_fast_dump_equals_marshmallows(world, league, app):
    october = Period.parse("2026-10")
    dumped = [
        (ComparisonSchema, comparison.compare(world.hq, october, level=comparison.Level.AREA)),
        (ComparisonSchema, comparison.compare(world.hq, october)),
        (HeatmapSchema, comparison.heatmap(world.hq, october)),
        (WeakestQuestionsSchema, comparison.weakest_questions(world.hq, october)),
        (
            TrendSchema,
            comparison.trend(
                world.hq,
                branch_id=world.lodz_1.id,
                first=october.start,
                last=october.start,
                granularity=comparison.Granularity.QUARTER,
            ),
        ),
    ]
    for schema, result in dumped:
        assert schema().dump(result) == ma.Schema.dump(schema(), result), schema.__name__


@pytest.mark.parametrize("period", ["2026-10", "2026-08", "2026"])
@pytest.mark.parametrize("min_visits", [0, 3])
def test_the_columns_dump_as_the_rows_do(world, league, app, period, min_visits):
    """The rows written a column at a time equal marshmallow's dump of the row objects:
    with visits, without any (August), over a year, with every row flagged or none."""
    table = comparison.compare(world.hq, Period.parse(period), min_visits=min_visits)

    assert ComparisonSchema().dump(table) == ma.Schema.dump(ComparisonSchema(), table)


def test_section_means_a_section_never_applied_in_is_none():
    sections = comparison._SectionTable.of([(7, 900_000, 2, None, 0), (3, None, 0, 1, 1)], 2)

    means, counts = sections.aligned([3, 5, 7])

    assert means.tolist() == [[NONE, 1], [NONE, NONE], [900_000, NONE]]
    assert counts.tolist() == [[0, 1], [0, 0], [2, 0]]


# --- scope -------------------------------------------------------------------------------------

SCOPED_PATHS = (
    "/api/v1/comparison",
    "/api/v1/comparison.csv",
    "/api/v1/comparison.xlsx",
    "/api/v1/comparison.pdf",
    "/api/v1/heatmap",
    "/api/v1/weakest-questions",
)


def test_a_regional_manager_sees_only_their_area_everywhere(client, league, auth_header):
    headers = auth_header(league.regional)
    for path in SCOPED_PATHS:
        response = get(client, headers, path, period="2026-10")

        assert response.status_code == 200, path
        text = _text(path, response)
        assert "Tromsø" not in text and "NO-TOS-001" not in text, path
        assert "Warszawa" not in text, path
        if path != "/api/v1/weakest-questions":
            assert "Łódź Piotrkowska" in text, path


def _text(path: str, response) -> str:
    if path.endswith(".pdf"):
        return read_pdf(response.data).text
    if path.endswith(".xlsx"):
        return repr([list(sheet.values) for sheet in load_workbook(io.BytesIO(response.data))])
    if path.endswith(".csv"):
        return response.data.decode("utf-8-sig")
    return json.dumps(response.get_json(), ensure_ascii=False)


@pytest.mark.parametrize("area", ["troms", "mazowieckie"])
def test_an_area_outside_the_scope_is_404_like_a_missing_one(client, world, auth_header, area):
    headers = auth_header(world.regional)
    for path in SCOPED_PATHS:
        outside = get(client, headers, path, period="2026-10", area=getattr(world, area).id)
        missing = get(client, headers, path, period="2026-10", area=987654)

        assert outside.status_code == missing.status_code == 404, path
        assert outside.get_json()["message"] == f"Area {getattr(world, area).id} not found."
        assert missing.get_json()["message"] == "Area 987654 not found."


def test_branch_staff_and_auditors_may_not_compare(client, world, auth_header):
    for user in (world.manager, world.auditor):
        headers = auth_header(user)
        for path in SCOPED_PATHS:
            assert get(client, headers, path, period="2026-10").status_code == 403, path


def test_a_regional_league_is_their_branches_and_their_areas(client, league, auth_header):
    headers = auth_header(league.regional)

    branches = get(client, headers, "/api/v1/comparison", period="2026-10").get_json()
    areas = get(client, headers, "/api/v1/comparison", period="2026-10", level="area").get_json()
    # PL is visible to them (above their branches), but only its Łódzkie part is theirs.
    within_pl = get(
        client, headers, "/api/v1/comparison", period="2026-10", level="area", area=league.pl.id
    ).get_json()

    assert set(rows_by_code(branches)) == {"PL-LDZ-001", "PL-LDZ-002", "PL-LDZ-004"}
    assert branches["scope"] == "Łódzkie"
    assert [row["code"] for row in areas["rows"]] == ["PL/Łódzkie"]
    assert areas["rows"][0]["visits"] == 8
    assert [row["code"] for row in within_pl["rows"]] == ["PL/Łódzkie"]


# --- trends ------------------------------------------------------------------------------------


def test_a_branch_trend_by_month(client, league, auth_header):
    response = get(
        client,
        auth_header(league.hq),
        "/api/v1/trends",
        branch=league.lodz_1.id,
        **{"from": "2026-08", "to": "2026-11"},
    )

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["kind"] == "branch" and body["subject"]["name"] == "Łódź Piotrkowska"
    assert body["granularity"] == "month"
    assert [(p["period"]["key"], p["visits"], p["mean"]) for p in body["points"]] == [
        ("2026-08", 0, None),
        ("2026-09", 2, "75.0000"),
        ("2026-10", 3, "90.0000"),
        ("2026-11", 0, None),
    ]
    october = body["points"][2]
    assert october["sections"][0] == {"mean": "90.0000", "count": 3}
    assert len(october["sections"]) == len(body["sections"]) == 8


def test_an_area_trend_by_quarter(client, league, auth_header):
    body = get(
        client,
        auth_header(league.hq),
        "/api/v1/trends",
        area=league.lodzkie.id,
        granularity="quarter",
        **{"from": "2026-08", "to": "2026-10"},
    ).get_json()

    # Widened to whole quarters: Q3 holds the two September visits, Q4 the eight of October.
    assert [(p["period"]["key"], p["visits"], p["mean"]) for p in body["points"]] == [
        ("2026-Q3", 2, "75.0000"),
        ("2026-Q4", 8, str(quantize(Decimal(80 + 90 + 100 + 70 + 80 + 90 + 40 + 40) / 8))),
    ]


def test_a_branch_manager_reads_the_trend_of_their_branch_only(client, league, auth_header):
    headers = auth_header(league.manager)
    months = {"from": "2026-09", "to": "2026-10"}

    own = get(client, headers, "/api/v1/trends", branch=league.lodz_1.id, **months)
    other = get(client, headers, "/api/v1/trends", branch=league.lodz_2.id, **months)
    area = get(client, headers, "/api/v1/trends", area=league.lodz.id, **months)

    assert own.status_code == 200
    assert other.status_code == 404
    # The area is visible to them (it holds their branch); its trend has only their visits.
    assert [p["visits"] for p in area.get_json()["points"]] == [2, 3]


def test_trends_are_scoped_for_regional_managers_and_closed_to_auditors(
    client, league, auth_header
):
    regional = auth_header(league.regional)
    assert get(client, regional, "/api/v1/trends", branch=league.tromso.id).status_code == 404
    assert get(client, regional, "/api/v1/trends", area=league.troms.id).status_code == 404
    assert get(client, regional, "/api/v1/trends", branch=league.lodz_2.id).status_code == 200
    auditor = auth_header(league.auditor)
    assert get(client, auditor, "/api/v1/trends", branch=league.lodz_1.id).status_code == 403


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "branch"),
        ({"branch": 1, "area": 1}, "area"),
        ({"branch": 1, "from": "2026-10", "to": "2026-09"}, "from"),
        ({"branch": 1, "from": "2026-1"}, "from"),
        ({"branch": 1, "from": "2016-01", "to": "2026-10"}, "to"),
        ({"branch": 1, "granularity": "week"}, "granularity"),
        ({"branch": 10**20}, "branch"),
    ],
)
def test_bad_trend_arguments_are_422(client, world, auth_header, query, field):
    response = get(client, auth_header(world.hq), "/api/v1/trends", **query)

    assert response.status_code == 422
    assert field in response.get_json()["errors"] or field in str(response.get_json()["errors"])


def test_the_trend_defaults_to_the_twelve_months_up_to_this_one():
    data = TrendArgsSchema().load({"branch": "1"})

    today = datetime.now(UTC).date()
    assert data["last"] == today.replace(day=1)
    assert (data["last"].year * 12 + data["last"].month) - (
        data["first"].year * 12 + data["first"].month
    ) == 11


# --- heat map ----------------------------------------------------------------------------------


def test_the_heatmap_has_a_cell_per_section_and_row(client, world, visit, auth_header):
    visit(world.lodz_1, 100, sections={"knowledge": 50})
    visit(world.lodz_1, 80)
    visit(world.lodz_2, 60, sections={"knowledge": 90})

    body = get(client, auth_header(world.hq), "/api/v1/heatmap", period="2026-10").get_json()

    knowledge = [s["key"] for s in body["sections"]].index("knowledge")
    rows = rows_by_code(body)
    assert rows["PL-LDZ-001"]["cells"][knowledge] == {"mean": "65.0000", "count": 2}
    assert rows["PL-LDZ-002"]["cells"][knowledge] == {"mean": "90.0000", "count": 1}
    assert rows["PL-WAW-001"]["cells"][knowledge] == {"mean": None, "count": 0}
    assert body["sections"][knowledge] == {
        "key": "knowledge",
        "title": "Knowledge",
        "mean": str(quantize(Decimal(50 + 80 + 90) / 3)),
        "count": 3,
    }
    assert [row["code"] for row in body["rows"]][:2] == ["PL-LDZ-001", "PL-LDZ-002"]


def test_the_heatmap_of_areas(client, league, auth_header):
    body = get(
        client,
        auth_header(league.regional),
        "/api/v1/heatmap",
        period="2026-10",
        level="area",
        area=league.lodzkie.id,
    ).get_json()

    assert {row["code"]: row["visits"] for row in body["rows"]} == {
        "PL/Łódzkie/Łódź": 6,
        "PL/Łódzkie/Pabianicki": 2,
    }


# --- weakest questions -------------------------------------------------------------------------


@pytest.fixture
def answered(world, visit, db):
    """Two approved October visits at Łódź Piotrkowska, one weak; a weak September one; a
    rejected October visit that fails more; an October visit at Tromsø without eye contact."""
    add = functools.partial(visit, commit=False)
    add(world.lodz_1, answers={})
    add(
        world.lodz_1,
        answers={"greeted_friendly": "no", "answers_accurate": 3, "conversation_ending": "abrupt"},
    )
    add(world.lodz_1, at=SEPTEMBER, answers={"greeted_friendly": "no", "answers_accurate": 1})
    failing = {key: "no" for key in ("greeted_friendly", "plain_language", "premises_clean_tidy")}
    add(world.lodz_1, answers=failing, status=VisitStatus.REJECTED)
    add(world.tromso, answers={"eye_contact_smile": "no"})
    db.session.commit()
    return world


def test_weakest_questions_worst_first(client, answered, auth_header):
    response = get(
        client, auth_header(answered.hq), "/api/v1/weakest-questions", period="2026-10", limit=4
    )

    assert response.status_code == 200, response.get_json()
    questions = response.get_json()["questions"]
    assert [(q["key"], q["measure"], q["value"], q["answers"]) for q in questions] == [
        ("conversation_ending", "mean_score", "66.6667", 3),  # 3 + 0 + 3 of 3 * 3 points
        ("eye_contact_smile", "pass_rate", "66.6667", 3),  # equal values: by key
        ("greeted_friendly", "pass_rate", "66.6667", 3),
        ("answers_accurate", "mean_score", "83.3333", 3),  # 4 + 2 + 4 of 3 * 4 points
    ]
    greeted = questions[2]
    assert (greeted["previous"], greeted["previous_answers"], greeted["change"]) == (
        "0.0000",
        1,
        "66.6667",
    )
    assert greeted["section"]["key"] == "arrival"
    assert greeted["type"] == "yes_no" and greeted["critical"] is False
    ending = questions[0]  # summed up in September: 100 %
    assert (ending["previous"], ending["change"]) == ("100.0000", "-33.3333")


def test_weakest_questions_speak_lang(client, answered, auth_header):
    body = get(
        client,
        auth_header(answered.hq),
        "/api/v1/weakest-questions",
        period="2026-10",
        lang="pl",
        limit=3,
    ).get_json()

    assert body["language"] == "pl"
    greeted = body["questions"][2]
    assert greeted["label"] == (
        "Czy pracownik przywitał klienta życzliwym „Dzień dobry” lub podobnym zwrotem?"
    )
    assert greeted["section"]["title"] == "Wejście i powitanie"


def test_weakest_questions_of_a_regional_manager_leave_other_areas_out(
    client, answered, auth_header
):
    questions = get(
        client, auth_header(answered.regional), "/api/v1/weakest-questions", period="2026-10"
    ).get_json()["questions"]

    eye_contact = next(q for q in questions if q["key"] == "eye_contact_smile")
    assert (eye_contact["value"], eye_contact["answers"]) == ("100.0000", 2)


def test_unscored_questions_are_not_listed(client, answered, auth_header):
    questions = get(
        client, auth_header(answered.hq), "/api/v1/weakest-questions", period="2026-10", limit=100
    ).get_json()["questions"]

    keys = {q["key"] for q in questions}
    assert "overall_comment" not in keys and "premises_photos" not in keys
    assert "acknowledged_within_30s" in keys


# --- exports -----------------------------------------------------------------------------------


def test_the_csv_export(client, league, auth_header):
    response = get(client, auth_header(league.hq), "/api/v1/comparison.csv", period="2026-10")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="comparison-2026-10.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert [row["code"] for row in rows][:2] == ["PL-LDZ-001", "PL-LDZ-002"]
    first = rows[0]
    assert first["name"] == "Łódź Piotrkowska" and first["area"] == "Łódź"
    assert (first["rank"], first["visits"], first["mean"]) == ("1", "3", "90.0000")
    assert (first["interval_low"], first["target_met"]) == ("65.1586", "true")
    assert first["Arrival and greeting"] == "90.0000"
    assert rows[-1]["mean"] == "" and rows[-1]["rank"] == ""


def test_the_xlsx_export(client, league, auth_header):
    response = get(
        client, auth_header(league.hq), "/api/v1/comparison.xlsx", period="2026-10", lang="pl"
    )

    assert response.status_code == 200
    assert 'filename="comparison-2026-10.xlsx"' in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["League table", "Sections", "About"]
    league_sheet = workbook["League table"]
    header = [cell.value for cell in league_sheet[1]]
    assert header[:6] == ["rank", "code", "name", "area", "visits", "mean"]
    assert league_sheet.freeze_panes == "D2"
    first = dict(zip(header, [cell.value for cell in league_sheet[2]], strict=True))
    assert first["name"] == "Łódź Piotrkowska"
    assert first["rank"] == 1 and first["visits"] == 3
    assert first["mean"] == 90 and isinstance(first["mean"], int | float)
    assert first["interval_low"] == pytest.approx(65.1586)
    assert first["target_met"] is True
    assert league_sheet.column_dimensions["C"].width >= len("Łódź Piotrkowska")
    sections = workbook["Sections"]
    assert [cell.value for cell in sections[1]][4] == "Wejście i powitanie"
    assert sections.freeze_panes == "D2"
    assert isinstance(sections.cell(row=2, column=5).value, int | float)


def test_the_pdf_export_in_the_callers_language(client, league, auth_header, make_user):
    polish_hq = make_user(Role.HQ, locale="pl")
    response = get(client, auth_header(polish_hq), "/api/v1/comparison.pdf", period="2026-10")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="comparison-2026-10.pdf"' in response.headers["Content-Disposition"]
    text = read_pdf(response.data).text
    assert "Łódź Piotrkowska" in text and "Tromsø Storgata" in text
    assert "Wizyta w placówce" in text  # the form's title, in Polish


def test_the_pdf_export_follows_lang(client, league, auth_header):
    response = get(
        client, auth_header(league.hq), "/api/v1/comparison.pdf", period="2026-10", lang="nb"
    )

    assert "Tromsø Storgata" in read_pdf(response.data).text


def test_the_fast_dump_refuses_fields_it_cannot_reproduce(app):
    class Unsupported(FastDumpSchema):
        how_long = ma.fields.TimeDelta()

    with pytest.raises(TypeError, match="TimeDelta"):
        Unsupported().dump(object())
