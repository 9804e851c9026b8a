"""What bench/load.py, bench/faults.py and bench/simulate.py share.

- `Stack`: a fresh PostgreSQL database with the demo data (`flask --app wsgi demo`), moto's S3
  as a separate process on loopback (bench/_moto.py: it keeps its objects across a restart) and
  gunicorn serving `wsgi:app` against both; everything is stopped and dropped on exit.
- `Phone`: an HTTP client that behaves as the phone app's outbox (static/js/outbox.js): a photo
  is reserved with its own `client_uuid`, uploaded with the presigned POST, completed; the visit
  is sent with its `client_uuid`; anything transient (no answer, 429, 5xx) is retried with
  exponential backoff and the same uuids. The app waits 5 s to 5 min between rounds; the
  benchmarks scale that down (0.25 s to 4 s by default) so that a run takes minutes.
- `Recorder`: every HTTP exchange with its endpoint label, start time, duration and outcome
  (status code, or "conn" / "timeout" when there was no answer), for the latency tables and for
  the status codes seen while a dependency was down.
- `Ledger` and `reconcile`: what the phones believe they submitted against the visits and photos
  stored in PostgreSQL (queried directly) and the objects in S3.
- The end of a run: `print_results` (latency table and reconciliation), `finish` (the JSON
  figures and the exit code), and `add_run_options` (the options every script ends with).

The process helpers (database, demo data, gunicorn) are bench/submit.py's, imported.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
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
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/load.py`
    sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import psycopg  # noqa: E402
import requests  # noqa: E402
from botocore.config import Config  # noqa: E402

from audit_forms import Form, load_builtin_forms  # noqa: E402
from bench.submit import (  # noqa: E402
    ADMIN_URL,
    BenchError,
    Gunicorn,
    app_environment,
    code_version,
    create_database,
    drop_database,
    free_port,
    libpq_url,
    load_demo,
    say,
    server_version,
)
from tests.fuzz.phone import photo_bytes, visit_body  # noqa: E402

PASSWORD = "demo-pass-2026"  # server.services.demo.DEMO_PASSWORD
AUDITORS = (
    "auditor.pl@demo.example",
    "auditor.lodz@demo.example",
    "auditor.cz@demo.example",
    "auditor.hu@demo.example",
    "auditor.lt@demo.example",
    "auditor.no@demo.example",
)
MANAGERS = ("manager.lodz@demo.example", "manager.tromso@demo.example", "manager.gyor@demo.example")
HQ = ("hq@demo.example",)
BUCKET = "bench-photos"
REGION = "us-east-1"
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 60.0
TRANSIENT = "transient"

# Outcomes that are not a status code.
CONN = "conn"  # refused, reset, closed before the answer
TIMEOUT = "timeout"


# --------------------------------------------------------------------------------------------
# Processes


def aws_environment() -> dict[str, str]:
    """Fake credentials, no AWS configuration from the shell, no proxy for loopback."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1,localhost"])),
    }


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class MotoS3:
    """bench/_moto.py as a child process: start, stop (SIGTERM: it saves its objects), start
    again on the same port (it loads them back)."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.port = port or free_port()
        self.state = workdir / "moto-state"
        self.log_path = workdir / "moto.log"
        self.process: subprocess.Popen | None = None
        self.endpoint = f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("AWS_") and key != "PYTHONPATH"
        }
        env.update(aws_environment(), PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bench._moto",
                    "--port",
                    str(self.port),
                    "--state",
                    str(self.state),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"moto exited ({self.process.returncode}): {self.tail()}")
            if _port_open(self.port):
                return
            time.sleep(0.1)
        raise BenchError(f"moto did not listen on {self.port} within {timeout} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:]

    def client(self) -> Any:
        return boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        ).client(
            "s3",
            endpoint_url=self.endpoint,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )

    def keys(self) -> set[str]:
        client = self.client()
        found: set[str] = set()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            found.update(item["Key"] for item in page.get("Contents", []))
        return found


class Stack:
    """Database, S3 and gunicorn for one benchmark run; a context manager that leaves nothing
    behind (also on Ctrl-C and SIGTERM)."""

    def __init__(
        self, prefix: str, workers: int, admin_url: str = ADMIN_URL, logs: Path | None = None
    ):
        self.prefix = prefix
        self.logs = logs  # copy gunicorn's and moto's logs here at the end
        self.workers = workers
        self.admin_url = admin_url
        self.name = f"bench_{prefix}_{os.getpid()}"
        self.database_url = f"{admin_url.rsplit('/', 1)[0]}/{self.name}"
        self.workdir = Path(tempfile.mkdtemp(prefix=f"bench_{prefix}_"))
        self.moto = MotoS3(self.workdir)
        self.gunicorn: Gunicorn | None = None
        self.created_db = False
        self.env: dict[str, str] = {}

    def __enter__(self) -> Stack:
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            self._start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _start(self) -> None:
        self.moto.start()
        self.moto.client().create_bucket(Bucket=BUCKET)
        create_database(self.admin_url, self.name)
        self.created_db = True
        env = app_environment(self.database_url, self.workdir / "storage")
        env.pop("STORAGE_DIR")
        env.update(
            aws_environment(),
            S3_BUCKET=BUCKET,
            S3_ENDPOINT_URL=self.moto.endpoint,
            S3_REGION=REGION,
            S3_ADDRESSING_STYLE="path",
            SECRET_KEY=secrets.token_urlsafe(48),
        )
        self.env = env
        say(
            f"code {code_version()}; database {self.name} (PostgreSQL "
            f"{server_version(self.database_url)}); S3: moto on {self.moto.endpoint}"
        )
        say("loading the demo data (flask --app wsgi demo) ...")
        load_demo(env, "wsgi")
        self.gunicorn = Gunicorn(
            env, "wsgi", self.workers, free_port(), self.workdir / "gunicorn.log"
        )
        self.gunicorn.wait_healthy(self.workers)
        say(
            f"gunicorn -w {self.workers} -k sync on {self.base}; {os.cpu_count()} CPUs; "
            f"load average {load_average()}"
        )

    @property
    def base(self) -> str:
        assert self.gunicorn is not None
        return self.gunicorn.base

    def __exit__(self, *exc: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if self.gunicorn is not None:
            self.gunicorn.stop()
        self.moto.stop()
        if self.created_db:
            for attempt in range(30):  # PostgreSQL may be restarting (bench/faults.py)
                try:
                    drop_database(self.admin_url, self.name)
                    break
                except psycopg.Error as error:
                    if attempt == 29:
                        say(f"could not drop database {self.name}: {error}")
                    time.sleep(1)
        if self.logs is not None:
            self.logs.mkdir(parents=True, exist_ok=True)
            for name in ("gunicorn.log", "moto.log"):
                if (self.workdir / name).exists():
                    shutil.copy(self.workdir / name, self.logs / f"{self.prefix}-{name}")
        shutil.rmtree(self.workdir, ignore_errors=True)

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(libpq_url(self.database_url), connect_timeout=10, autocommit=True)


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# --------------------------------------------------------------------------------------------
# Recording


@dataclass(frozen=True, slots=True)
class Event:
    label: str
    start: float  # time.monotonic()
    seconds: float
    outcome: int | str  # status code, CONN or TIMEOUT
    ok: bool  # the response the client expected


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.lock = threading.Lock()
        self.began = time.monotonic()

    def add(self, event: Event) -> None:
        with self.lock:
            self.events.append(event)

    def between(self, start: float, end: float) -> list[Event]:
        with self.lock:
            return [event for event in self.events if start <= event.start < end]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def latency_rows(events: Iterable[Event], elapsed: float) -> list[dict[str, Any]]:
    by_label: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_label[event.label].append(event)
    rows = []
    for label in sorted(by_label):
        group = by_label[label]
        ok = [1000 * event.seconds for event in group if event.ok]
        rows.append(
            {
                "endpoint": label,
                "requests": len(group),
                "ok": len(ok),
                "errors": len(group) - len(ok),
                "rps": round(len(ok) / elapsed, 2) if elapsed else 0.0,
                "p50_ms": round(percentile(ok, 0.50), 1),
                "p95_ms": round(percentile(ok, 0.95), 1),
                "p99_ms": round(percentile(ok, 0.99), 1),
                "outcomes": {str(k): v for k, v in Counter(e.outcome for e in group).items()},
            }
        )
    return rows


def print_latency_table(rows: list[dict[str, Any]], elapsed: float) -> None:
    header = (
        f"{'endpoint':<40} {'requests':>8} {'errors':>6} {'req/s':>7} "
        f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    say(header)
    say("-" * len(header))
    for row in rows:
        say(
            f"{row['endpoint']:<40} {row['requests']:>8} {row['errors']:>6} {row['rps']:>7.1f} "
            f"{_fmt(row['p50_ms']):>8} {_fmt(row['p95_ms']):>8} {_fmt(row['p99_ms']):>8}"
        )
    total = sum(row["requests"] for row in rows)
    ok = sum(row["ok"] for row in rows)
    say("-" * len(header))
    say(f"{'all':<40} {total:>8} {total - ok:>6} {ok / elapsed if elapsed else 0:>7.1f}")


def _fmt(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.1f}"


def outcome_table(title: str, events: list[Event]) -> dict[str, dict[str, int]]:
    """Status codes (and conn/timeout) per endpoint label; printed and returned."""
    table: dict[str, Counter] = defaultdict(Counter)
    for event in events:
        table[event.label][str(event.outcome)] += 1
    columns = sorted({c for counts in table.values() for c in counts}, key=_outcome_order)
    say(title)
    header = f"  {'endpoint':<30} " + " ".join(f"{c:>7}" for c in columns)
    say(header)
    for label in sorted(table):
        say(f"  {label:<30} " + " ".join(f"{table[label].get(c, 0):>7}" for c in columns))
    if not table:
        say("  (no requests)")
    return {label: dict(counts) for label, counts in table.items()}


def _outcome_order(outcome: str) -> tuple[int, str]:
    return (0, outcome) if outcome.isdigit() else (1, outcome)


# --------------------------------------------------------------------------------------------
# What the phones believe


@dataclass
class PhotoRecord:
    client_uuid: str
    question_key: str
    photo_id: int | None = None
    completed: bool = False  # the server confirmed it complete


@dataclass
class VisitRecord:
    client_uuid: str
    phone: int
    photos: list[PhotoRecord] = field(default_factory=list)
    visit_id: int | None = None  # set when the server confirmed the visit (200 or 201)
    refused: str | None = None  # a 4xx the outbox would show as refused (a bug here)


class Ledger:
    def __init__(self) -> None:
        self.visits: list[VisitRecord] = []
        self.lock = threading.Lock()

    def new_visit(self, phone: int, photo_questions: list[str]) -> VisitRecord:
        record = VisitRecord(
            str(uuid.uuid4()),
            phone,
            [PhotoRecord(str(uuid.uuid4()), question) for question in photo_questions],
        )
        with self.lock:
            self.visits.append(record)
        return record

    def summary(self) -> dict[str, int]:
        with self.lock:
            visits = list(self.visits)
        return {
            "visits": len(visits),
            "acknowledged": sum(v.visit_id is not None for v in visits),
            "pending": sum(v.visit_id is None and v.refused is None for v in visits),
            "refused": sum(v.refused is not None for v in visits),
            "photos": sum(len(v.photos) for v in visits),
        }


# --------------------------------------------------------------------------------------------
# The phone


class Refused(Exception):
    """A response the phone app would not retry (a 4xx other than 429), where none is right."""


class OutOfTime(Exception):
    """The phone's deadline passed while it was still retrying."""


