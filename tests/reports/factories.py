"""Report inputs for tests: the realistic samples, with whatever a test needs changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from reports import BranchScorecard, Comment, Finding, VisitRow
from reports.samples import sample_photos, sample_scorecard


def make_scorecard(locale: str = "en", **overrides) -> BranchScorecard:
    """A full sample scorecard; keyword arguments replace its fields."""
    return replace(sample_scorecard(locale), **overrides)


def make_branch(data: BranchScorecard, **overrides) -> BranchScorecard:
    return replace(data, branch=replace(data.branch, **overrides))


def make_headline(data: BranchScorecard, **overrides) -> BranchScorecard:
    return replace(data, headline=replace(data.headline, **overrides))


def many_findings(count: int, comment: str) -> tuple[Finding, ...]:
    """`count` findings, each with two comments and two photos."""
    photos = sample_photos()
    return tuple(
        Finding(
            section="Waiting time",
            question=f"Question number {number} that lost points",
            points_lost=Decimal(4),
            visits_lost=2,
            visits=5,
            comments=(
                Comment(f"{comment} (finding {number}, first)", date(2026, 10, 3)),
                Comment(f"{comment} (finding {number}, second)", date(2026, 10, 8)),
            ),
            photos=photos[number % 5 : number % 5 + 2],
        )
        for number in range(1, count + 1)
    )


def many_visits(count: int) -> tuple[VisitRow, ...]:
    return tuple(
        VisitRow(
            date(2026, 1, 1) + timedelta(days=index),
            Decimal("80") + index % 20,
            reference=f"V-{index:05d}",
        )
        for index in range(count)
    )
