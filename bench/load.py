"""Load: simulated phones against gunicorn + PostgreSQL + S3 (moto) for a fixed time.

    python -m bench.load [--phones 50] [--duration 60] [--workers 4] [--json FILE]

Starts a fresh stack (bench/_stack.py: a new database with `flask --app wsgi demo`, moto's S3 as
a separate process on loopback, `gunicorn -w 4 -k sync wsgi:app` with S3 storage) and runs
`--phones` client threads for `--duration` seconds. Of every ten phones one is a branch manager
fetching scorecard PDFs (`GET /api/v1/branches/{id}/scorecard.pdf?period=` one of the last
three months), one is HQ fetching the comparison (`GET /api/v1/comparison?period=`), and eight
are auditors, each with its own token: for each visit they reserve one or two photos
(`POST /api/v1/photos` with a client_uuid), upload them with the presigned POST to S3, complete
them (`POST /api/v1/photos/{id}/complete`), submit the visit (`POST /api/v1/visits`) and, for
30 % of the visits, send the same visit again (must answer 200 with the same id). Between
actions a phone waits a random 0-2x `--think` seconds. The phones log in (and list their
branches) before the clock starts: a phone keeps its token for weeks. When the time is up,
phones finish the visit they are on (at most `--drain` seconds), then every visit and photo
is reconciled against PostgreSQL and S3.

Pass: no error (every response the expected one: no 4xx, 5xx, timeout or refused connection),
nothing lost, nothing duplicated, nothing left pending. Exit 0 when passed, else 1.
Prints p50/p95/p99 and req/s per endpoint. Not part of the test suite; see bench/README.md.
"""

from __future__ import annotations

import math
import random
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/load.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._stack import (  # noqa: E402
    AUDITORS,
    HQ,
    MANAGERS,
    Fleet,
    OutOfTime,
    Phone,
    Recorder,
    Refused,
    Stack,
    add_run_options,
    baseline,
    finish,
    load_average,
    print_results,
    recent_periods,
    reconciliation_ok,
    settings,
)
from bench.submit import BenchError, bench_parser, say, stopped_early  # noqa: E402

REPLAY_SHARE = 0.3


def role_of(number: int) -> str:
    return {0: "manager", 5: "hq"}.get(number % 10, "auditor")