def is_transient(outcome: int | str) -> bool:
    """As static/js/api.js: no answer, 429 or any 5xx is worth retrying."""
    return not isinstance(outcome, int) or outcome == 429 or outcome >= 500


class Phone:
    """One phone: its own session and token, retrying as the outbox does."""

    def __init__(
        self,
        number: int,
        base: str,
        email: str,
        recorder: Recorder,
        rng: random.Random,
        *,
        backoff: tuple[float, float] = (0.25, 4.0),
        hard_deadline: float = math.inf,
    ):
        self.number = number
        self.base = base
        self.email = email
        self.recorder = recorder
        self.rng = rng
        self.backoff = backoff
        self.hard_deadline = hard_deadline  # monotonic; retries stop after it
        self.session = requests.Session()
        self.token: str | None = None
        self.failures = 0

    # -- one exchange ------------------------------------------------------------------------

    def exchange(
        self,
        label: str,
        method: str,
        url: str,
        expect: tuple[int, ...],
        *,
        auth: bool = True,
        read_timeout: float = READ_TIMEOUT,
        **kwargs: Any,
    ) -> tuple[int | str, requests.Response | None]:
        """One HTTP request, recorded. The outcome is the status or CONN / TIMEOUT."""
        if not url.startswith("http"):
            url = self.base + url
        headers = dict(kwargs.pop("headers", {}) or {})
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        began = time.monotonic()
        response = None
        try:
            response = self.session.request(
                method, url, headers=headers, timeout=(CONNECT_TIMEOUT, read_timeout), **kwargs
            )
            outcome: int | str = response.status_code
            response.content  # noqa: B018 - read the whole body inside the timing
        except requests.Timeout:
            outcome = TIMEOUT
        except requests.RequestException:
            outcome = CONN
        seconds = time.monotonic() - began
        self.recorder.add(Event(label, began, seconds, outcome, outcome in expect))
        return outcome, response

    def pause(self) -> None:
        """Back off before the next round, as the outbox does (scaled down), with jitter."""
        self.failures += 1
        low, high = self.backoff
        delay = min(high, low * 2 ** (self.failures - 1)) * (0.5 + self.rng.random())
        if time.monotonic() + delay > self.hard_deadline:
            raise OutOfTime
        time.sleep(delay)

    def until(
        self, label: str, method: str, url: str, expect: tuple[int, ...], **kwargs: Any
    ) -> requests.Response:
        """Retry transient outcomes with backoff until an expected answer; a 4xx is refused."""
        while True:
            if time.monotonic() > self.hard_deadline:
                raise OutOfTime
            outcome, response = self.exchange(label, method, url, expect, **kwargs)
            if outcome in expect:
                self.failures = 0
                return response
            if not is_transient(outcome):
                text = response.text[:200] if response is not None else ""
                raise Refused(f"{label}: HTTP {outcome} {text}")
            self.pause()

    # -- flows -------------------------------------------------------------------------------

    def login(self) -> None:
        response = self.until(
            "POST /auth/token",
            "POST",
            "/api/v1/auth/token",
            (201,),
            json={"email": self.email, "password": PASSWORD},
            auth=False,
        )
        self.token = response.json()["token"]

    def branches(self) -> list[int]:
        response = self.until("GET /branches", "GET", "/api/v1/branches", (200,))
        return [branch["id"] for branch in response.json()]

    def reserve(self, photo: PhotoRecord) -> dict[str, Any]:
        return self.until(
            "POST /photos (reserve)",
            "POST",
            "/api/v1/photos",
            (200, 201),
            json={"content_type": "image/jpeg", "client_uuid": photo.client_uuid},
        ).json()

    def upload(self, reservation: dict[str, Any], content: bytes) -> bool:
        """The presigned POST to S3; False when it did not go through (retry from reserve)."""
        upload = reservation["upload"]
        outcome, _ = self.exchange(
            "S3 presigned POST",
            "POST",
            upload["url"],
            (200, 201, 204),
            auth=False,
            data=upload["fields"],
            files={"file": ("photo.jpg", content, "image/jpeg")},
        )
        if outcome in (200, 201, 204):
            return True
        if not is_transient(outcome):
            raise Refused(f"S3 presigned POST: HTTP {outcome}")
        return False

    def complete(self, photo_id: int, **kwargs: Any) -> tuple[int | str, Any]:
        outcome, response = self.exchange(
            "POST /photos/{id}/complete",
            "POST",
            f"/api/v1/photos/{photo_id}/complete",
            (200,),
            **kwargs,
        )
        return outcome, response

    def send_photo(self, photo: PhotoRecord, content: bytes, *, upload: bool = True) -> None:
        """Reserve, upload and complete one photo, retrying the whole round as the outbox does
        (same client_uuid). With upload=False only reserve (the id is known, nothing sent)."""
        while True:
            reservation = self.reserve(photo)
            photo.photo_id = reservation["photo"]["id"]
            if not upload:
                return
            if reservation["photo"]["status"] == "complete":
                photo.completed = True
                self.failures = 0
                return
            if not self.upload(reservation, content):
                self.pause()
                continue
            outcome, response = self.complete(photo.photo_id)
            if outcome == 200:
                photo.completed = True
                self.failures = 0
                return
            if not is_transient(outcome):
                raise Refused(f"complete: HTTP {outcome} {response.text[:200]}")
            self.pause()

    def finish_photo(self, photo: PhotoRecord, content: bytes) -> None:
        """A reserved photo (id known) uploaded and completed later, e.g. after its visit."""
        self.send_photo(photo, content)

    def send_visit(self, record: VisitRecord, body: dict[str, Any], **kwargs: Any) -> int:
        response = self.until(
            "POST /visits", "POST", "/api/v1/visits", (200, 201), json=body, **kwargs
        )
        visit_id = response.json()["id"]
        if record.visit_id is not None and record.visit_id != visit_id:
            raise Refused(f"visit {record.client_uuid} answered {visit_id}, was {record.visit_id}")
        record.visit_id = visit_id
        return visit_id

    def replay(self, record: VisitRecord, body: dict[str, Any]) -> None:
        response = self.until("POST /visits (replay)", "POST", "/api/v1/visits", (200,), json=body)
        if response.json()["id"] != record.visit_id:
            raise Refused(f"replay of {record.client_uuid} answered another visit")

    def scorecard(self, branch_id: int, period: str) -> None:
        response = self.until(
            "GET scorecard.pdf",
            "GET",
            f"/api/v1/branches/{branch_id}/scorecard.pdf",
            (200,),
            params={"period": period},
        )
        if not response.content.startswith(b"%PDF"):
            raise Refused("scorecard.pdf is not a PDF")

    def comparison(self, period: str) -> None:
        self.until(
            "GET /comparison", "GET", "/api/v1/comparison", (200,), params={"period": period}
        )


