"""Benchmark: the HQ comparison API against bare SQL over the same stored scores.

    python -m bench.compare [--runs 15] [--branches 2000] [--visits 100000] [--keep]

Creates a fresh PostgreSQL database (postgresql://postgres@127.0.0.1:5432/bench_compare_<pid>,
dropped at the end unless --keep), migrates it, and loads with COPY:

- an area tree (network > 5 countries > 8 regions > 5 districts) and 2,000 branches;
- 100,000 approved visits spread over 2026 (and 5 % more that are submitted, returned or
  rejected, which must not count), each with its 8 section scores and 31 answers. The answers
  come from a pool of 400 answer sets of varied quality, scored by audit_forms, so every stored
  visit, section and answer score is exactly what the platform would have stored for them.

Then, in one process, it times (median of --runs runs, after two warm-up runs):

  league month   GET /api/v1/comparison?period=2026-10          (~8,300 visits, 2,000 rows)
  league year    GET /api/v1/comparison?period=2026             (all 100,000 visits)
  trend          GET /api/v1/trends?area=<network>&from=2026-01&to=2026-12
  weakest        GET /api/v1/weakest-questions?period=2026-10

through Flask's test client with an HQ token, beside the bare SQL that computes the same
aggregates from the stored visit, section and answer scores (GROUP BYs written by hand, run with
psycopg and fetched), and prints the milliseconds and the ratios. The league table and the trend
read the platform's monthly sums (server/models/rollup.py, filled after the COPY as the
migration fills it), so they can beat that baseline. For the league table it also prints the
parts of the request: the bare visit GROUP BY alone, the same two aggregates by hand over the
monthly sums, and `services.comparison.compare` without HTTP.

Targets: API <= 2 x bare SQL; league table <= 50 ms. Exit status 3 with --strict when missed.
Not part of the test suite; see bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import secrets
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/compare.py`
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from audit_forms import Answer, Form, score_visit  # noqa: E402

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
FORM_KEY = "branch-visit"
POOL = 400  # distinct answer sets
YEAR = 2026
OTHER_STATUSES = ("submitted", "returned", "rejected")
TARGET_RATIO = 2.0
TARGET_LEAGUE_MS = 50.0


# --------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Scored:
    """One answer set as the platform stores it, ready to be copied for any visit."""

    percent: Decimal
    earned: Decimal
    possible: Decimal
    critical_failed: bool
    sections: str  # COPY lines of visit_section_scores after the visit id, "\n"-joined
    answers: str  # COPY lines of visit_answers after the visit id


def _answer_value(rng: random.Random, question, quality: float):
    settings = question.settings
    good = rng.random() < quality
    match question.type:
        case "yes_no":
            if question.allow_na and rng.random() < 0.08:
                return "na"
            return "yes" if good else "no"
        case "scale":
            low, high = settings.min, settings.max
            return round(low + (high - low) * min(1.0, max(0.0, rng.gauss(quality, 0.15))))
        case "choice":
            options = sorted(settings.options, key=lambda option: option.points, reverse=True)
            return options[0 if good else rng.randrange(len(options))].key
        case "duration":
            return rng.randint(20, 110) if good else rng.randint(120, 600)
        case "number":
            return settings.min if good else settings.max
        case "text":
            return "Obsługa uprzejma; czekałem chwilę."
    return None


def scored_pool(form: Form, size: int = POOL) -> list[Scored]:
    """Answer sets from poor to excellent, scored with audit_forms (sorted by quality)."""
    rng = random.Random(20261022)
    pool = []
    for index in range(size):
        quality = 0.35 + 0.65 * index / (size - 1)
        answers: dict[str, Answer] = {}
        for question in form.questions:
            if question.type == "photo":
                continue
            value = _answer_value(rng, question, quality)
            comment = "Uwagi audytora." if question.comment_required_when_failed else None
            answers[question.key] = Answer(value, comment, (1,) if question.photo_required else ())
        pool.append(_scored(form, answers))
    return pool


def _copy_number(value: Decimal | None) -> str:
    return "\\N" if value is None else str(value)


def _scored(form: Form, answers: dict[str, Answer]) -> Scored:
    score = score_visit(form, answers)
    answer_lines = []
    for position, (section, question) in enumerate(form.iter_questions()):
        result = score.question(question.key)
        answer = answers.get(question.key)
        value = "\\N" if answer is None else json.dumps(answer.value, ensure_ascii=False)
        answer_lines.append(
            f"\t{position}\t{section.key}\t{question.key}\t{value}\t\\N\t{result.status}"
            f"\t{_copy_number(result.earned)}\t{_copy_number(result.possible)}"
        )
    section_lines = [
        f"\t{position}\t{section.key}\t{section.weight}\t{section.earned}\t{section.possible}"
        f"\t{_copy_number(section.percent)}"
        for position, section in enumerate(score.sections)
    ]
    return Scored(
        percent=score.percent,
        earned=score.earned,
        possible=score.possible,
        critical_failed=bool(score.critical_failures),
        sections="\n".join(section_lines),
        answers="\n".join(answer_lines),
    )


@dataclass(frozen=True)
class Network:
    root_id: int
    branch_ids: list[int]
    branch_quality: dict[int, float]


def load_network(connection: psycopg.Connection, branches: int) -> Network:
    """network > 5 countries > 8 regions > 5 districts (200 districts), branches spread evenly."""
    rng = random.Random(7)
    areas: list[tuple[int, str, str, int | None, str]] = [(1, "NET", "Network", None, "/1/")]
    districts = []
    next_id = 2
    for country in range(5):
        country_id, next_id = next_id, next_id + 1
        areas.append((country_id, f"C{country}", f"Country {country}", 1, f"/1/{country_id}/"))
        for region in range(8):
            region_id, next_id = next_id, next_id + 1
            region_path = f"/1/{country_id}/{region_id}/"
            areas.append(
                (region_id, f"C{country}R{region}", f"Region {region}", country_id, region_path)
            )
            for district in range(5):
                district_id, next_id = next_id, next_id + 1
                code = f"C{country}R{region}D{district}"
                path = f"{region_path}{district_id}/"
                areas.append((district_id, code, f"Łódź-Tromsø {code}", region_id, path))
                districts.append(district_id)
    now = datetime.now(UTC).replace(tzinfo=None)
    with connection.cursor() as cursor:
        with cursor.copy(
            "COPY areas (id, code, name, parent_id, path, active, created_at) FROM STDIN"
        ) as copy:
            for area in areas:
                copy.write_row((*area, True, now))
        with cursor.copy(
            "COPY branches (id, code, name, address, city, country, area_id, timezone, locale, "
            "target_score, active, created_at, updated_at) FROM STDIN"
        ) as copy:
            for index in range(branches):
                copy.write_row(
                    (
                        index + 1,
                        f"BR-{index + 1:05d}",
                        f"Gdańsk Długa {index + 1}",
                        "ul. Długa 1",
                        "Gdańsk",
                        "PL",
                        districts[index % len(districts)],
                        "Europe/Warsaw",
                        "pl",
                        Decimal("85"),
                        True,
                        now,
                        now,
                    )
                )
    quality = {index + 1: min(0.97, max(0.2, rng.gauss(0.7, 0.12))) for index in range(branches)}
    return Network(1, list(quality), quality)


def load_visits(
    connection: psycopg.Connection,
    network: Network,
    pool: list[Scored],
    visits: int,
    auditor_id: int,
    form_version_id: int,
) -> int:
    """COPY visits, section scores and answers in chunks; returns how many visits in all."""
    rng = random.Random(42)
    others = visits // 20
    total = visits + others
    start = datetime(YEAR, 1, 1)
    seconds = int((datetime(YEAR + 1, 1, 1) - start).total_seconds())
    chunk = 5000
    with connection.cursor() as cursor:
        for first in range(1, total + 1, chunk):
            rows = []
            for visit_id in range(first, min(total, first + chunk - 1) + 1):
                branch_id = rng.choice(network.branch_ids)
                quality = min(1.0, max(0.0, rng.gauss(network.branch_quality[branch_id], 0.1)))
                scored = pool[min(len(pool) - 1, int(quality * len(pool)))]
                started = start + timedelta(seconds=rng.randrange(seconds))
                status = "approved" if visit_id <= visits else rng.choice(OTHER_STATUSES)
                rows.append((visit_id, branch_id, started, status, scored))
            _copy_chunk(cursor, rows, auditor_id, form_version_id)
    return total


def _copy_chunk(cursor, rows, auditor_id: int, form_version_id: int) -> None:
    visits, sections, answers = io.StringIO(), io.StringIO(), io.StringIO()
    for visit_id, branch_id, started, status, scored in rows:
        ended = started + timedelta(minutes=25)
        visits.write(
            f"{visit_id}\t{uuid.uuid4()}\t{'0' * 64}\t{auditor_id}\t{branch_id}\t"
            f"{form_version_id}\t1\t{started.isoformat(' ')}\t{ended.isoformat(' ')}\t"
            f"{ended.isoformat(' ')}\t{status}\tcomplete\t{scored.percent}\t{scored.earned}\t"
            f"{scored.possible}\t{'t' if scored.critical_failed else 'f'}\n"
        )
        prefix = str(visit_id)
        sections.write(prefix + scored.sections.replace("\n", "\n" + prefix) + "\n")
        answers.write(prefix + scored.answers.replace("\n", "\n" + prefix) + "\n")
    copies = (
        (
            "COPY visits (id, client_uuid, content_fingerprint, auditor_id, branch_id, "
            "form_version_id, revision, started_at, ended_at, submitted_at, status, "
            "completeness, score_percent, score_earned, score_possible, critical_failed) "
            "FROM STDIN",
            visits,
        ),
        (
            "COPY visit_section_scores (visit_id, position, section_key, weight, earned, "
            "possible, percent) FROM STDIN",
            sections,
        ),
        (
            "COPY visit_answers (visit_id, position, section_key, question_key, value, comment, "
            "status, earned, possible) FROM STDIN",
            answers,
        ),
    )
    for statement, buffer in copies:
        with cursor.copy(statement) as copy:
            copy.write(buffer.getvalue())


# --------------------------------------------------------------------------------------------
# Bare SQL: the same aggregates, written by hand


APPROVED = """v.status = 'approved' AND v.deleted_at IS NULL AND v.score_percent IS NOT NULL
    AND v.form_version_id = ANY(%(forms)s)"""

BARE_LEAGUE_VISITS = f"""
SELECT v.branch_id,
       count(*) FILTER (WHERE v.started_at >= %(start)s),
       sum(v.score_percent) FILTER (WHERE v.started_at >= %(start)s),
       sum(v.score_percent * v.score_percent) FILTER (WHERE v.started_at >= %(start)s),
       count(*) FILTER (WHERE v.started_at < %(start)s),
       sum(v.score_percent) FILTER (WHERE v.started_at < %(start)s)
