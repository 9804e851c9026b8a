"""moto's S3 server as a process of its own that keeps its objects across a restart.

    python -m bench._moto --port 9000 --state /tmp/dir

moto keeps everything in memory, so a plain `moto_server` that is stopped and started again
comes back empty, which real S3 never does. This wrapper loads the objects saved in `--state`
before it listens, serves on 127.0.0.1:`--port` (moto's ThreadedMotoServer, as the tests use),
prints "ready" once it accepts connections, and on SIGTERM stops listening first, then saves
every bucket's objects (bytes and metadata) to `--state` and exits 0. bench/faults.py stops it
with SIGTERM for its S3 outage and starts a new process on the same port.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import signal
import sys
import threading
import time
from pathlib import Path

ACCOUNT = "123456789012"  # moto's default account, the one its server mode uses


def _backend():
    from moto.s3.models import s3_backends

    return s3_backends[ACCOUNT]["aws"]


def save(state: Path) -> int:
    """Every object of every bucket, as one JSON file per bucket. Returns the object count."""
    state.mkdir(parents=True, exist_ok=True)
    count = 0
    for name, bucket in list(_backend().buckets.items()):
        objects = []
        for key_name, key in list(bucket.keys.items()):
            objects.append(
                {
                    "key": key_name,
                    "value": base64.b64encode(key.value).decode(),
                    "metadata": dict(key.metadata),
                    "content_type": key.metadata.get("Content-Type"),
                }
            )
        (state / f"{name}.json").write_text(json.dumps({"bucket": name, "objects": objects}))
        count += len(objects)
    return count


def restore(state: Path) -> int:
    backend = _backend()
    count = 0
    for path in sorted(state.glob("*.json")) if state.is_dir() else []:
        saved = json.loads(path.read_text())
        if saved["bucket"] not in backend.buckets:
            backend.create_bucket(saved["bucket"], "us-east-1")
        for item in saved["objects"]:
            key = backend.put_object(saved["bucket"], item["key"], base64.b64decode(item["value"]))
            if item["metadata"]:
                key.set_metadata(item["metadata"])
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench._moto", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state", type=Path, required=True)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from moto.server import ThreadedMotoServer

    restored = restore(args.state)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.port, verbose=False)
    server.start()
    print(f"ready ({restored} objects restored)", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    server.stop()  # no new requests from here on ...
    server._server.server_close()  # ... and connections refused, not queued
    time.sleep(1.0)  # requests already being handled finish before their effect is saved
    saved = save(args.state)
    print(f"stopped ({saved} objects saved)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