# --------------------------------------------------------------------------------------------
# Visit bodies


class Bodies:
    """Visit bodies for the built-in forms (best answers, tests/fuzz/phone.py's), each with
    the photos the phone made for it."""

    PHOTO_QUESTION = "premises_clean_tidy"  # yes/no with a required photo
    PHOTOS_QUESTION = "premises_photos"  # up to six more

    def __init__(self) -> None:
        forms = {form.key: form for form in load_builtin_forms() if form.version == 1}
        self.branch_form: Form = forms["branch-visit"]
        self.phone_form: Form = forms["phone-enquiry"]
        self.jpegs = [photo_bytes(shade) for shade in range(0, 256, 16)]

    def photo_questions(self, count: int) -> list[str]:
        return [self.PHOTO_QUESTION] + [self.PHOTOS_QUESTION] * (count - 1) if count else []

    def visit(self, record: VisitRecord, branch_id: int, phone_enquiry: bool = False) -> dict:
        return visit_body(
            self.phone_form if phone_enquiry else self.branch_form,
            branch_id,
            [photo.photo_id for photo in record.photos],
            record.client_uuid,
            device="bench phone",
            app_version="bench-1",
        )

    def jpeg(self, rng: random.Random) -> bytes:
        return rng.choice(self.jpegs)


