"""Benchmark: POST /api/v1/visits against a bare endpoint doing the same unavoidable work.

    python -m bench.submit [--duration 20] [--clients 16] [--workers 4] [--database-url URL]

Creates a fresh PostgreSQL database (dropped at the end), loads the demo network into it with
`flask --app bench.submit_app demo`, starts gunicorn (sync workers, loopback, APP_ENV=production)
on `bench.submit_app:app` and, after a warm-up, runs three timed scenarios one after the other,
each for the same duration with the same number of client threads:

  bare      POST /bench/bare-visits  same schema, validation, scoring and rows; no platform layers
  platform  POST /api/v1/visits      the product endpoint: a new visit (new client_uuid) each time
  replay    POST /api/v1/visits      a visit already stored, sent again: 200 with the same id

Every visit has 30 answers (the built-in branch-visit v1 form, audit_forms.samples' best
answers; the optional photo question without a photo). Each platform visit carries a complete
photo of its own for the photo-required question, prepared outside the timed phases: the
warm-up's photos go through the API (reserve, upload, complete); the timed phase's are copies
of such a complete photo row made in SQL (the API path costs 40-80 ms of server time a photo
here, too slow for thousands; a submission only reads and links the row).
--all-photos-via-api makes every photo through the API instead. The bare endpoint does not
look photos up, so its bodies carry a fixed photo id.

Any response other than the expected one counts as an error; the script exits 1 when there was
any error (and 3 with --strict when a target is missed). Not part of the test suite. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/submit.py`
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import requests  # noqa: E402

from audit_forms import Form, Question, load_builtin_forms  # noqa: E402
from audit_forms.samples import best_answers, best_value  # noqa: E402

APP = "bench.submit_app"
AUDITOR = "auditor.pl@demo.example"
PASSWORD = "demo-pass-2026"  # server.services.demo.DEMO_PASSWORD
BRANCH_CODE = "PL-LDZ-001"
FORM_KEY, FORM_VERSION = "branch-visit", 1
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

TARGET_RATIO = 0.7
TARGET_P99_MS = 125.0
REQUEST_TIMEOUT = 30.0
WARMUP_REQUESTS = 200  # per scenario, spread over the clients
TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """The benchmark could not be set up or run; the message says why."""


def say(line: str = "") -> None:
    print(line, flush=True)


def stopped_early(error: BenchError | KeyboardInterrupt) -> int:
    """Says why a benchmark stopped early; returns its exit code (1, or 130 when interrupted)."""
    if isinstance(error, KeyboardInterrupt):
        say("interrupted")
        return 130
    say(f"bench failed: {error}")
    return 1


# --------------------------------------------------------------------------------------------
# Request bodies


def photo_question(form: Form) -> Question:
    """The form's one question that requires a photo (each visit gets its own photo for it)."""
    questions = [question for question in form.questions if question.photo_required]
    if len(questions) != 1:
        raise BenchError(
            f"{FORM_KEY} v{FORM_VERSION} has {len(questions)} photo-required questions, not 1"
        )
    return questions[0]


@dataclass
class Bodies:
    branch_id: int
    answers: dict[str, dict[str, Any]]  # without photos
    photo_key: str
    photo_answer: dict[str, Any]
    started_at: str
    ended_at: str

    def visit(self, photo_id: int) -> bytes:
        answers = {**self.answers, self.photo_key: {**self.photo_answer, "photo_ids": [photo_id]}}
        body = {
            "client_uuid": str(uuid.uuid4()),
            "branch_id": self.branch_id,
            "form_key": FORM_KEY,
            "form_version": FORM_VERSION,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "waiting_seconds": 95,
            "answers": answers,
            "gps": {"latitude": 51.7592, "longitude": 19.456, "accuracy_m": 12},
            "device": "Pixel 8",
            "app_version": "1.0.0",
        }
        return json.dumps(body, ensure_ascii=False).encode()


def small_jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Load generation


@dataclass(frozen=True)
class Call:
    url: str
    body: bytes
    expect: int
    context: Any = None


