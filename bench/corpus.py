"""The malicious file corpus through the real upload paths, with time and memory measured.

Every file of `tests/fixtures/corpus.py` (43: clean photos in every accepted format, bombs,
polyglots, truncated and disguised files) goes through each way a phone uploads:

- `s3`: reserve, a presigned POST straight to S3 (moto's server, over HTTP), complete;
- `signed`: reserve, a PUT to the local backend's signed URL, complete;
- `api`: reserve, `PUT /api/v1/photos/{id}/content` (streamed to S3), complete.

Each file runs in a process of its own (so its peak RSS is its own), with the app in process
(Flask's test client; SQLite) after a warm-up that completes one ordinary photo. Printed per
file: the outcome per path, the slowest upload + completion, and the process's peak RSS.
Pass: every file answered as the corpus expects, every rejection within 1 s, every process
under 300 MB at its peak. Exit status 1 otherwise.

    python -m bench.corpus [--json FILE] [--processes 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import resource
import secrets
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

REJECTION_SECONDS = 1.0
PEAK_MB = 300
MAX_BYTES = 1024 * 1024  # the corpus is sized for this limit (its oversized file is just over)
BUCKET = "corpus-bench"
PATHS = ("s3", "signed", "api")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _app(endpoint: str | None, max_pixels: int, folder: str):
    from server import create_app

    Path(folder).mkdir(parents=True, exist_ok=True)
    config = {
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": secrets.token_hex(16),
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/corpus.db",
        "STORAGE_DIR": f"{folder}/storage",
        "RATELIMIT_ENABLED": False,
        "REDIS_URL": None,
        "PHOTO_MAX_BYTES": MAX_BYTES,
        "PHOTO_MAX_PIXELS": max_pixels,
        "S3_BUCKET": BUCKET if endpoint else None,
    }
    if endpoint:
        config.update(S3_ENDPOINT_URL=endpoint, S3_PUBLIC_ENDPOINT_URL=endpoint)
        config["S3_REGION"] = "us-east-1"
    return create_app(config)


def _auditor_headers(app) -> dict[str, str]:
    from server.extensions import db
    from server.models import ApiToken, Role, User
    from server.models.types import utcnow
    from server.services.auth import hash_token

    with app.app_context():
        db.create_all()
        user = User(
            email="corpus@example.test", name="Corpus", password_hash="x", role=Role.AUDITOR
        )
        raw = secrets.token_urlsafe(32)
        token = ApiToken(user=user, token_hash=hash_token(raw), expires_at=utcnow() + timedelta(1))
        db.session.add_all([user, token])
        db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def _through(client, headers, path: str, data: bytes, content_type: str) -> tuple[int, float]:
    """One upload along `path`: (status of the completion, seconds for upload + completion)."""
    import requests

    from server.services.photos import UPLOAD_TYPES

    # A liar's declared type is reserved as JPEG; the checks must not believe it.
    declared = content_type if content_type in UPLOAD_TYPES else "image/jpeg"
    reserved = client.post("/api/v1/photos", headers=headers, json={"content_type": declared})
    assert reserved.status_code == 201, reserved.get_json()
    photo_id, upload = reserved.get_json()["photo"]["id"], reserved.get_json()["upload"]
    started = time.perf_counter()
    if path == "s3":
        sent = requests.post(
            upload["url"],
            data=upload["fields"],
            files={"file": ("photo", data, declared)},
            timeout=30,
        ).status_code
    elif path == "signed":
        sent = client.put(
            urlsplit(upload["url"]).path, data=data, headers=upload["headers"]
        ).status_code
    else:
        sent = client.put(
            f"/api/v1/photos/{photo_id}/content", data=data, content_type=declared, headers=headers
        ).status_code
    status = (
        sent
        if sent >= 400
        else client.post(f"/api/v1/photos/{photo_id}/complete", headers=headers).status_code
    )
    return status, time.perf_counter() - started


def run_file(file: dict, warm_up: bytes, endpoint: str) -> dict:
    """In a fresh process: the file along every path; the outcome, times and peak RSS. The
    bytes are made by the parent, so the peak is the app's and the checks' alone."""
    results: dict = {"name": file["name"], "accepted": file["accepted"], "paths": {}}
    with tempfile.TemporaryDirectory(prefix="corpus-") as folder:
        apps = {
            "s3": _app(endpoint, file["max_pixels"], folder + "/s3"),
            "signed": _app(None, file["max_pixels"], folder + "/local"),
        }
        apps["api"] = apps["s3"]
        headers = {key: _auditor_headers(app) for key, app in apps.items() if key != "api"}
        headers["api"] = headers["s3"]
        for path in PATHS:
            client = apps[path].test_client()
            _through(client, headers[path], path, warm_up, "image/jpeg")
        results["baseline_mb"] = round(_peak_mb(), 1)
        for path in PATHS:
            client = apps[path].test_client()
            status, seconds = _through(
                client, headers[path], path, file["data"], file["content_type"]
            )
            results["paths"][path] = {"status": status, "seconds": round(seconds, 3)}
    results["peak_mb"] = round(_peak_mb(), 1)
    return results


def _verdict(result: dict) -> list[str]:
    problems = []
    for path, outcome in result["paths"].items():
        expected_ok = (
            outcome["status"] == 200 if result["accepted"] else outcome["status"] in (409, 413, 422)
        )
        if not expected_ok:
            problems.append(f"{path}: {outcome['status']}")
        if not result["accepted"] and outcome["seconds"] > REJECTION_SECONDS:
            problems.append(f"{path}: {outcome['seconds']:.2f} s")
    if result["peak_mb"] > PEAK_MB:
        problems.append(f"peak {result['peak_mb']} MB")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    for variable in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        os.environ.pop(variable, None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1"
    )
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"

    import boto3
    from moto.server import ThreadedMotoServer

    from tests.fixtures.corpus import Accepted, build_corpus

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto logs every request
    corpus = build_corpus()
    files = [
        {
            "name": f.name,
            "data": f.data,
            "content_type": f.content_type,
            "max_pixels": f.max_pixels,
            "accepted": isinstance(f.expect, Accepted),
        }
        for f in corpus
    ]
    warm_up = next(f for f in corpus if f.name == "photo.jpg").data
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
        context = multiprocessing.get_context("spawn")
        with context.Pool(args.processes, maxtasksperchild=1) as pool:
            results = pool.starmap(run_file, [(file, warm_up, endpoint) for file in files])
    finally:
        server.stop()

    header = ("file", "expect", "s3", "signed", "api", "slowest s", "peak MB")
    print("{:28} {:8} {:>5} {:>6} {:>5} {:>9} {:>8}  problems".format(*header))
    failures = 0
    for result in results:
        problems = _verdict(result)
        failures += bool(problems)
        statuses = [str(result["paths"][path]["status"]) for path in PATHS]
        slowest = max(outcome["seconds"] for outcome in result["paths"].values())
        expect = "accept" if result["accepted"] else "reject"
        print(
            f"{result['name']:28} {expect:8} {statuses[0]:>5} {statuses[1]:>6} {statuses[2]:>5} "
            f"{slowest:9.3f} {result['peak_mb']:8.1f}  {'; '.join(problems)}"
        )
    rejected = [r for r in results if not r["accepted"]]
    summary = {
        "files": len(results),
        "uploads": len(results) * len(PATHS),
        "rejected_files": len(rejected),
        "slowest_rejection_s": max(o["seconds"] for r in rejected for o in r["paths"].values()),
        "peak_mb": max(r["peak_mb"] for r in results),
        "baseline_mb": max(r["baseline_mb"] for r in results),
        "failures": failures,
    }
    print(
        f"\n{summary['files']} files x {len(PATHS)} paths = {summary['uploads']} uploads; "
        f"slowest rejection {summary['slowest_rejection_s']:.3f} s (limit {REJECTION_SECONDS} s); "
        f"highest peak RSS {summary['peak_mb']:.0f} MB (limit {PEAK_MB} MB; after the warm-up "
        f"{summary['baseline_mb']:.0f} MB); files not as expected: {failures}"
    )
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "files": results}, indent=1))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