class Fleet:
    """What the phones of one run share: the recorder of their requests, the ledger of what they
    sent, the bodies they send, and why a phone stopped early."""

    def __init__(self) -> None:
        self.recorder = Recorder()
        self.ledger = Ledger()
        self.bodies = Bodies()
        self.failures: list[str] = []  # refused or out of time, per phone

    def fail(self, who: str, error: Exception) -> None:
        """Phone `who` stopped early: refused, still retrying at the end, or a bug in the bench."""
        if isinstance(error, Refused):
            self.failures.append(f"{who}: refused: {error}")
        elif isinstance(error, OutOfTime):
            self.failures.append(f"{who}: still retrying at the end")
        else:
            self.failures.append(f"{who}: {error!r}")


def recent_periods(count: int = 3) -> list[str]:
    today = datetime.now(UTC).date()
    index = today.year * 12 + today.month - 1
    return [f"{(index - n) // 12}-{(index - n) % 12 + 1:02d}" for n in range(count)]


# --------------------------------------------------------------------------------------------
# Reconciliation


@dataclass
class Baseline:
    max_visit_id: int
    max_photo_id: int
    keys: set[str]


def baseline(stack: Stack) -> Baseline:
    with stack.connect() as connection:
        visit = connection.execute("SELECT coalesce(max(id), 0) FROM visits").fetchone()[0]
        photo = connection.execute("SELECT coalesce(max(id), 0) FROM photos").fetchone()[0]
    return Baseline(visit, photo, stack.moto.keys())