class Workload:
    """Makes the next request (None: nothing left) and judges its response (None: fine)."""

    def next(self) -> Call | None:
        raise NotImplementedError

    def check(self, call: Call, response: requests.Response) -> str | None:
        if response.status_code != call.expect:
            return f"HTTP {response.status_code} (expected {call.expect}): {_excerpt(response)}"
        return None


def _excerpt(response: requests.Response) -> str:
    text = response.text.replace("\n", " ")
    return text[:160] + ("..." if len(text) > 160 else "")


BARE_PATHS = {"orm": "/bench/bare-visits", "core": "/bench/bare-visits-core"}


class BareVisits(Workload):
    def __init__(self, base: str, bodies: Bodies, limit: int | None = None, kind: str = "orm"):
        self.url = f"{base}{BARE_PATHS[kind]}"
        self.bodies = bodies
        self.left = itertools.count() if limit is None else iter(range(limit))

    def next(self) -> Call | None:
        if next(self.left, None) is None:
            return None
        # The baseline does not look photos up: any integer id gives the same work.
        return Call(self.url, self.bodies.visit(photo_id=1), 201)


class NewVisits(Workload):
    """New visits, each with its own complete photo; remembers what it stored for replays."""

    def __init__(self, base: str, bodies: Bodies, photos: list[int], limit: int | None = None):
        self.url = f"{base}/api/v1/visits"
        self.bodies = bodies
        self.photos = photos
        self.lock = threading.Lock()
        self.left = itertools.count() if limit is None else iter(range(limit))
        self.stored: list[tuple[bytes, int]] = []

    def next(self) -> Call | None:
        with self.lock:
            if next(self.left, None) is None or not self.photos:
                return None
            photo_id = self.photos.pop()
        return Call(self.url, self.bodies.visit(photo_id), 201)

    def check(self, call: Call, response: requests.Response) -> str | None:
        problem = super().check(call, response)
        if problem is None:
            self.stored.append((call.body, response.json()["id"]))
        return problem


class Replays(Workload):
    """Visits stored earlier, sent again unchanged: 200 and the same id each time."""

    def __init__(self, base: str, stored: list[tuple[bytes, int]], limit: int | None = None):
        if not stored:
            raise BenchError("no stored visits to replay")
        self.url = f"{base}/api/v1/visits"
        self.stored = stored
        self.counter = itertools.count()
        self.limit = limit

    def next(self) -> Call | None:
        index = next(self.counter)
        if self.limit is not None and index >= self.limit:
            return None
        body, visit_id = self.stored[index % len(self.stored)]
        return Call(self.url, body, 200, visit_id)

    def check(self, call: Call, response: requests.Response) -> str | None:
        problem = super().check(call, response)
        if problem is None and response.json()["id"] != call.context:
            return f"replay answered visit {response.json()['id']}, not {call.context}"
        return problem


