"""Command-line tools, run as `flask --app wsgi <command>`."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select

from audit_forms import check_paths
from server import jobs
from server.extensions import db
from server.models import LOCALES, MonthlyScore, Role, rollup
from server.services import (
    areas,
    branches,
    demo,
    demo_visits,
    forms,
    photos,
    retention,
    scorecards,
    users,
)
from server.services import jobs as jobs_service
from server.services.errors import DomainError
from server.services.imports import import_branches


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--name", default=None, help="Full name (default: the part before @).")
@click.option("--password", default=None, help="Prompted for when not given.")
@click.option("--locale", default="en", show_default=True)
@click.option("--branch", "branch_codes", multiple=True, help="Branch code in scope (repeatable).")
@click.option("--area", "area_codes", multiple=True, help="Area code in scope (repeatable).")
@with_appcontext
def create_user_command(email, role, name, password, locale, branch_codes, area_codes):
    """Create a user with a role and a scope of branches and/or areas."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.UsageError("the password needs at least 10 characters")
    branch_ids = [_lookup(branches.get_branch_by_code, code, "branch") for code in branch_codes]
    area_ids = [_lookup(areas.get_area_by_code, code, "area") for code in area_codes]
    try:
        user = users.create_user(
            {
                "email": email,
                "name": name,
                "role": Role(role),
                "locale": locale,
                "password": password,
                "branch_ids": branch_ids,
                "area_ids": area_ids,
            }
        )
    except DomainError as error:
        raise click.ClickException(f"{error.message} {error.errors or ''}".strip()) from error
    db.session.commit()
    click.echo(f"created {user.email} ({user.role.value})")


def _lookup(find, code: str, kind: str) -> int:
    record = find(code)
    if record is None:
        raise click.BadParameter(f"no {kind} with code {code!r}")
    return record.id


@click.command("import-branches")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def import_branches_command(csv_file):
    """Import or update branches from a UTF-8 CSV file (all rows or none).

    Header: code,name,address,city,country,area,timezone,locale,latitude,longitude
    (optional: target_score, active). Areas are paths such as PL/Łódzkie, created as needed.
    """
    report = import_branches(csv_file)
    if report.problems:
        db.session.rollback()
        for problem in report.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(report.problems)} problem(s); nothing was imported")
    db.session.commit()
    click.echo(
        f"{report.created} branches created, {report.updated} updated, {report.unchanged} unchanged"
    )


@click.command("import-forms")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@with_appcontext
def import_forms_command(paths):
    """Publish form definitions (files or folders; default: the built-in forms).

    Importing the same file again changes nothing; a changed file under a published version is
    refused: give it a new version number instead.
    """
    report = forms.import_form_files(paths)
    if report.problems:
        for problem in report.problems:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(report.problems)} problem(s); nothing was imported")
    db.session.commit()
    for name in report.created:
        click.echo(f"published {name}")
    for name in report.unchanged:
        click.echo(f"unchanged {name}")


@click.command("check-forms")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def check_forms_command(paths):
    """Check form definition files and list every problem with its path (no database needed)."""
    ok, lines = check_paths(paths)
    for line in lines:
        click.echo(line)
    if not ok:
        raise SystemExit(1)


@click.command("sweep-uploads")
@with_appcontext
def sweep_uploads_command():
    """Delete photo reservations never completed within a day, with their uploaded objects."""
    count = photos.sweep_uploads()
    db.session.commit()
    click.echo(f"{count} stale upload(s) deleted")


@click.command("sweep-storage")
@click.option(
    "--older-than-hours",
    default=24,
    show_default=True,
    type=click.IntRange(1, None),
    help="Leave younger objects alone (a completion in progress writes before it commits).",
)
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@with_appcontext
def sweep_storage_command(older_than_hours, dry_run):
    """Delete photo objects that no photo needs any more: raw uploads left when storage failed
    after a completion, clean images of completions that failed to commit."""
    swept = photos.sweep_storage(timedelta(hours=older_than_hours), dry_run=dry_run)
    verb = "would be deleted" if dry_run else "deleted"
    counts = ", ".join(f"{count} in {folder}/" for folder, count in swept.items())
    click.echo(f"{sum(swept.values())} unneeded object(s) {verb}: {counts}")