def reconcile(stack: Stack, ledger: Ledger, before: Baseline) -> dict[str, Any]:
    """What the phones believe against PostgreSQL and S3. `lost` and `duplicated` must be 0."""
    with stack.connect() as connection:
        visits = connection.execute(
            "SELECT id, client_uuid, completeness::text FROM visits WHERE id > %s",
            (before.max_visit_id,),
        ).fetchall()
        photos = connection.execute(
            "SELECT id, client_uuid, status::text, visit_id, question_key, object_key,"
            " thumbnail_key, upload_key FROM photos WHERE id > %s",
            (before.max_photo_id,),
        ).fetchall()
        referenced = {
            key
            for row in connection.execute(
                "SELECT object_key, thumbnail_key, upload_key FROM photos"
            )
            for key in row
            if key
        }
    keys = stack.moto.keys()

    problems: list[str] = []
    stored_visits: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for visit_id, client_uuid, completeness in visits:
        stored_visits[client_uuid].append((visit_id, completeness))
    stored_photos: dict[str, list[tuple]] = defaultdict(list)
    for row in photos:
        stored_photos[row[1]].append(row)

    with ledger.lock:
        records = list(ledger.visits)
    believed_visits = {record.client_uuid for record in records}
    believed_photos = {photo.client_uuid for record in records for photo in record.photos}

    lost_visits = lost_photos = lost_objects = 0
    duplicated_visits = duplicated_photos = 0
    pending = refused = incomplete = 0
    for record in records:
        rows = stored_visits.get(record.client_uuid, [])
        if len(rows) > 1:
            duplicated_visits += len(rows) - 1
            problems.append(f"visit {record.client_uuid} stored {len(rows)} times")
        if record.refused is not None:
            refused += 1
            problems.append(f"visit {record.client_uuid} refused: {record.refused}")
        if record.visit_id is None:
            pending += 1  # never confirmed: the phone still holds it (counted apart)
            continue
        if not rows or rows[0][0] != record.visit_id:
            lost_visits += 1
            problems.append(f"visit {record.client_uuid} (id {record.visit_id}) is not stored")
            continue
        if any(p.completed for p in record.photos) and all(p.completed for p in record.photos):
            if rows[0][1] != "complete":
                incomplete += 1
                problems.append(f"visit {record.visit_id}: all photos complete, visit incomplete")
        for photo in record.photos:
            prows = stored_photos.get(photo.client_uuid, [])
            if len(prows) > 1:
                duplicated_photos += len(prows) - 1
                problems.append(f"photo {photo.client_uuid} stored {len(prows)} times")
            if not prows:
                lost_photos += 1
                problems.append(f"photo {photo.client_uuid} of visit {record.visit_id} missing")
                continue
            _, _, status, visit_id, question, object_key, thumbnail_key, _ = prows[0]
            if visit_id != record.visit_id or question != photo.question_key:
                lost_photos += 1
                problems.append(
                    f"photo {prows[0][0]} linked to visit {visit_id}/{question}, "
                    f"not {record.visit_id}/{photo.question_key}"
                )
            if photo.completed and status != "complete":
                lost_photos += 1
                problems.append(f"photo {prows[0][0]} was confirmed complete, stored {status}")
            if status == "complete":
                for key in (object_key, thumbnail_key):
                    if key not in keys:
                        lost_objects += 1
                        problems.append(f"photo {prows[0][0]}: object {key} is not in S3")
    phantom_visits = [u for u in stored_visits if u not in believed_visits]
    phantom_photos = [u for u in stored_photos if u not in believed_photos]
    if phantom_visits:
        problems.append(f"{len(phantom_visits)} stored visits no phone sent")
    if phantom_photos:
        problems.append(f"{len(phantom_photos)} stored photos no phone reserved")
    new_keys = keys - before.keys
    orphans = sorted(
        key
        for key in new_keys
        if key.startswith(("photos/", "thumbnails/")) and key not in referenced
    )
    leftover_uploads = sorted(key for key in new_keys if key.startswith("uploads/"))
    upload_owner = {row[7]: (row[0], row[2]) for row in photos}
    for key in leftover_uploads[:5]:
        owner = upload_owner.get(key)
        problems.append(
            f"upload object {key} left in S3 (photo "
            + (f"{owner[0]}, {owner[1]})" if owner else "unknown)")
        )
    result = {
        "visits_believed": len(records),
        "visits_acknowledged": sum(r.visit_id is not None for r in records),
        "visits_stored": len(visits),
        "photos_believed": len(believed_photos),
        "photos_stored": len(photos),
        "photos_complete": sum(row[2] == "complete" for row in photos),
        "s3_new_objects": len(new_keys),
        "lost": lost_visits + lost_photos + lost_objects,
        "lost_visits": lost_visits,
        "lost_photos": lost_photos,
        "lost_objects": lost_objects,
        "duplicated": duplicated_visits
        + duplicated_photos
        + len(phantom_visits)
        + len(phantom_photos),
        "duplicated_visits": duplicated_visits + len(phantom_visits),
        "duplicated_photos": duplicated_photos + len(phantom_photos),
        "pending": pending,
        "refused": refused,
        "incomplete_visits": incomplete,
        "orphan_objects": len(orphans),
        "leftover_uploads": len(leftover_uploads),
        "problems": problems[:50],
    }
    return result


