"""Spreading batch rendering over workers: RQ on Redis when configured, local processes else."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from flask import current_app
from sqlalchemy import select

from server import jobs
from server.extensions import db
from server.models import Area, Branch
from server.services.errors import InvalidInput

Task = tuple[int, str, str | None, str]  # branch id, period, language, form key


def branches_to_render(area_code: str | None) -> list[tuple[int, str]]:
    query = select(Branch.id, Branch.locale).where(Branch.active.is_(True)).order_by(Branch.id)
    if area_code:
        area = db.session.scalar(select(Area).where(Area.code == area_code))
        if area is None:
            raise InvalidInput("Unknown area.", {"area": [f"No area with code {area_code!r}."]})
        query = query.join(Area, Area.id == Branch.area_id).where(Area.path.startswith(area.path))
    return [tuple(row) for row in db.session.execute(query)]


def enqueue_scorecards(tasks: Sequence[Task]) -> int:
    from redis import Redis
    from rq import Queue

    queue = Queue(jobs.QUEUE, connection=Redis.from_url(current_app.config["REDIS_URL"]))
    for task in tasks:
        queue.enqueue(
            jobs.render_scorecard,
            *task,
            job_timeout=300,
            result_ttl=3600,
            description=f"scorecard {task}",
        )
    return len(tasks)


def render_locally(tasks: Sequence[Task], processes: int | None = None) -> Iterator[str]:
    """Each process builds its own app from the environment, like an RQ worker."""
    with ProcessPoolExecutor(max_workers=processes) as pool:
        futures = [pool.submit(jobs.render_scorecard, *task) for task in tasks]
        for future in as_completed(futures):
            yield future.result()