class Scenario(Fleet):
    """The phones' behaviour, shared with bench/faults.py."""

    def __init__(self, base: str, phones: int, think: float, seed: int = 1):
        super().__init__()
        self.base = base
        self.phones = phones
        self.think = think
        self.seed = seed
        self.setup = Recorder()  # log-ins and branch lists, before the clock starts
        self.periods = recent_periods(3)

    def run(
        self,
        duration: float,
        drain: float,
        backoff: tuple[float, float],
        on_start: Callable[[float], None] | None = None,
    ) -> float:
        """All phones for `duration` s (plus the drain); returns the elapsed seconds. The phones
        log in first (a phone keeps its token for weeks); the clock starts when all have, and
        `on_start(monotonic start)` is called then."""
        self.ready = threading.Barrier(self.phones + 1)
        self.go = threading.Event()
        self.end = math.inf
        phones, threads = [], []
        for number in range(self.phones):
            rng = random.Random(self.seed * 100_003 + number)
            role = role_of(number)
            email = {
                "manager": MANAGERS[number // 10 % len(MANAGERS)],
                "hq": HQ[0],
                "auditor": AUDITORS[number % len(AUDITORS)],
            }[role]
            phone = Phone(number, self.base, email, self.setup, rng, backoff=backoff)
            phones.append(phone)
            threads.append(
                threading.Thread(target=self._phone, args=(phone, role, rng), daemon=True)
            )
        for thread in threads:
            thread.start()
        self.ready.wait()
        began = time.monotonic()
        self.end = began + duration
        for phone in phones:
            phone.hard_deadline = self.end + drain
        if on_start is not None:
            on_start(began)
        self.go.set()
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.5)
        return time.monotonic() - began

    def setup_summary(self) -> str:
        events = self.setup.events
        seconds = sorted(1000 * e.seconds for e in events if e.ok)
        middle = seconds[len(seconds) // 2] if seconds else float("nan")
        return (
            f"{len(events)} log-in and branch-list requests, {len(events) - len(seconds)} "
            f"failed, median {middle:.0f} ms"
        )

    def _wait(self, rng: random.Random, end: float) -> None:
        if self.think > 0:
            time.sleep(min(max(0.0, end - time.monotonic()), rng.uniform(0, 2 * self.think)))

    def _phone(self, phone: Phone, role: str, rng: random.Random) -> None:
        branch_ids: list[int] = []
        try:
            phone.login()
            branch_ids = phone.branches()
            phone.recorder = self.recorder
        except (Refused, OutOfTime) as error:
            self.failures.append(f"phone {phone.number} ({role}): log-in failed: {error}")
        finally:
            self.ready.wait()
            self.go.wait()
        if not branch_ids:
            return
        end = self.end
        try:
            time.sleep(rng.uniform(0, 0.5))  # phones do not all start in the same millisecond
            while time.monotonic() < end:
                if role == "manager":
                    phone.scorecard(branch_ids[0], rng.choice(self.periods))
                elif role == "hq":
                    phone.comparison(rng.choice(self.periods))
                else:
                    self._visit(phone, rng, branch_ids)
                self._wait(rng, end)
        except Exception as error:  # noqa: BLE001 - refused, out of time or a bug in the bench
            self.fail(f"phone {phone.number} ({role})", error)

    def _visit(self, phone: Phone, rng: random.Random, branch_ids: list[int]) -> None:
        record = self.ledger.new_visit(
            phone.number, self.bodies.photo_questions(rng.choice((1, 1, 2)))
        )
        try:
            for photo in record.photos:
                phone.send_photo(photo, self.bodies.jpeg(rng))
            body = self.bodies.visit(record, rng.choice(branch_ids))
            phone.send_visit(record, body)
            if rng.random() < REPLAY_SHARE:
                phone.replay(record, body)
        except Refused as error:
            record.refused = str(error)
            raise


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser("python -m bench.load", __doc__)
    parser.add_argument("--phones", type=int, default=50, help="simulated phones (threads)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--think", type=float, default=0.25, help="mean pause between actions")
    add_run_options(parser, "at most this long to finish the visits under way at the end")
    args = parser.parse_args(argv)
    if args.phones < 1 or args.duration <= 0 or args.workers < 1:
        parser.error("--phones, --duration and --workers must be positive")

    try:
        with Stack("load", args.workers, logs=args.logs) as stack:
            before = baseline(stack)
            scenario = Scenario(stack.base, args.phones, args.think, args.seed)
            say(f"{args.phones} phones for {args.duration:g} s ...")
            elapsed = scenario.run(args.duration, args.drain, backoff=(0.25, 4.0))
            say(f"done in {elapsed:.1f} s; load average {load_average()}")
            say(f"before the clock: {scenario.setup_summary()}")
            rows, result = print_results(
                stack, before, scenario.ledger, scenario.recorder.events, elapsed
            )
    except (BenchError, KeyboardInterrupt) as error:
        return stopped_early(error)

    errors = sum(row["errors"] for row in rows)
    for failure in scenario.failures[:20]:
        say(f"failure: {failure}")
    for row in rows:
        bad = {k: v for k, v in row["outcomes"].items() if not k.startswith("2")}
        if bad:
            say(f"error outcomes: {row['endpoint']}: {bad}")
    passed = errors == 0 and not scenario.failures and reconciliation_ok(result)
    say("")
    say(
        f"errors {errors}; lost {result['lost']}; duplicated {result['duplicated']}; "
        f"pending {result['pending']}: {'PASSED' if passed else 'FAILED'}"
    )
    return finish(
        args.json,
        {
            "benchmark": "load",
            "settings": settings(
                phones=args.phones,
                duration_s=args.duration,
                workers=args.workers,
                think_s=args.think,
            ),
            "elapsed_s": round(elapsed, 1),
            "requests": sum(row["requests"] for row in rows),
            "rps": round(sum(row["ok"] for row in rows) / elapsed, 1),
            "errors": errors,
            "endpoints": rows,
            "reconciliation": result,
            "failures": scenario.failures,
            "passed": passed,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
