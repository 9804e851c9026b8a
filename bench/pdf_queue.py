"""2,000 branch scorecards through the job queue with two workers.

Builds a fresh PostgreSQL database with 2,000 branches, a year of approved visits (scores for
the trend; answers and section scores, scored by audit_forms, for the period and the one before),
enqueues one RQ job per scorecard on a private Redis database (an empty one of 1-15) and times two
`rq worker --worker-class server.jobs.ScorecardWorker --burst` processes until the queue is
empty. Prints scorecards per second and the wall time against the 60 s target, and the CPU
the workers used per scorecard.

    python bench/pdf_queue.py [--branches 2000] [--workers 2] [--json FILE]
    python bench/pdf_queue.py --keep              # keep the database; prints its name
    python bench/pdf_queue.py --reuse bench_pdf_123   # time again on a kept database

`python -m bench.pdf_queue --profile bench_pdf_123` runs the job function in this process for
`--branches` branches of a kept database under cProfile and counts SQL statements per job.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import psycopg
from redis import Redis
from sqlalchemy import insert, select

PERIOD = "2026-10"
REDIS = "redis://127.0.0.1:6379"
OWNER_KEY = "bench:pdf_queue:owner"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def months_back(start: date, count: int) -> list[date]:
    index = start.year * 12 + start.month - 1
    return [date((index - n) // 12, (index - n) % 12 + 1, 1) for n in range(count)]


def build(app, branches: int, rng: random.Random) -> None:
    from audit_forms import score_visit
    from server.extensions import db
    from server.models import (
        Branch,
        Role,
        User,
        Visit,
        VisitAnswer,
        VisitSectionScore,
        VisitStatus,
    )
    from server.services import areas, forms

    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        forms.import_form_files()
        stored = forms.get_form_version("branch-visit")
        form = forms.form_of(stored)
        auditor = User(
            email="bench@example.test", name="Bench", password_hash="x", role=Role.AUDITOR
        )
        db.session.add(auditor)
        regions = [areas.ensure_area_path(f"PL/Region {n:02d}") for n in range(20)]
        db.session.flush()
        db.session.execute(
            insert(Branch),
            [
                {
                    "code": f"PL-B-{n:05d}",
                    "name": f"Łódź {n}",
                    "address": f"ul. Piotrkowska {n}",
                    "city": "Łódź",
                    "country": "PL",
                    "area_id": regions[n % 20].id,
                    "timezone": "Europe/Warsaw",
                    "locale": "pl",
                    "target_score": Decimal(85),
                    "active": True,
                }
                for n in range(branches)
            ],
        )
        branch_ids = list(db.session.scalars(select(Branch.id)))
        period_start = date(2026, 10, 1)
        detailed = set(months_back(period_start, 2))
        for month in months_back(period_start, 12):
            visits, answer_rows, section_rows = [], [], []
            for branch_id in branch_ids:
                for _ in range(rng.choice((1, 2, 3))):
                    started = datetime(
                        month.year,
                        month.month,
                        rng.randrange(1, 28),
                        rng.randrange(8, 16),
                        tzinfo=UTC,
                    )
                    answers = _answers(form, rng) if month in detailed else None
                    score = score_visit(form, answers) if answers else None
                    visits.append(
                        {
                            "client_uuid": str(uuid.UUID(int=rng.getrandbits(128))),
                            "content_fingerprint": "bench",
                            "auditor_id": auditor.id,
                            "branch_id": branch_id,
                            "form_version_id": stored.id,
                            "started_at": started,
                            "ended_at": started + timedelta(minutes=20),
                            "submitted_at": started + timedelta(hours=1),
                            "status": VisitStatus.APPROVED,
                            "completeness": "complete",
                            "score_percent": score.percent
                            if score
                            else Decimal(rng.randrange(5000, 10000)) / 100,
                            "score_earned": score.earned if score else 0,
                            "score_possible": score.possible if score else 0,
                            "critical_failed": bool(score and score.critical_failures),
                            "revision": 1,
                            "_answers": answers,
                            "_score": score,
                        }
                    )
            ids = db.session.scalars(
                insert(Visit).returning(Visit.id),
                [{k: v for k, v in row.items() if not k.startswith("_")} for row in visits],
            ).all()
            for visit_id, row in zip(ids, visits, strict=True):
                score = row["_score"]
                if score is None:
                    continue
                for position, (section, question) in enumerate(form.iter_questions()):
                    result = score.question(question.key)
                    answer = row["_answers"].get(question.key, {})
                    answer_rows.append(
                        {
                            "visit_id": visit_id,
                            "position": position,
                            "section_key": section.key,
                            "question_key": question.key,
                            "value": answer.get("value"),
                            "comment": answer.get("comment"),
                            "status": str(result.status),
                            "earned": result.earned,
                            "possible": result.possible,
                        }
                    )
                for position, section in enumerate(score.sections):
                    section_rows.append(
                        {
                            "visit_id": visit_id,
                            "position": position,
                            "section_key": section.key,
                            "weight": section.weight,
                            "earned": section.earned,
                            "possible": section.possible,
                            "percent": section.percent,
                        }
                    )
            if answer_rows:
                db.session.execute(insert(VisitAnswer), answer_rows)
                db.session.execute(insert(VisitSectionScore), section_rows)
            db.session.commit()
            print(f"  {month:%Y-%m}: {len(visits)} visits", flush=True)


def _answers(form, rng: random.Random) -> dict:
    answers = {}
    for question in form.questions:
        good = rng.random() < 0.8
        settings = question.settings
        match question.type:
            case "yes_no":
                value = "yes" if good or question.critical else "no"
            case "scale":
                value = settings.max if good else settings.min
            case "choice":
                value = max(settings.options, key=lambda o: o.points).key
            case "duration":
                value = 60 if good else 400
            case _:
                continue
        answers[question.key] = {"value": value}
        if value == "no" and question.comment_required_when_failed:
            answers[question.key]["comment"] = "Pracownik rozmawiał przez telefon."
        if question.photo_required:  # the bench stores no photos; the count is what is checked
            answers[question.key].update(value="yes", photo_ids=[1])
    return answers


def claim_redis_database() -> tuple[Redis, str]:
    """An empty Redis database of our own (15 down to 1): two runs at once, or another
    benchmark's workers, must not take each other's jobs. The claim key goes with the
    final FLUSHDB."""
    for number in range(15, 0, -1):
        redis = Redis.from_url(f"{REDIS}/{number}")
        if redis.dbsize() == 0 and redis.set(OWNER_KEY, os.getpid(), nx=True):
            return redis, f"{REDIS}/{number}"
    raise SystemExit("no empty Redis database (1-15) to run the queue in")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def profile(env: dict, branches: int) -> int:
    """The job function for `branches` branches in this process, under cProfile."""
    import cProfile
    import pstats

    from sqlalchemy import event

    os.environ.update(env)
    from server import jobs
    from server.extensions import db
    from server.models import Branch

    app = jobs._worker_app()
    with app.app_context():
        ids = list(db.session.scalars(select(Branch.id).order_by(Branch.id).limit(branches)))
        engine = db.engine
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    jobs.render_scorecard(ids[0], PERIOD, None, "branch-visit")  # warm: facts, form, fonts
    statements.clear()
    profiler = cProfile.Profile()
    started, cpu = time.perf_counter(), time.process_time()
    profiler.enable()
    for branch_id in ids[1:]:
        jobs.render_scorecard(branch_id, PERIOD, None, "branch-visit")
    profiler.disable()
    jobs_run = len(ids) - 1
    print(
        f"{jobs_run} jobs: {(time.perf_counter() - started) / jobs_run * 1000:.1f} ms wall, "
        f"{(time.process_time() - cpu) / jobs_run * 1000:.1f} ms CPU per job (profiled), "
        f"{len(statements) / jobs_run:.1f} SQL statements per job"
    )
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--branches", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", metavar="DB", help="a database kept by --keep (no build)")
    parser.add_argument(
        "--profile", metavar="DB", help="profile the job in process on a kept database"
    )
    args = parser.parse_args()
    database = args.reuse or args.profile or f"bench_pdf_{os.getpid()}"
    redis, redis_url = claim_redis_database() if not args.profile else (None, f"{REDIS}/15")
    storage = tempfile.mkdtemp(prefix="bench-pdf-")
    env = {
        **os.environ,
        "DATABASE_URL": f"postgresql://postgres@127.0.0.1:5432/{database}",
        "STORAGE_DIR": storage,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench-secret",
        "APP_ENV": "production",
    }
    if args.profile:
        return profile(env, args.branches)
    try:
        if not args.reuse:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
        os.environ.update(env)
        from server import create_app

        app = create_app()
        if not args.reuse:
            print(f"building {args.branches} branches and a year of visits ...", flush=True)
            started = time.perf_counter()
            build(app, args.branches, random.Random(7))
            print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "wsgi",
                "render-scorecards",
                "--period",
                PERIOD,
            ],
            env=env,
            check=True,
        )
        started, cpu = time.perf_counter(), _children_cpu()
        workers = [
            subprocess.Popen(
                [
                    "rq",
                    "worker",
                    "scorecards",
                    "--burst",
                    "--quiet",
                    "--url",
                    redis_url,
                    "--worker-class",
                    "server.jobs.ScorecardWorker",
                ],
                env=env,
            )
            for _ in range(args.workers)
        ]
        for worker in workers:
            worker.wait(timeout=1800)
        elapsed = time.perf_counter() - started
        cpu = _children_cpu() - cpu
        rendered = sum(
            1 for _, _, files in os.walk(storage) for name in files if name.endswith(".pdf")
        )
        print(f"\n{'scorecards':>12} {'workers':>8} {'wall s':>8} {'per s':>8} {'target':>8}")
        print(
            f"{rendered:>12} {args.workers:>8} {elapsed:>8.1f} {rendered / elapsed:>8.1f} "
            f"{'<= 60 s':>8}"
        )
        cpu_ms = cpu / rendered * 1000 if rendered else 0.0
        print(
            f"worker CPU {cpu:.1f} s, {cpu_ms:.1f} ms per scorecard; load average "
            + " ".join(f"{n:.2f}" for n in os.getloadavg())
        )
        if args.json:
            with open(args.json, "w") as out:
                json.dump(
                    {
                        "scorecards": rendered,
                        "workers": args.workers,
                        "wall_s": round(elapsed, 2),
                        "per_s": round(rendered / elapsed, 2),
                        "target_s": 60,
                        "cpu_s": round(cpu, 2),
                        "cpu_ms_per_scorecard": round(cpu_ms, 1),
                        "load_average": [round(n, 2) for n in os.getloadavg()],
                    },
                    out,
                    indent=2,
                )
        return 0 if rendered == args.branches else 1
    finally:
        redis.flushdb()
        if args.keep or args.reuse:
            print(f"database kept: {database}  (--reuse {database})")
        else:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
