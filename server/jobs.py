"""Background jobs: plain functions that RQ workers (or a local process pool) run.

A worker builds the app once per process from its environment (DATABASE_URL, S3_*, ...), so
any number of workers on any number of machines can share the work:

    rq worker scorecards --url "$REDIS_URL" --worker-class server.jobs.ScorecardWorker
"""

from __future__ import annotations

import time

from flask import Flask
from rq import SimpleWorker

QUEUE = "scorecards"
# A batch of one period shares its per-period sums for this long (seconds): averages and ranks
# are then computed once per batch, not once per branch. Each card's fingerprint still says
# exactly what it shows.
FACTS_TTL = 600

_app: Flask | None = None
_facts: dict[tuple[str, str], tuple[float, object]] = {}


def _worker_app() -> Flask:
    global _app
    if _app is None:
        from reports import register_fonts
        from server import create_app

        _app = create_app()
        register_fonts()
    return _app


def _batch_facts(form_key: str, period: str):
    from server.services.scorecards import Facts

    now = time.monotonic()
    cached = _facts.get((form_key, period))
    if cached is None or now - cached[0] > FACTS_TTL:
        cached = (now, Facts(form_key))
        _facts[(form_key, period)] = cached
    return cached[1]


def render_scorecard(branch_id: int, period: str, lang: str | None, form_key: str) -> str:
    """Render one scorecard unless an identical one is stored; returns what happened."""
    from sqlalchemy.orm import joinedload

    from server.extensions import db
    from server.models import Branch
    from server.services import scorecards

    with _worker_app().app_context():
        try:
            # The area comes along: the card prints its name and ranks the branch within it.
            branch = db.session.get(Branch, branch_id, options=[joinedload(Branch.area)])
            if branch is None:
                return "missing"
            result = scorecards.ensure_scorecard(
                branch, period, lang, form_key, facts=_batch_facts(form_key, period)
            )
            return "rendered" if result.rendered else "unchanged"
        finally:
            db.session.remove()


class ScorecardWorker(SimpleWorker):
    """An RQ worker that runs jobs in its own, already warm process (app, fonts, batch sums)
    instead of forking a fresh one per job: rendering thousands of small PDFs stays fast."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _worker_app()