FROM visits v
WHERE {APPROVED} AND v.started_at >= %(previous)s AND v.started_at < %(end)s
GROUP BY v.branch_id
"""

BARE_LEAGUE_SECTIONS = f"""
SELECT v.branch_id, s.section_key, avg(s.percent), count(s.percent)
FROM visit_section_scores s JOIN visits v ON v.id = s.visit_id
WHERE {APPROVED} AND v.started_at >= %(start)s AND v.started_at < %(end)s
GROUP BY v.branch_id, s.section_key
"""

# The league table's two aggregates over the monthly sums, by hand: what the rollup itself costs.
ROLLUP_LEAGUE_VISITS = """
SELECT branch_id,
       sum(visits) FILTER (WHERE month >= %(start)s),
       sum(score_units) FILTER (WHERE month >= %(start)s),
       sum(square_units) FILTER (WHERE month >= %(start)s),
       sum(visits) FILTER (WHERE month < %(start)s),
       sum(score_units) FILTER (WHERE month < %(start)s)
FROM monthly_scores
WHERE form_version_id = ANY(%(forms)s) AND month >= %(previous)s AND month < %(end)s
GROUP BY branch_id
"""

ROLLUP_LEAGUE_SECTIONS = """
SELECT branch_id, section_key, round(sum(percent_units) / (10000.0 * sum(visits)), 4), sum(visits)
FROM monthly_section_scores
WHERE form_version_id = ANY(%(forms)s) AND month >= %(start)s AND month < %(end)s
GROUP BY branch_id, section_key
"""

BARE_TREND_VISITS = f"""
SELECT date_trunc('month', v.started_at), count(v.score_percent), sum(v.score_percent)
FROM visits v
WHERE {APPROVED} AND v.started_at >= %(start)s AND v.started_at < %(end)s
GROUP BY 1
"""

BARE_TREND_SECTIONS = f"""
SELECT date_trunc('month', v.started_at), s.section_key, count(s.percent), sum(s.percent)
FROM visit_section_scores s JOIN visits v ON v.id = s.visit_id
WHERE {APPROVED} AND v.started_at >= %(start)s AND v.started_at < %(end)s
GROUP BY 1, 2
"""

BARE_WEAKEST = f"""
SELECT a.question_key,
       count(*) FILTER (WHERE v.started_at >= %(start)s),
       count(*) FILTER (WHERE v.started_at >= %(start)s AND a.status = 'passed'),
       sum(a.earned) FILTER (WHERE v.started_at >= %(start)s),
       sum(a.possible) FILTER (WHERE v.started_at >= %(start)s),
       count(*) FILTER (WHERE v.started_at < %(start)s),
       count(*) FILTER (WHERE v.started_at < %(start)s AND a.status = 'passed'),
       sum(a.earned) FILTER (WHERE v.started_at < %(start)s),
       sum(a.possible) FILTER (WHERE v.started_at < %(start)s)