@click.command("render-scorecards")
@click.option("--period", required=True, help="2026-10, 2026-Q4 or 2026.")
@click.option("--area", "area_code", default=None, help="Only branches below this area code.")
@click.option(
    "--lang",
    "langs",
    multiple=True,
    type=click.Choice(LOCALES),
    help="Languages (repeatable); default: each branch's own.",
)
@click.option("--form", "form_key", default=scorecards.DEFAULT_FORM, show_default=True)
@click.option(
    "--processes",
    default=None,
    type=click.IntRange(1, 64),
    help="Local processes when no REDIS_URL is set (default: the CPU count).",
)
@with_appcontext
def render_scorecards_command(period, area_code, langs, form_key, processes):
    """Render every scorecard of a period; up-to-date ones are skipped, so it can be resumed.

    With REDIS_URL set it enqueues one job per scorecard for RQ workers
    (`rq worker scorecards --url $REDIS_URL`); otherwise it renders in local processes.
    """
    scorecards.parse_period(period)
    tasks = [
        (branch_id, period, lang, form_key)
        for branch_id, locale in jobs_service.branches_to_render(area_code)
        for lang in (langs or (locale,))
    ]
    if not tasks:
        raise click.ClickException("no active branches to render")
    if current_app.config.get("REDIS_URL"):
        count = jobs_service.enqueue_scorecards(tasks)
        click.echo(
            f"{count} scorecard job(s) queued on '{jobs.QUEUE}'; "
            "workers: rq worker scorecards --url $REDIS_URL"
        )
        return
    outcomes = Counter()
    with click.progressbar(length=len(tasks), label="Rendering scorecards") as bar:
        for outcome in jobs_service.render_locally(tasks, processes):
            outcomes[outcome] += 1
            bar.update(1)
    click.echo(", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items())))


@click.command("rebuild-rollup")
@with_appcontext
def rebuild_rollup_command():
    """Recompute the monthly score sums from the visits (after loading or fixing visits with SQL
    that bypassed the application)."""
    rollup.rebuild(db.session)
    db.session.commit()
    cells, visits = db.session.execute(
        select(func.count(), func.coalesce(func.sum(MonthlyScore.visits), 0))
    ).one()
    click.echo(f"monthly sums rebuilt: {cells} branch-month row(s), {visits} approved visit(s)")


@click.command("purge")
@with_appcontext
def purge_command():
    """Remove photos and personal data of visits older than RETENTION_DAYS (scores stay)."""
    report = retention.purge()
    db.session.commit()
    click.echo(
        f"{report.photos} photo(s) and the personal data of {report.visits} visit(s) "
        f"removed; {report.tokens} dead token(s) deleted"
    )


@click.command("demo")
@click.option(
    "--months",
    default=demo_visits.MONTHS,
    show_default=True,
    type=click.IntRange(0, 36),
    help="Months of visit history to make.",
)
@with_appcontext
def demo_command(months):
    """Build the schema and load the demo network: branches, users, forms, visits, plans."""
    upgrade()
    form_report = forms.import_form_files()
    if form_report.problems:
        raise click.ClickException(
            "the built-in forms are invalid: " + "; ".join(form_report.problems)
        )
    report, demo_users = demo.load_demo_network()
    db.session.commit()
    hq = next(user for user in demo_users if user.role == Role.HQ)
    made = demo_visits.load_demo_visits(hq, months=months)
    db.session.commit()
    click.echo(
        f"demo: {report.created} branches created, {report.updated} updated, "
        f"{report.unchanged} unchanged; "
        f"forms published: {', '.join(form_report.created) or 'none new'}; "
        f"{made} visits made"
    )
    click.echo(f"\nDemo users (password for all: {demo.DEMO_PASSWORD}):")
    for user in demo_users:
        scope = ", ".join([b.code for b in user.branches] + [a.code for a in user.areas])
        click.echo(f"  {user.role.value:<17} {user.email:<32} {scope or 'whole network'}")


COMMANDS = (
    create_user_command,
    import_branches_command,
    import_forms_command,
    check_forms_command,
    sweep_uploads_command,
    sweep_storage_command,
    render_scorecards_command,
    rebuild_rollup_command,
    purge_command,
    demo_command,
)


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