def print_reconciliation(result: dict[str, Any]) -> None:
    say("reconciliation (phones' ledger vs PostgreSQL and S3):")
    say(
        f"  visits: {result['visits_believed']} sent by phones, "
        f"{result['visits_acknowledged']} acknowledged, {result['pending']} still pending, "
        f"{result['refused']} refused; {result['visits_stored']} stored"
    )
    say(
        f"  photos: {result['photos_believed']} reserved by phones; {result['photos_stored']} "
        f"stored, {result['photos_complete']} complete; S3: {result['s3_new_objects']} new objects"
    )
    say(
        f"  lost {result['lost']} (visits {result['lost_visits']}, photos "
        f"{result['lost_photos']}, S3 objects {result['lost_objects']}); duplicated "
        f"{result['duplicated']} (visits {result['duplicated_visits']}, photos "
        f"{result['duplicated_photos']})"
    )
    say(
        f"  visits with all photos complete but marked incomplete: "
        f"{result['incomplete_visits']}; orphan photo/thumbnail objects (stored in S3 by a "
        f"completion whose transaction did not commit; garbage, no data): "
        f"{result['orphan_objects']}; uploads/ objects left: {result['leftover_uploads']}"
    )
    for problem in result["problems"][:20]:
        say(f"  problem: {problem}")