@dataclass
class Result:
    name: str = ""
    endpoint: str = ""
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    errors: Counter = field(default_factory=Counter)
    elapsed: float = 0.0
    exhausted: bool = False
    server_cpu: float | None = None  # seconds, all gunicorn workers
    db_cpu: float | None = None  # seconds, the PostgreSQL backends of the benchmark database
    client_cpu: float = 0.0  # seconds, this process

    def add(self, other: Result) -> None:
        """Fold another run of the same scenario (a round) into this one."""
        self.latencies.extend(other.latencies)
        self.errors.update(other.errors)
        self.elapsed += other.elapsed
        self.exhausted |= other.exhausted
        self.client_cpu += other.client_cpu
        for name in ("server_cpu", "db_cpu"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if theirs is not None:
                setattr(self, name, theirs if mine is None else mine + theirs)

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return 1000 * ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    def per_request_ms(self, seconds: float | None) -> float | None:
        if seconds is None or not self.latencies:
            return None
        return 1000 * seconds / len(self.latencies)


def run_load(
    workload: Workload,
    headers: dict[str, str],
    clients: int,
    duration: float | None,
    probe: CpuProbe | None = None,
) -> Result:
    """`clients` threads, each with its own keep-alive session, send requests back to back until
    `duration` has passed (or the workload has nothing left). Only the HTTP call is timed."""
    result = Result()
    lock = threading.Lock()
    start_gate = threading.Barrier(clients + 1)
    stop = threading.Event()
    finished: list[float] = []
    deadline = [math.inf]

    def client() -> None:
        latencies: list[float] = []
        errors: Counter = Counter()
        exhausted = False
        with requests.Session() as session:
            session.headers.update(headers)
            session.headers["Content-Type"] = "application/json"
            start_gate.wait()
            while not stop.is_set() and time.perf_counter() < deadline[0]:
                call = workload.next()
                if call is None:
                    exhausted = True
                    break
                began = time.perf_counter()
                try:
                    response = session.post(call.url, data=call.body, timeout=REQUEST_TIMEOUT)
                except requests.RequestException as error:
                    errors[f"{type(error).__name__}: {error}"[:200]] += 1
                    continue
                took = time.perf_counter() - began
                try:
                    problem = workload.check(call, response)
                except (ValueError, KeyError, TypeError) as error:  # not the JSON expected
                    problem = f"HTTP {response.status_code}, unexpected body ({error!r})"
                if problem is None:
                    latencies.append(took)
                else:
                    errors[problem] += 1
        with lock:
            result.latencies.extend(latencies)
            result.errors.update(errors)
            result.exhausted |= exhausted
            finished.append(time.perf_counter())

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    before = probe.sample() if probe else None
    client_before = time.process_time()
    began = time.perf_counter()
    deadline[0] = began + duration if duration is not None else math.inf
    try:
        start_gate.wait()
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.5)
    finally:
        stop.set()
    result.elapsed = (max(finished) if finished else time.perf_counter()) - began
    result.client_cpu = time.process_time() - client_before
    if probe and before is not None:
        after = probe.sample()
        result.server_cpu = after[0] - before[0]
        result.db_cpu = None if after[1] is None else after[1] - before[1]
    return result


# --------------------------------------------------------------------------------------------
# CPU accounting from /proc (Linux): what each side costs per request, beside the wall clock


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as stream:
        fields = stream.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


class CpuProbe:
    """CPU time of the gunicorn workers (children of the master) and of the PostgreSQL backends
    serving the benchmark database (found by name in their command line)."""

    def __init__(self, master_pid: int, database: str):
        self.master_pid = master_pid
        self.marker = f" {database} ".encode()

    def sample(self) -> tuple[float, float | None]:
        server, db, found_db = 0.0, 0.0, False
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            try:
                with open(f"/proc/{pid}/stat", "rb") as stream:
                    stat = stream.read()
                ppid = int(stat.rsplit(b")", 1)[1].split()[1])
                if ppid == self.master_pid:
                    server += _cpu_seconds(pid)
                    continue
                if b"(postgres)" in stat:
                    with open(f"/proc/{pid}/cmdline", "rb") as stream:
                        if self.marker in stream.read().replace(b"\0", b" "):
                            db += _cpu_seconds(pid)
                            found_db = True
            except (OSError, ValueError, IndexError):
                continue
        return server, (db if found_db else None)


# --------------------------------------------------------------------------------------------
# Database, processes


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?", 1)[0]


