"""Faults: the load of bench/load.py while gunicorn, PostgreSQL and S3 fail in turn.

    python -m bench.faults [--phones 12] [--workers 4] [--pg-down 6] [--s3-down 20] [--json FILE]

The same stack and phones as bench/load.py (fewer phones by default). While they run:

  worker   at --kill-at s: SIGKILL to one gunicorn worker (the master starts a new one);
  postgres at --pg-at s: `pg_ctlcluster --skip-systemctl-redirect <ver> <cluster> stop -m fast`,
           --pg-down s later `start` (the whole cluster: other sessions see it too);
  s3       at --s3-at s: the moto S3 process stopped (SIGTERM; it saves its objects),
           --s3-down s later started again on the same port (it loads them back).

The phones retry as the phone app's outbox does (static/js/outbox.js: no answer, 429 or 5xx
is retried with backoff and the same client_uuid; here 0.25-4 s instead of 5 s-5 min). The
load runs --after s past the last fault; then the phones finish what they hold (at most
--drain s) and everything is reconciled against PostgreSQL and S3.

For each fault it prints the outcomes (status codes; "conn" / "timeout" when there was no
answer) of the requests under way while the dependency was down, the same for the 15 s after,
and how long each endpoint took to answer normally again.

Pass: never a 5xx other than 503 (no 500), no 4xx a phone would give up on; every endpoint
answers normally again within --grace s of the dependency's return without any restart (the
server recovers by itself); lost 0, duplicated 0, nothing pending. Exit 0 when passed, else 1.
Not part of the test suite; see bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/faults.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._stack import (  # noqa: E402
    Event,
    Stack,
    add_run_options,
    baseline,
    finish,
    load_average,
    outcome_table,
    print_results,
    reconciliation_ok,
    settings,
)
from bench.load import Scenario  # noqa: E402
from bench.submit import BenchError, bench_parser, say, stopped_early  # noqa: E402

CLUSTER = ("15", "main")


@dataclass
class Window:
    name: str
    what: str
    start: float = 0.0  # monotonic: the fault begins
    end: float = 0.0  # monotonic: the dependency is back
    error: str | None = None


def pg_cluster() -> tuple[str, str]:
    """The (version, name) of the cluster on port 5432, from pg_lsclusters."""
    try:
        out = subprocess.run(
            ["pg_lsclusters", "--no-header"], capture_output=True, text=True, timeout=10
        ).stdout
    except OSError:
        return CLUSTER
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] == "5432":
            return parts[0], parts[1]
    return CLUSTER


def pg_ctl(action: str) -> None:
    version, name = pg_cluster()
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action]
    if action == "stop":
        command += ["-m", "fast"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise BenchError(f"{' '.join(command)} failed: {done.stderr.strip()}")


def pg_ready() -> bool:
    return (
        subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], timeout=10).returncode
        == 0
    )


def ensure_pg_running() -> None:
    if pg_ready():
        return
    try:
        pg_ctl("start")
    except BenchError as error:
        say(f"warning: {error}")
    for _ in range(60):
        if pg_ready():
            return
        time.sleep(1)
    say("warning: PostgreSQL is still not ready")


class Injector:
    def __init__(self, stack: Stack, args: argparse.Namespace, began: float):
        self.stack = stack
        self.args = args
        self.began = began
        self.windows: list[Window] = []
        self.stopped = threading.Event()

    def _at(self, offset: float) -> None:
        delay = self.began + offset - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def run(self) -> None:
        try:
            self._worker()
            self._postgres()
            self._s3()
        except Exception as error:  # noqa: BLE001 - reported with the results
            if self.windows:
                self.windows[-1].error = repr(error)
            say(f"fault injection failed: {error!r}")
        finally:
            self.stopped.set()

    def _worker(self) -> None:
        self._at(self.args.kill_at)
        gunicorn = self.stack.gunicorn
        assert gunicorn is not None
        before = set(gunicorn.worker_pids())
        victim = random.Random(7).choice(sorted(before))
        window = Window("worker", f"SIGKILL gunicorn worker {victim}")
        self.windows.append(window)
        window.start = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            now = set(gunicorn.worker_pids())
            if victim not in now and len(now) >= len(before):
                break
            time.sleep(0.05)
        window.end = time.monotonic()
        say(
            f"[{window.start - self.began:6.1f} s] worker {victim} killed; replaced after "
            f"{window.end - window.start:.1f} s"
        )

    def _postgres(self) -> None:
        def start() -> None:
            pg_ctl("start")
            while not pg_ready():
                time.sleep(0.1)

        self._outage(
            "postgres",
            "PostgreSQL",
            at=self.args.pg_at,
            down=self.args.pg_down,
            stop=lambda: pg_ctl("stop"),
            start=start,
            back="ready",
        )

    def _s3(self) -> None:
        self._outage(
            "s3",
            "S3",
            at=self.args.s3_at,
            down=self.args.s3_down,
            stop=lambda: self.stack.moto.stop(),
            start=lambda: self.stack.moto.start(),
            back="listening",
            what="moto S3",
        )

    def _outage(
        self,
        name: str,
        short: str,
        at: float,
        down: float,
        stop: Callable[[], None],
        start: Callable[[], None],
        back: str,
        what: str | None = None,
    ) -> None:
        """At `at` s: `stop()`, then `down` s after the fault began `start()` (which returns when
        the dependency answers again). `what` names it in the window (default: `short`)."""
        self._at(at)
        window = Window(name, f"{what or short} stopped for {down:g} s")
        self.windows.append(window)
        window.start = time.monotonic()
        stop()
        stopped = time.monotonic()
        time.sleep(max(0.0, down - (stopped - window.start)))
        start()
        window.end = time.monotonic()
        say(
            f"[{window.start - self.began:6.1f} s] {short} stopped (took "
            f"{stopped - window.start:.1f} s), {back} again after {window.end - window.start:.1f} s"
        )


def overlapping(events: list[Event], start: float, end: float) -> list[Event]:
    """Requests under way at some moment of [start, end]."""
    return [e for e in events if e.start <= end and e.start + e.seconds >= start]


def judge_window(
    window: Window, events: list[Event], grace: float, began: float, until: float
) -> dict:
    """`until`: when the next fault begins (or the load ends): later failures are not this
    fault's."""
    during = overlapping(events, window.start, window.end)
    after = [e for e in events if window.end < e.start <= min(window.end + 15, until)]
    say("")
    say(
        f"fault '{window.name}': {window.what}, from {window.start - began:.1f} s to "
        f"{window.end - began:.1f} s"
    )
    table_during = outcome_table("  outcomes of requests under way while it was down:", during)
    table_after = outcome_table("  outcomes of requests started in the 15 s after:", after)
    bad_during = sorted(
        {
            str(e.outcome)
            for e in during
            if isinstance(e.outcome, int) and e.outcome >= 500 and e.outcome != 503
        }
    )
    # Recovery: per endpoint that failed during the window, the first normal answer after it;
    # and no failure at all among requests started later than `grace` after the return.
    recovery: dict[str, float | None] = {}
    for label in sorted({e.label for e in during if not e.ok}):
        later = [e for e in events if e.label == label and e.start >= window.end and e.ok]
        first = min((e.start + e.seconds for e in later), default=None)
        recovery[label] = None if first is None else round(first - window.end, 2)
    # (Requests still under way when the next fault begins are that fault's.)
    late_failures = [
        e
        for e in events
        if window.end + grace < e.start and e.start + e.seconds < until and not e.ok
    ]
    for label, seconds in recovery.items():
        say(
            f"  {label}: "
            + (
                f"answering normally {seconds:.1f} s after the return"
                if seconds is not None
                else "NEVER answered normally again"
            )
        )
    recovered = all(seconds is not None for seconds in recovery.values()) and not late_failures
    if late_failures:
        say(f"  {len(late_failures)} requests still failed more than {grace:g} s after:")
        for event in late_failures[:5]:
            say(f"    {event.label} at {event.start - began:.1f} s: {event.outcome}")
    if bad_during:
        say(f"  5xx other than 503 while down: {', '.join(bad_during)}")
    return {
        "fault": window.name,
        "what": window.what,
        "start_s": round(window.start - began, 1),
        "down_s": round(window.end - window.start, 1),
        "during": table_during,
        "after": table_after,
        "recovery_s": recovery,
        "recovered": recovered,
        "bad_5xx": bad_during,
        "error": window.error,
        "passed": recovered and not bad_during and window.error is None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = bench_parser("python -m bench.faults", __doc__)
    parser.add_argument("--phones", type=int, default=12)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--think", type=float, default=0.25)
    parser.add_argument("--kill-at", type=float, default=15.0, help="s after the load starts")
    parser.add_argument("--pg-at", type=float, default=35.0)
    parser.add_argument("--pg-down", type=float, default=6.0)
    parser.add_argument("--s3-at", type=float, default=65.0)
    parser.add_argument("--s3-down", type=float, default=20.0)
    parser.add_argument(
        "--after", type=float, default=30.0, help="seconds of load after the last fault"
    )
    parser.add_argument(
        "--grace",
        type=float,
        default=10.0,
        help="requests started this long after a dependency is back must work",
    )
    add_run_options(parser)
    args = parser.parse_args(argv)
    if not args.kill_at < args.pg_at < args.s3_at:
        parser.error("the faults must come in the order worker, postgres, s3")

    duration = args.s3_at + args.s3_down + args.after
    verdicts: list[dict] = []
    try:
        with Stack("faults", args.workers, logs=args.logs) as stack:
            try:
                before = baseline(stack)
                scenario = Scenario(stack.base, args.phones, args.think, args.seed)
                say(
                    f"{args.phones} phones for {duration:g} s; faults: worker at "
                    f"{args.kill_at:g} s, PostgreSQL at {args.pg_at:g} s for {args.pg_down:g} s,"
                    f" S3 at {args.s3_at:g} s for {args.s3_down:g} s"
                )
                injector = Injector(stack, args, 0.0)
                thread = threading.Thread(target=injector.run, daemon=True)

                def start_faults(began: float) -> None:
                    injector.began = began
                    thread.start()

                elapsed = scenario.run(
                    duration, args.drain, backoff=(0.25, 4.0), on_start=start_faults
                )
                while thread.is_alive():
                    thread.join(timeout=0.5)
                began = injector.began
            finally:
                ensure_pg_running()
            say(f"done in {elapsed:.1f} s; load average {load_average()}")
            say(f"before the clock: {scenario.setup_summary()}")
            events = list(scenario.recorder.events)
            ends = [w.start for w in injector.windows[1:]] + [began + duration]
            for window, until in zip(injector.windows, ends, strict=True):
                verdicts.append(judge_window(window, events, args.grace, began, until))
            rows, result = print_results(stack, before, scenario.ledger, events, elapsed)
    except (BenchError, KeyboardInterrupt) as error:
        return stopped_early(error)
    finally:
        ensure_pg_running()

    bad = sorted(
        {
            str(e.outcome)
            for e in events
            if isinstance(e.outcome, int) and e.outcome >= 500 and e.outcome != 503
        }
    )
    client_errors = sorted(
        {
            str(e.outcome)
            for e in events
            if isinstance(e.outcome, int) and 400 <= e.outcome < 500 and e.outcome != 429
        }
    )
    for failure in scenario.failures[:20]:
        say(f"failure: {failure}")
    say("")
    say("summary per fault:")
    say(
        f"  {'fault':<10} {'down s':>7} {'503':>6} {'conn':>6} {'timeout':>8} {'other 5xx':>10} "
        f"{'recovered':>10}"
    )
    for verdict in verdicts:
        counts: dict[str, int] = {}
        for outcomes in verdict["during"].values():
            for outcome, count in outcomes.items():
                counts[outcome] = counts.get(outcome, 0) + count
        other = sum(
            c for o, c in counts.items() if o.isdigit() and o.startswith("5") and o != "503"
        )
        say(
            f"  {verdict['fault']:<10} {verdict['down_s']:>7.1f} {counts.get('503', 0):>6} "
            f"{counts.get('conn', 0):>6} {counts.get('timeout', 0):>8} {other:>10} "
            f"{'yes' if verdict['recovered'] else 'NO':>10}"
        )
    passed = (
        len(verdicts) == 3
        and all(verdict["passed"] for verdict in verdicts)
        and not bad
        and not client_errors
        and not scenario.failures
        and reconciliation_ok(result)
    )
    say(
        f"5xx other than 503 anywhere: {bad or 'none'}; 4xx: {client_errors or 'none'}; "
        f"lost {result['lost']}; duplicated {result['duplicated']}; pending {result['pending']}:"
        f" {'PASSED' if passed else 'FAILED'}"
    )
    return finish(
        args.json,
        {
            "benchmark": "faults",
            "settings": settings(
                phones=args.phones,
                workers=args.workers,
                duration_s=duration,
                pg_down_s=args.pg_down,
                s3_down_s=args.s3_down,
            ),
            "elapsed_s": round(elapsed, 1),
            "faults": verdicts,
            "endpoints": rows,
            "bad_5xx": bad,
            "client_errors": client_errors,
            "reconciliation": result,
            "failures": scenario.failures,
            "passed": passed,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
