"""Background jobs: plain functions that RQ workers (or a local process pool) run.

A worker builds the app once per process from its environment (DATABASE_URL, S3_*, ...), so
any number of workers on any number of machines can share the work:

    rq worker scorecards --url "$REDIS_URL"
"""

from __future__ import annotations

from flask import Flask

QUEUE = "scorecards"
_app: Flask | None = None


def _worker_app() -> Flask:
    global _app
    if _app is None:
        from server import create_app

        _app = create_app()
    return _app


def render_scorecard(branch_id: int, period: str, lang: str | None, form_key: str) -> str:
    """Render one scorecard unless an identical one is stored; returns what happened."""
    from server.extensions import db
    from server.models import Branch
    from server.services import scorecards

    with _worker_app().app_context():
        branch = db.session.get(Branch, branch_id)
        if branch is None:
            return "missing"
        result = scorecards.ensure_scorecard(branch, period, lang, form_key)
        db.session.remove()
        return "rendered" if result.rendered else "unchanged"