def create_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def libpq_url(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://) as libpq spells it."""
    scheme, _, rest = url.partition("://")
    return f"{scheme.split('+', 1)[0]}://{rest}"


def server_version(url: str) -> str:
    with psycopg.connect(libpq_url(url), connect_timeout=10) as connection:
        return connection.execute("SHOW server_version").fetchone()[0]


def code_version() -> str:
    """The commit under test, and whether the working tree differs from it (read-only git:
    GIT_OPTIONAL_LOCKS=0 keeps `git status` from refreshing the index)."""
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{head or 'unknown'}{' + uncommitted changes' if dirty else ''}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_environment(database_url: str, storage: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        # A defined setup: local storage, in-memory rate limits, nothing inherited.
        if not key.startswith(("S3_", "AWS_")) and key not in ("REDIS_URL", "FLASK_APP")
    }
    env.update(
        DATABASE_URL=database_url,
        APP_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(48),
        STORAGE_DIR=str(storage),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
        # The per-token limits stop a runaway phone; 16 clients sharing one auditor's token
        # would hit them at once. The limiter still runs (its cost is measured), it just never
        # says no. Unknown names are ignored by older versions of the app.
        VISIT_SUBMISSION_LIMIT="1000000 per minute",
        PHOTO_RESERVATION_LIMIT="1000000 per minute",
    )
    return env


def load_demo(env: dict[str, str], app: str) -> None:
    command = [sys.executable, "-m", "flask", "--app", app, "demo"]
    try:
        done = subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError("`flask demo` took more than 300 s") from error
    if done.returncode != 0:
        raise BenchError(f"`flask demo` failed:\n{done.stdout}\n{done.stderr}")


class Gunicorn:
    def __init__(self, env: dict[str, str], app: str, workers: int, port: int, log: Path):
        self.log_path = log
        self.log = log.open("wb")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
            f"{app}:app",
        ]
        self.process = subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us, and we stop it in order
        )
        self.base = f"http://127.0.0.1:{port}"

    def wait_healthy(self, workers: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            try:
                if requests.get(f"{self.base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            raise BenchError(f"gunicorn did not answer /api/v1/health in {timeout} s")
        # Every worker up (each imports the app): give the slow ones a moment.
        while time.monotonic() < deadline and len(self.worker_pids()) < workers:
            time.sleep(0.2)

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", "rb") as stream:
                        if int(stream.read().rsplit(b")", 1)[1].split()[1]) == self.process.pid:
                            pids.append(int(entry))
                except (OSError, ValueError, IndexError):
                    pass
        return pids

    def tail(self, lines: int = 40) -> str:
        self.log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


# --------------------------------------------------------------------------------------------
# Talking to the API


def login(base: str) -> dict[str, str]:
    response = requests.post(
        f"{base}/api/v1/auth/token",
        json={"email": AUDITOR, "password": PASSWORD},
        timeout=REQUEST_TIMEOUT,
    )
    if response.status_code != 201:
        raise BenchError(f"login failed: HTTP {response.status_code} {_excerpt(response)}")
    return {"Authorization": f"Bearer {response.json()['token']}"}


def branch_id(base: str, headers: dict[str, str]) -> int:
    response = requests.get(
        f"{base}/api/v1/branches", params={"q": BRANCH_CODE}, headers=headers, timeout=30
    )
    if response.status_code != 200:
        raise BenchError(f"branch look-up failed: HTTP {response.status_code}")
    for branch in response.json():
        if branch["code"] == BRANCH_CODE:
            return branch["id"]
    raise BenchError(f"branch {BRANCH_CODE} is not among the auditor's branches")


def create_photos(
    base: str, headers: dict[str, str], count: int, clients: int, jpeg: bytes
) -> list[int]:
    """`count` complete photos of the auditor, through the API as a phone without S3 would."""
    made: list[int] = []
    failures: list[str] = []
    lock = threading.Lock()
    left = iter(range(count))

    def worker() -> None:
        with requests.Session() as session:
            session.headers.update(headers)
            while not failures and next(left, None) is not None:
                try:
                    made_id = _one_photo(session, base, jpeg)
                except (BenchError, requests.RequestException) as error:
                    with lock:
                        failures.append(str(error))
                    return
                with lock:
                    made.append(made_id)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.5)
    if failures:
        raise BenchError(f"creating photos failed: {failures[0]}")
    return made


def clone_photos(database_url: str, template_id: int, count: int) -> list[int]:
    """`count` copies of a complete photo row (made through the API), unlinked and with no
    client_uuid: to submit_visit indistinguishable from photos completed one by one."""
    skip = {"id", "client_uuid", "visit_id", "question_key"}
    with psycopg.connect(libpq_url(database_url), connect_timeout=10) as connection:
        columns = [
            row[0]
            for row in connection.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = 'photos'"
                " ORDER BY ordinal_position"
            )
            if row[0] not in skip
        ]
        names = ", ".join(f'"{name}"' for name in columns)
        ids = [
            row[0]
            for row in connection.execute(
                f"INSERT INTO photos ({names}) SELECT {names} FROM photos,"
                " generate_series(1, %s) WHERE id = %s AND status = 'complete' RETURNING id",
                (count, template_id),
            )
        ]
    if len(ids) != count:
        raise BenchError(f"could not copy photo {template_id} (is it complete?)")
    return ids


