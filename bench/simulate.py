"""Simulate: many submissions from retrying phones, with injected failures, then reconcile.

    python -m bench.simulate [--submissions 10000] [--phones 16] [--failure-rate 0.05]
                             [--photo-share 0.2] [--workers 4] [--json FILE]

The stack of bench/load.py (fresh database with the demo data, moto's S3 as a separate
process, gunicorn with S3 storage). `--phones` threads, each an auditor's phone with its own
token, share `--submissions` submissions. A submission is a branch visit with one photo
(reserve, presigned POST to S3, complete, then the visit) for `--photo-share` of them, else a
phone enquiry without photos. `--failure-rate` of the submissions get one injected failure,
the kinds in turn:

  response-dropped   the visit's response is dropped (read timeout of 1 ms: the server goes on
                     and commits); the phone backs off and sends the same visit again
  complete-dropped   the same for the photo's completion; the phone starts the photo again
                     from the reservation (same client_uuid), as the outbox does
  upload-dropped     the upload to S3 never happens and the phone asks for completion
                     anyway (must be 409, the photo stays reserved); then it starts again
  duplicate-send     the visit is sent twice at once over two connections: one visit, same id
  photo-late         the visit is sent with its photo only reserved (409-free: the visit is
                     stored incomplete), the photo is uploaded and completed afterwards, and
                     the visit must turn complete

Everything else is retried as the phone app does (no answer, 429, 5xx: backoff, same
client_uuid). Afterwards the phones' ledger is reconciled with PostgreSQL and S3.

Pass: lost 0, duplicated 0, nothing pending or refused, every visit whose photos are complete
is complete, no unexpected response outside the injected ones. Exit 0 when passed, else 1.
Stops starting new submissions after --time-limit s (the figures say how many were done).
Not part of the test suite; see bench/README.md.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/simulate.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._stack import (  # noqa: E402
    AUDITORS,
    TIMEOUT,
    Fleet,
    OutOfTime,
    Phone,
    Refused,
    Stack,
    VisitRecord,
    add_run_options,
    baseline,
    finish,
    load_average,
    print_results,
    reconciliation_ok,
    run_threads,
    settings,
)
from bench.submit import BenchError, bench_parser, say, stopped_early  # noqa: E402

KINDS = ("response-dropped", "complete-dropped", "upload-dropped", "duplicate-send", "photo-late")
NEEDS_PHOTO = {"complete-dropped", "upload-dropped", "photo-late"}
INJECTED = "inject: "  # label prefix of the requests whose failure is the point


class Simulation(Fleet):
    def __init__(self, stack: Stack, args: argparse.Namespace):
        super().__init__()
        self.base = stack.base
        self.args = args
        self.lock = threading.Lock()
        self.next_index = 0
        self.done = 0
        self.injected: Counter = Counter()
        self.observations: Counter = Counter()
        self.late_completeness: dict[str, str | None] = {}
        self.finished = threading.Event()
        # Which submissions fail, and how: exactly round(rate * n), kinds in turn.
        rng = random.Random(args.seed)
        count = round(args.failure_rate * args.submissions)
        chosen = rng.sample(range(args.submissions), count)
        self.plan = {index: KINDS[n % len(KINDS)] for n, index in enumerate(chosen)}

    def take(self) -> int | None:
        with self.lock:
            if self.next_index >= self.args.submissions or time.monotonic() > self.stop_at:
                return None
            self.next_index += 1
            return self.next_index - 1

    def run(self) -> float:
        began = time.monotonic()
        self.stop_at = began + self.args.time_limit
        hard = self.stop_at + self.args.drain
        phones = [
            Phone(
                number,
                self.base,
                AUDITORS[number % len(AUDITORS)],
                self.recorder,
                random.Random(self.args.seed * 7919 + number),
                backoff=(0.25, 4.0),
                hard_deadline=hard,
            )
            for number in range(self.args.phones)
        ]
        progress = threading.Thread(target=self._progress, args=(began,), daemon=True)
        progress.start()
        run_threads([lambda p=phone: self._phone(p) for phone in phones])
        self.finished.set()
        return time.monotonic() - began

    def _progress(self, began: float) -> None:
        while not self.finished.wait(15):
            elapsed = time.monotonic() - began
            say(
                f"  {elapsed:5.0f} s: {self.done} submissions done "
                f"({self.done / elapsed:.1f}/s), load average {load_average()}"
            )

    def _phone(self, phone: Phone) -> None:
        try:
            phone.login()
            branch_ids = phone.branches()
            while (index := self.take()) is not None:
                self._submission(phone, index, branch_ids)
                with self.lock:
                    self.done += 1
        except Exception as error:  # noqa: BLE001 - refused, out of time or a bug in the bench
            self.fail(f"phone {phone.number}", error)

    def _submission(self, phone: Phone, index: int, branch_ids: list[int]) -> None:
        rng = phone.rng
        kind = self.plan.get(index)
        with_photo = kind in NEEDS_PHOTO or (kind is None and rng.random() < self.args.photo_share)
        record = self.ledger.new_visit(phone.number, self.bodies.photo_questions(int(with_photo)))
        if kind:
            with self.lock:
                self.injected[kind] += 1
        try:
            jpeg = self.bodies.jpeg(rng)
            for photo in record.photos:
                if kind == "photo-late":
                    phone.send_photo(photo, jpeg, upload=False)  # reserved only
                elif kind == "upload-dropped":
                    reservation = phone.reserve(photo)
                    photo.photo_id = reservation["photo"]["id"]
                    outcome, _ = phone.exchange(
                        f"{INJECTED}complete, nothing uploaded",
                        "POST",
                        f"/api/v1/photos/{photo.photo_id}/complete",
                        (409,),
                    )
                    self._observe(kind, outcome)
                    phone.pause()
                    phone.send_photo(photo, jpeg)
                elif kind == "complete-dropped":
                    reservation = phone.reserve(photo)
                    photo.photo_id = reservation["photo"]["id"]
                    phone.upload(reservation, jpeg)
                    outcome, _ = phone.exchange(
                        f"{INJECTED}complete, response dropped",
                        "POST",
                        f"/api/v1/photos/{photo.photo_id}/complete",
                        (),
                        read_timeout=0.001,
                    )
                    self._observe(kind, outcome)
                    phone.pause()
                    phone.send_photo(photo, jpeg)
                else:
                    phone.send_photo(photo, jpeg)
            body = self.bodies.visit(
                record, rng.choice(branch_ids), phone_enquiry=not record.photos
            )
            if kind == "response-dropped":
                outcome, _ = phone.exchange(
                    f"{INJECTED}POST /visits, response dropped",
                    "POST",
                    "/api/v1/visits",
                    (),
                    json=body,
                    read_timeout=0.001,
                )
                self._observe(kind, outcome)
                phone.pause()
                response = phone.until(
                    "POST /visits", "POST", "/api/v1/visits", (200, 201), json=body
                )
                record.visit_id = response.json()["id"]
                self._observe(kind, f"retry answered {response.status_code}")
            elif kind == "duplicate-send":
                self._twice(phone, record, body)
            elif kind == "photo-late":
                response = phone.until(
                    "POST /visits", "POST", "/api/v1/visits", (200, 201), json=body
                )
                record.visit_id = response.json()["id"]
                self.late_completeness[record.client_uuid] = response.json().get("completeness")
            else:
                phone.send_visit(record, body)
            if kind == "photo-late":
                for photo in record.photos:
                    phone.finish_photo(photo, jpeg)
                self._observe(
                    kind, f"visit stored {self.late_completeness.pop(record.client_uuid)}"
                )
        except Refused as error:
            record.refused = str(error)
            raise

    def _observe(self, kind: str, outcome: object) -> None:
        with self.lock:
            self.observations[f"{kind}: {outcome}"] += 1

    def _twice(self, phone: Phone, record: VisitRecord, body: dict) -> None:
        twin = Phone(
            phone.number, self.base, phone.email, self.recorder, random.Random(record.phone)
        )
        twin.token = phone.token
        twin.hard_deadline = phone.hard_deadline
        answers: list = [None, None]

        def send(slot: int, who: Phone) -> None:
            try:
                response = who.until(
                    f"{INJECTED}POST /visits, sent twice at once",
                    "POST",
                    "/api/v1/visits",
                    (200, 201),
                    json=body,
                )
                answers[slot] = (response.status_code, response.json()["id"])
            except (Refused, OutOfTime) as error:
                answers[slot] = error

        other = threading.Thread(target=send, args=(1, twin))
        other.start()
        send(0, phone)
        other.join()
        for answer in answers:
            if isinstance(answer, Exception):
                raise Refused(f"duplicate send: {answer}")
        ids = {answer[1] for answer in answers}
        self._observe("duplicate-send", "+".join(sorted(str(answer[0]) for answer in answers)))
        if len(ids) != 1:
            raise Refused(f"the same visit sent twice got two ids: {sorted(ids)}")
        record.visit_id = ids.pop()


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser("python -m bench.simulate", __doc__)
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--phones", type=int, default=16, help="client threads")
    parser.add_argument("--failure-rate", type=float, default=0.05)
    parser.add_argument(
        "--photo-share",
        type=float,
        default=0.2,
        help="share of the submissions (without an injected photo failure) that are branch "
        "visits with a photo; the others are phone enquiries without photos",
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--time-limit", type=float, default=900.0, help="no new submissions after this"
    )
    add_run_options(parser)
    args = parser.parse_args(argv)
    if args.submissions < 1 or args.phones < 1 or not 0 <= args.failure_rate <= 1:
        parser.error("--submissions and --phones must be positive, --failure-rate in [0, 1]")

    try:
        with Stack("simulate", args.workers, logs=args.logs) as stack:
            before = baseline(stack)
            simulation = Simulation(stack, args)
            say(
                f"{args.submissions} submissions from {args.phones} phones, "
                f"{len(simulation.plan)} with an injected failure ..."
            )
            elapsed = simulation.run()
            say(f"done in {elapsed:.1f} s; load average {load_average()}")
            events = list(simulation.recorder.events)
            rows, result = print_results(stack, before, simulation.ledger, events, elapsed)
    except (BenchError, KeyboardInterrupt) as error:
        return stopped_early(error)

    say("")
    say("injected failures and what the server answered:")
    for kind in KINDS:
        seen = {
            k.split(": ", 1)[1]: v
            for k, v in simulation.observations.items()
            if k.startswith(kind + ": ")
        }
        say(f"  {kind:<18} {simulation.injected[kind]:>5}  {seen}")
    unexpected = Counter(
        f"{e.label}: {e.outcome}"
        for e in events
        if not e.ok and not e.label.startswith(INJECTED) and e.outcome != TIMEOUT
    )
    # A dropped response is the injected failure itself; anything else not expected is an error
    # (the phones still retried it).
    unexpected_injected = Counter(
        f"{e.label}: {e.outcome}"
        for e in events
        if e.label.startswith(INJECTED) and not e.ok and "response dropped" not in e.label
    )
    for problem, count in (unexpected + unexpected_injected).most_common(10):
        say(f"unexpected: {count} x {problem}")
    timeouts = sum(1 for e in events if e.outcome == TIMEOUT and not e.label.startswith(INJECTED))
    if timeouts:
        say(f"unexpected: {timeouts} requests timed out")
    for failure in simulation.failures[:20]:
        say(f"failure: {failure}")
    errors = sum(unexpected.values()) + sum(unexpected_injected.values()) + timeouts
    bad_5xx = sorted(
        {str(e.outcome) for e in events if isinstance(e.outcome, int) and e.outcome >= 500}
    )
    passed = errors == 0 and not simulation.failures and reconciliation_ok(result)
    say("")
    say(
        f"{simulation.done} of {args.submissions} submissions in {elapsed:.0f} s "
        f"({simulation.done / elapsed:.1f}/s); {sum(simulation.injected.values())} injected "
        f"failures; unexpected responses {errors}; lost {result['lost']}; duplicated "
        f"{result['duplicated']}; pending {result['pending']}: "
        f"{'PASSED' if passed else 'FAILED'}"
    )
    return finish(
        args.json,
        {
            "benchmark": "simulate",
            "settings": settings(
                submissions=args.submissions,
                phones=args.phones,
                failure_rate=args.failure_rate,
                photo_share=args.photo_share,
                workers=args.workers,
            ),
            "elapsed_s": round(elapsed, 1),
            "submissions_done": simulation.done,
            "submissions_per_s": round(simulation.done / elapsed, 2),
            "injected": dict(simulation.injected),
            "observations": dict(simulation.observations),
            "unexpected": errors,
            "bad_5xx": bad_5xx,
            "endpoints": rows,
            "reconciliation": result,
            "failures": simulation.failures,
            "passed": passed,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