FROM visit_answers a JOIN visits v ON v.id = a.visit_id
WHERE {APPROVED} AND v.started_at >= %(previous)s AND v.started_at < %(end)s
  AND a.status IN ('passed', 'partial', 'failed')
GROUP BY a.question_key
"""


def bare(connection: psycopg.Connection, *queries: str, **params) -> Callable[[], int]:
    def run() -> int:
        rows = 0
        for query in queries:
            rows += len(connection.execute(query, params).fetchall())
        return rows

    return run


# --------------------------------------------------------------------------------------------
# Timing


@dataclass(frozen=True)
class Timing:
    median_ms: float  # wall clock, median of the runs
    cpu_ms: float  # this process's CPU per run (Python: Flask, SQLAlchemy, psycopg, ours)


def timed(run: Callable[[], object], runs: int) -> Timing:
    for _ in range(2):  # warm-up: caches, prepared plans, the t quantiles
        run()
    times = []
    cpu_started = time.process_time()
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / runs
    return Timing(statistics.median(times), cpu_ms)


class Api:
    """A request to time. Its last response's JSON is parsed and checked after the timing
    (`check_last`): parsing a 1.2 MB league table (8 ms) is the client's work, not the API's."""

    def __init__(self, client, headers, url: str, check: Callable[[dict], None]) -> None:
        self.client, self.headers, self.url, self.check = client, headers, url, check
        self.last = None

    def __call__(self) -> None:
        response = self.client.get(self.url, headers=self.headers)
        if response.status_code != 200:
            raise RuntimeError(f"{self.url}: {response.status_code} {response.get_data()[:300]!r}")
        self.last = response

    def check_last(self) -> None:
        self.check(self.last.get_json())


@dataclass
class Line:
    name: str
    api: Timing
    bare: Timing
    target_ms: float | None = None

    @property
    def ratio(self) -> float:
        return self.api.median_ms / self.bare.median_ms

    @property
    def met(self) -> bool:
        return self.ratio <= TARGET_RATIO and (
            self.target_ms is None or self.api.median_ms <= self.target_ms
        )


# --------------------------------------------------------------------------------------------
# Set-up and main


def create_database(name: str) -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Loaded:
    network: Network
    form_version_ids: list[int]
    headers: dict[str, str]
    visits: int


def build(app, url: str, args: argparse.Namespace) -> Loaded:
    """Schema by the migrations, forms, users and a token by the platform's own code; areas,
    branches and visits by COPY."""
    from flask_migrate import upgrade

    from server.extensions import db
    from server.models import ApiToken, Role, User, rollup
    from server.services import auth, forms

    with app.app_context():
        upgrade()
        report = forms.import_form_files()
        hq = User(email="hq@bench.example", name="HQ", role=Role.HQ, password_hash="-")
        auditor = User(email="a@bench.example", name="A", role=Role.AUDITOR, password_hash="-")
        db.session.add_all([hq, auditor])
        db.session.commit()
        assert not report.problems, report.problems
        # A token made as the login endpoint makes it, minus the deliberately slow password check.
        raw_token = secrets.token_urlsafe(32)
        expires_at = datetime.now(UTC) + timedelta(hours=2)
        db.session.add(
            ApiToken(user=hq, token_hash=auth.hash_token(raw_token), expires_at=expires_at)
        )
        db.session.commit()
        stored = forms.get_form_version(FORM_KEY)
        form, form_version_id, auditor_id = forms.form_of(stored), stored.id, auditor.id
    started = time.perf_counter()
    pool = scored_pool(form)
    with psycopg.connect(url) as connection:
        network = load_network(connection, args.branches)
        total = load_visits(connection, network, pool, args.visits, auditor_id, form_version_id)
        for table in ("areas", "branches", "visits", "visit_section_scores", "visit_answers"):
            connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        connection.commit()
    summed = time.perf_counter()
    with app.app_context():  # COPY bypasses the application: fill the monthly sums as 0005 does
        rollup.rebuild(db.session)
        db.session.commit()
    summed = time.perf_counter() - summed
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    print(
        f"loaded {args.branches} branches, {total} visits ({args.visits} approved) with sections "
        f"and answers in {time.perf_counter() - started:.1f} s (monthly sums {summed:.1f} s)",
        flush=True,
    )
    return Loaded(network, [form_version_id], {"Authorization": f"Bearer {raw_token}"}, total)


def reuse(app) -> Loaded:
    """What build() made, read back from a kept database (migrated to the current schema),
    with a new token."""
    from flask_migrate import upgrade

    from server.extensions import db
    from server.models import ApiToken, Branch, User
    from server.services import auth, forms

    with app.app_context():
        upgrade()
        hq = db.session.scalar(db.select(User).where(User.email == "hq@bench.example"))
        raw_token = secrets.token_urlsafe(32)
        expires_at = datetime.now(UTC) + timedelta(hours=2)
        db.session.add(
            ApiToken(user=hq, token_hash=auth.hash_token(raw_token), expires_at=expires_at)
        )
        db.session.commit()
        branch_ids = list(db.session.scalars(db.select(Branch.id)))
        form_version_id = forms.get_form_version(FORM_KEY).id
    network = Network(1, branch_ids, {})
    return Loaded(network, [form_version_id], {"Authorization": f"Bearer {raw_token}"}, 0)


def measure(app, url: str, loaded: Loaded, runs: int) -> list[Line]:
    from reports.data import Period
    from server.extensions import db
    from server.models import User
    from server.services import comparison

    client = app.test_client()
    headers = loaded.headers
    branches = len(loaded.network.branch_ids)

    def rows_are_branches(body: dict) -> None:
        assert len(body["rows"]) == branches, len(body["rows"])

    def twelve_points(body: dict) -> None:
        assert len(body["points"]) == 12 and body["points"][9]["visits"] > 0

    def has_questions(body: dict) -> None:
        assert len(body["questions"]) == 20

    # started_at is stored as naive UTC.
    october = dict(
        previous=datetime(YEAR, 9, 1),
        start=datetime(YEAR, 10, 1),
        end=datetime(YEAR, 11, 1),
        forms=loaded.form_version_ids,
    )
    year = dict(
        previous=datetime(YEAR - 1, 1, 1),
        start=datetime(YEAR, 1, 1),
        end=datetime(YEAR + 1, 1, 1),
        forms=loaded.form_version_ids,
    )
    lines = []
    with psycopg.connect(url, autocommit=True) as connection:
        cases = [
            (
                "league month",
                "/api/v1/comparison?period=2026-10",
                rows_are_branches,
                bare(connection, BARE_LEAGUE_VISITS, BARE_LEAGUE_SECTIONS, **october),
                TARGET_LEAGUE_MS,
            ),
            (
                "league year",
                "/api/v1/comparison?period=2026",
                rows_are_branches,
                bare(connection, BARE_LEAGUE_VISITS, BARE_LEAGUE_SECTIONS, **year),
                TARGET_LEAGUE_MS,
            ),
            (
                "trend",
                f"/api/v1/trends?area={loaded.network.root_id}&from=2026-01&to=2026-12",
                twelve_points,
                bare(connection, BARE_TREND_VISITS, BARE_TREND_SECTIONS, **year),
                None,
            ),
            (
                "weakest",
                "/api/v1/weakest-questions?period=2026-10",
                has_questions,
                bare(connection, BARE_WEAKEST, **october),
                None,
            ),
        ]
        for name, path, check, baseline, target in cases:
            request = Api(client, headers, path, check)
            api_timing = timed(request, runs)
            request.check_last()
            lines.append(Line(name, api_timing, timed(baseline, runs), target))
            print(f"  measured {name}", flush=True)
        visits_only = {
            key: timed(bare(connection, BARE_LEAGUE_VISITS, **params), runs)
            for key, params in (("month", october), ("year", year))
        }
        rolled_up = {
            key: timed(
                bare(connection, ROLLUP_LEAGUE_VISITS, ROLLUP_LEAGUE_SECTIONS, **params), runs
            )
            for key, params in (("month", october), ("year", year))
        }
    with app.app_context():
        hq = db.session.scalar(db.select(User).where(User.email == "hq@bench.example"))
        service = {
            key: timed(lambda p=period: comparison.compare(hq, Period.parse(p)), runs)
            for key, period in (("month", "2026-10"), ("year", "2026"))
        }
    print()
    print("parts of the league table (median ms; CPU of this process per run in brackets):")
    for key in ("month", "year"):
        only, summed, alone = visits_only[key], rolled_up[key], service[key]
        print(
            f"  {key:5s}  bare visit GROUP BY only {only.median_ms:7.1f} ({only.cpu_ms:5.1f})   "
            f"by hand over the monthly sums {summed.median_ms:7.1f} ({summed.cpu_ms:5.1f})   "
            f"services.comparison.compare, no HTTP {alone.median_ms:7.1f} ({alone.cpu_ms:5.1f})"
        )
    return lines


def report(lines: list[Line], runs: int) -> bool:
    print()
    print(f"median of {runs} runs, ms     API (CPU)       bare SQL (CPU)    ratio   target")
    for line in lines:
        target = f"<= {TARGET_RATIO:g}x" + (
            f", <= {line.target_ms:g} ms" if line.target_ms is not None else ""
        )
        verdict = "met" if line.met else "MISSED"
        print(
            f"  {line.name:13s} {line.api.median_ms:8.1f} ({line.api.cpu_ms:5.1f})  "
            f"{line.bare.median_ms:8.1f} ({line.bare.cpu_ms:5.1f})  {line.ratio:6.2f}   "
            f"{target} {verdict}"
        )
    print("CPU: this process's CPU per run (Python); the database's own time is the rest.")
    return all(line.met for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--branches", type=int, default=2000)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--strict", action="store_true", help="exit 3 when a target is missed")
    parser.add_argument(
        "--reuse", metavar="DATABASE", help="measure a database kept by --keep (no loading)"
    )
    args = parser.parse_args()

    from server import create_app
    from server.serving import prepare_process

    name = args.reuse or f"bench_compare_{os.getpid()}"
    url = f"postgresql://postgres@127.0.0.1:5432/{name}" if args.reuse else create_database(name)
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, database {name}")
    app = None
    try:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench-compare",
                "STORAGE_DIR": str(Path(os.environ.get("TMPDIR", "/tmp")) / name),
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )
        loaded = reuse(app) if args.reuse else build(app, url, args)
        prepare_process()  # as wsgi.py does once the app is built
        with psycopg.connect(url) as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
        print(f"PostgreSQL {version}; load average {os.getloadavg()[0]:.2f}")
        met = report(measure(app, url, loaded, args.runs), args.runs)
        print(f"load average afterwards {os.getloadavg()[0]:.2f}")
    finally:
        if app is not None:
            from server.extensions import db

            with app.app_context():
                db.engine.dispose()
        if not args.keep and not args.reuse:
            drop_database(name)
    return 0 if met or not args.strict else 3


if __name__ == "__main__":
    sys.exit(main())