def _one_photo(session: requests.Session, base: str, jpeg: bytes) -> int:
    reserved = session.post(
        f"{base}/api/v1/photos", json={"content_type": "image/jpeg"}, timeout=REQUEST_TIMEOUT
    )
    if reserved.status_code != 201:
        raise BenchError(f"reserve: HTTP {reserved.status_code} {_excerpt(reserved)}")
    photo_id = reserved.json()["photo"]["id"]
    uploaded = session.put(
        f"{base}/api/v1/photos/{photo_id}/content",
        data=jpeg,
        headers={"Content-Type": "image/jpeg"},
        timeout=REQUEST_TIMEOUT,
    )
    if uploaded.status_code != 204:
        raise BenchError(f"upload: HTTP {uploaded.status_code} {_excerpt(uploaded)}")
    completed = session.post(f"{base}/api/v1/photos/{photo_id}/complete", timeout=REQUEST_TIMEOUT)
    if completed.status_code != 200:
        raise BenchError(f"complete: HTTP {completed.status_code} {_excerpt(completed)}")
    return photo_id


# --------------------------------------------------------------------------------------------
# Report


def _fmt(value: float | None, spec: str = ".1f") -> str:
    return (
        "-"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else format(value, spec)
    )


def _total_cpu_ms(result: Result) -> float | None:
    server = result.per_request_ms(result.server_cpu)
    db = result.per_request_ms(result.db_cpu)
    return None if server is None else server + (db or 0.0)


def report(results: list[Result], say: Callable[[str], None]) -> tuple[float, float, bool]:
    header = (
        f"{'scenario':<9} {'endpoint':<34} {'requests':>8} {'req/s':>7} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'errors':>6}  {'CPU ms/req: server':>18} {'db':>5} {'client':>6}"
    )
    say(header)
    say("-" * len(header))
    for result in results:
        say(
            f"{result.name:<9} {result.endpoint:<34} {result.requests:>8} {result.rate:>7.1f} "
            f"{_fmt(result.percentile(0.50)):>7} {_fmt(result.percentile(0.99)):>7} "
            f"{sum(result.errors.values()):>6}  "
            f"{_fmt(result.per_request_ms(result.server_cpu), '.2f'):>18} "
            f"{_fmt(result.per_request_ms(result.db_cpu), '.2f'):>5} "
            f"{_fmt(result.per_request_ms(result.client_cpu), '.2f'):>6}"
        )
    by_name = {result.name: result for result in results}
    bare, product = by_name["bare"], by_name["platform"]
    ratio = product.rate / bare.rate if bare.rate else 0.0
    p99 = product.percentile(0.99)
    ratio_ok = ratio >= TARGET_RATIO
    p99_ok = p99 <= TARGET_P99_MS
    say("")
    say(
        f"ratio platform/bare req/s: {ratio:.2f}  (target >= {TARGET_RATIO:.2f}: "
        f"{'met' if ratio_ok else 'MISSED'})"
    )
    say(
        f"platform p99: {p99:.1f} ms  (target <= {TARGET_P99_MS:.0f} ms: "
        f"{'met' if p99_ok else 'MISSED'})"
    )
    bare_cpu = _total_cpu_ms(bare)
    product_cpu = _total_cpu_ms(product)
    if bare_cpu and product_cpu:
        say(
            f"CPU per request, server + database: bare {bare_cpu:.1f} ms, platform "
            f"{product_cpu:.1f} ms: cost ratio {bare_cpu / product_cpu:.2f} (what req/s shows "
            "when CPU is the only limit; the client's own CPU pulls it a little towards 1)"
        )
    for result in results:
        if result.exhausted:
            say(f"note: {result.name} ran out of prepared requests after {result.elapsed:.1f} s")
        for problem, count in result.errors.most_common(10):
            say(f"error: {result.name}: {count} x {problem}")
    return ratio, p99, ratio_ok and p99_ok


