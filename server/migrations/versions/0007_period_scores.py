"""quarterly and yearly score sums (server/models/rollup.py: PeriodScore)

Revision ID: 0007_period_scores
Revises: 0006_rollup_units
Create Date: 2026-11-23 12:00:00.000000

Derived data: filled from the monthly sums, a quarter or a year at a time, as the application
fills them.
"""
from datetime import date

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_period_scores'
down_revision = '0006_rollup_units'
branch_labels = None
depends_on = None

SPANS = {"quarter": 3, "year": 12}


def upgrade():
    op.create_table('period_scores',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('form_version_id', sa.Integer(), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('score_units', sa.BigInteger(), nullable=False),
    sa.Column('square_units', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_period_scores_branch_id_branches')),
    sa.ForeignKeyConstraint(['form_version_id'], ['form_versions.id'], name=op.f('fk_period_scores_form_version_id_form_versions')),
    sa.PrimaryKeyConstraint('kind', 'start', 'branch_id', 'form_version_id', name=op.f('pk_period_scores'))
    )
    op.create_table('period_section_scores',
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('form_version_id', sa.Integer(), nullable=False),
    sa.Column('section_key', sa.String(length=100), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('percent_units', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_period_section_scores_branch_id_branches')),
    sa.ForeignKeyConstraint(['form_version_id'], ['form_versions.id'], name=op.f('fk_period_section_scores_form_version_id_form_versions')),
    sa.PrimaryKeyConstraint('kind', 'start', 'branch_id', 'form_version_id', 'section_key', name=op.f('pk_period_section_scores'))
    )
    _fill()
    if op.get_bind().dialect.name == "postgresql":
        # Statistics now, not at autovacuum's leisure: unanalyzed, the planner reads a year's
        # section sums by index, twice as slowly as by bitmap.
        op.execute("ANALYZE period_scores")
        op.execute("ANALYZE period_section_scores")


def downgrade():
    op.drop_table('period_section_scores')
    op.drop_table('period_scores')


def _fill():
    bind = op.get_bind()
    months = bind.execute(sa.text("SELECT DISTINCT month FROM monthly_scores")).scalars().all()
    spans = set()
    for month in months:
        if isinstance(month, str):  # SQLite without the model's Date type
            month = date.fromisoformat(month)
        for kind, length in SPANS.items():
            spans.add((kind, date(month.year, (month.month - 1) // length * length + 1, 1)))
    for kind, start in sorted(spans):
        end_month = start.month - 1 + SPANS[kind]
        end = date(start.year + end_month // 12, end_month % 12 + 1, 1)
        period = {"kind": kind, "start": start, "end": end}
        bind.execute(
            _dated(
                """
                INSERT INTO period_scores
                    (kind, start, branch_id, form_version_id, visits, score_units, square_units)
                SELECT :kind, :start, branch_id, form_version_id,
                       sum(visits), sum(score_units), sum(square_units)
                FROM monthly_scores
                WHERE month >= :start AND month < :end
                GROUP BY branch_id, form_version_id
                """
            ),
            period,
        )
        bind.execute(
            _dated(
                """
                INSERT INTO period_section_scores
                    (kind, start, branch_id, form_version_id, section_key, visits, percent_units)
                SELECT :kind, :start, branch_id, form_version_id, section_key,
                       sum(visits), sum(percent_units)
                FROM monthly_section_scores
                WHERE month >= :start AND month < :end
                GROUP BY branch_id, form_version_id, section_key
                """
            ),
            period,
        )


def _dated(sql):
    return sa.text(sql).bindparams(
        sa.bindparam("start", type_=sa.Date), sa.bindparam("end", type_=sa.Date)
    )