def reconciliation_ok(result: dict[str, Any]) -> bool:
    return (
        result["lost"] == 0
        and result["duplicated"] == 0
        and result["pending"] == 0
        and result["refused"] == 0
        and result["incomplete_visits"] == 0
    )


def print_results(
    stack: Stack, before: Baseline, ledger: Ledger, events: Iterable[Event], elapsed: float
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The latency table of `events` and the reconciliation of `ledger`, each after an empty
    line; returns both (rows, result)."""
    say("")
    rows = latency_rows(events, elapsed)
    print_latency_table(rows, elapsed)
    say("")
    result = reconcile(stack, ledger, before)
    print_reconciliation(result)
    return rows, result


def write_json(path: Path | None, payload: dict[str, Any]) -> None:
    if path is not None:
        path.write_text(json.dumps(payload, indent=2, default=str))


def finish(path: Path | None, payload: dict[str, Any]) -> int:
    """Writes the figures to `path` (when given); returns the exit code, 0 when
    `payload["passed"]`, else 1."""
    write_json(path, payload)
    return 0 if payload["passed"] else 1


def settings(**extra: Any) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "code": code_version(),
        "cpus": os.cpu_count(),
        "load_average": load_average(),
        **extra,
    }


def add_run_options(parser: argparse.ArgumentParser, drain_help: str | None = None) -> None:
    """--drain, --seed, --json and --logs: the last options of every script on the stack."""
    parser.add_argument("--drain", type=float, default=120.0, help=drain_help)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--logs", type=Path, help="keep gunicorn's and moto's logs in this folder")


def run_threads(targets: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=target, daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=0.5)