def as_json(results: list[Result], ratio: float, p99: float, settings: dict[str, Any]) -> dict:
    return {
        "settings": settings,
        "ratio_platform_bare_rps": round(ratio, 3),
        "platform_p99_ms": round(p99, 1),
        "targets": {"ratio_min": TARGET_RATIO, "p99_max_ms": TARGET_P99_MS},
        "scenarios": [
            {
                "name": r.name,
                "endpoint": r.endpoint,
                "requests": r.requests,
                "rps": round(r.rate, 1),
                "p50_ms": round(r.percentile(0.5), 2),
                "p99_ms": round(r.percentile(0.99), 2),
                "errors": dict(r.errors),
                "elapsed_s": round(r.elapsed, 2),
                "server_cpu_ms_per_req": r.per_request_ms(r.server_cpu),
                "db_cpu_ms_per_req": r.per_request_ms(r.db_cpu),
                "client_cpu_ms_per_req": r.per_request_ms(r.client_cpu),
            }
            for r in results
        ],
    }


# --------------------------------------------------------------------------------------------


def bench_parser(prog: str, doc: str) -> argparse.ArgumentParser:
    """A benchmark's command line: the first paragraph of its docstring as the description,
    the defaults shown in --help."""
    return argparse.ArgumentParser(
        prog=prog,
        description=doc.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = bench_parser("python -m bench.submit", __doc__)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per scenario")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument(
        "--database-url",
        help="use this database as it is (not dropped); default: a fresh "
        "postgresql://postgres@127.0.0.1:5432/bench_submit_<pid>, dropped at the end",
    )
    parser.add_argument(
        "--admin-url", default=ADMIN_URL, help="where to create and drop the fresh database"
    )
    parser.add_argument(
        "--photos",
        type=int,
        help="photos to prepare for the timed platform scenario (default: 1.5 times what the "
        "bare endpoint's rate over --duration would need)",
    )
    parser.add_argument(
        "--all-photos-via-api",
        action="store_true",
        help="make the timed phase's photos through the API too (slow) instead of copying rows",
    )
    parser.add_argument(
        "--bare",
        choices=sorted(BARE_PATHS),
        default="orm",
        help="baseline: rows written as ORM objects in one flush (as DESIGN.md's measured "
        "fact), or with Core INSERTs (leaner: a stricter baseline)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="split --duration into this many alternating bare/platform/replay rounds, so that "
        "load from other processes hits all scenarios alike (default 1: one after the other)",
    )
    parser.add_argument(
        "--app",
        default=APP,
        help="module whose `app` gunicorn serves; it must have the bare endpoint, e.g. by "
        "importing bench.submit_app (to measure a variant without touching server/)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--strict", action="store_true", help="exit 3 when a target is missed (1: errors)"
    )
    args = parser.parse_args(argv)
    if args.duration <= 0 or min(args.clients, args.workers, args.rounds) < 1:
        parser.error("--duration, --clients, --workers and --rounds must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)

    fresh = args.database_url is None
    if fresh:
        name = f"bench_submit_{os.getpid()}"
        database_url = f"{args.admin_url.rsplit('/', 1)[0]}/{name}"
    else:
        database_url = args.database_url
        name = database_name(database_url)

    workdir = Path(tempfile.mkdtemp(prefix="bench_submit_"))
    gunicorn: Gunicorn | None = None
    created_db = False
    try:
        if fresh:
            create_database(args.admin_url, name)
            created_db = True
        env = app_environment(database_url, workdir / "storage")
        version = code_version()
        say(f"code {version}; database {name} (PostgreSQL {server_version(database_url)})")
        say("loading the demo network and forms ...")
        load_demo(env, args.app)
        gunicorn = Gunicorn(env, args.app, args.workers, free_port(), workdir / "gunicorn.log")
        gunicorn.wait_healthy(args.workers)
        base = gunicorn.base
        headers = login(base)
        form = next(
            f for f in load_builtin_forms() if (f.key, f.version) == (FORM_KEY, FORM_VERSION)
        )
        photo = photo_question(form)
        answers = best_answers(form)
        for question in form.questions:  # every question answered: an optional photo question
            if question.key not in answers and question is not photo:  # without a photo
                answers[question.key] = {"value": best_value(question)}
        ended = datetime.now(UTC) - timedelta(hours=1)
        bodies = Bodies(
            branch_id(base, headers),
            answers,
            photo.key,
            {"value": best_value(photo)},
            (ended - timedelta(minutes=25)).isoformat(),
            ended.isoformat(),
        )
        jpeg = small_jpeg()
        probe = CpuProbe(gunicorn.process.pid, name)
        say(
            f"gunicorn -w {args.workers} -k sync serving {args.app} on {base}; "
            f"{args.clients} clients; "
            f"{args.duration:g} s per scenario; {len(answers) + 1} answers per visit; "
            f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}"
        )

        # Warm-up: every endpoint, every worker, outside the timed phases.
        say(f"warm-up: {WARMUP_REQUESTS} requests per scenario ...")
        warm_photos = create_photos(base, headers, WARMUP_REQUESTS, args.clients, jpeg)
        warm_photo = warm_photos[0]
        warm_new = NewVisits(base, bodies, warm_photos, WARMUP_REQUESTS)
        warm_errors: Counter = Counter()
        for make in (
            lambda: BareVisits(base, bodies, WARMUP_REQUESTS, args.bare),
            lambda: warm_new,
            lambda: Replays(base, warm_new.stored, WARMUP_REQUESTS),  # what warm_new stored
        ):
            warm_errors.update(run_load(make(), headers, args.clients, None).errors)
        if warm_errors:
            for problem, count in warm_errors.most_common(5):
                say(f"error: warm-up: {count} x {problem}")
            raise BenchError("errors during the warm-up")

        slice_ = args.duration / args.rounds
        totals = {
            "bare": Result("bare", f"POST {BARE_PATHS[args.bare]}"),
            "platform": Result("platform", "POST /api/v1/visits (new)"),
            "replay": Result("replay", "POST /api/v1/visits (same again)"),
        }
        new_visits: NewVisits | None = None
        for round_ in range(1, args.rounds + 1):
            label = f" (round {round_}/{args.rounds})" if args.rounds > 1 else ""
            say(f"bare: {slice_:g} s{label} ...")
            bare = BareVisits(base, bodies, kind=args.bare)
            totals["bare"].add(run_load(bare, headers, args.clients, slice_, probe))
            if new_visits is None:
                photo_count = args.photos or max(
                    1000, math.ceil(totals["bare"].rate * args.duration * 1.5) + args.clients
                )
                began = time.perf_counter()
                if args.all_photos_via_api:
                    say(f"preparing {photo_count} photos through the API (not timed) ...")
                    photos = create_photos(base, headers, photo_count, args.clients, jpeg)
                else:
                    say(f"preparing {photo_count} photos: copies of API-made photo {warm_photo}")
                    photos = clone_photos(database_url, warm_photo, photo_count)
                say(f"  {len(photos)} photos in {time.perf_counter() - began:.1f} s")
                new_visits = NewVisits(base, bodies, photos)
            say(f"platform: {slice_:g} s{label} ...")
            totals["platform"].add(run_load(new_visits, headers, args.clients, slice_, probe))
            say(f"replay: {slice_:g} s{label} ...")
            replays = Replays(base, new_visits.stored)
            totals["replay"].add(run_load(replays, headers, args.clients, slice_, probe))
        results = list(totals.values())

        say("")
        say(f"load average after the runs: {os.getloadavg()[0]:.2f} (other processes compete)")
        ratio, p99, met = report(results, say)
        if args.json:
            settings = {
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "code": version,
                "cpus": os.cpu_count(),
                "load_average_1min_at_end": round(os.getloadavg()[0], 2),
                "python": platform.python_version(),
                "postgresql": server_version(database_url),
                "workers": args.workers,
                "clients": args.clients,
                "duration_s": args.duration,
                "rounds": args.rounds,
                "bare": args.bare,
                "answers_per_visit": len(answers) + 1,
            }
            args.json.write_text(json.dumps(as_json(results, ratio, p99, settings), indent=2))
        if any(result.errors for result in results):
            return 1
        if args.strict and not met:
            return 3
        return 0
    except (BenchError, KeyboardInterrupt) as error:
        return stopped_early(error)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if gunicorn is not None:
            gunicorn.stop()
        if created_db:
            try:
                drop_database(args.admin_url, name)
            except psycopg.Error as error:
                say(f"could not drop database {name}: {error}")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
