"""monthly sums as whole units of 1/10,000 of a point (server/models/rollup.py)

Revision ID: 0006_rollup_units
Revises: 0005_monthly_scores
Create Date: 2026-11-23 09:00:00.000000

The monthly sums are derived data: both tables are made anew in the other form and filled
from the visits again, both ways.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_rollup_units'
down_revision = '0005_monthly_scores'
branch_labels = None
depends_on = None

COUNTED = (
    "v.status = 'approved' AND v.deleted_at IS NULL AND v.score_percent IS NOT NULL"
)
SCORE_UNITS = "CAST(round(v.score_percent * 10000) AS BIGINT)"
PERCENT_UNITS = "CAST(round(s.percent * 10000) AS BIGINT)"


def upgrade():
    _drop_tables()
    _create_tables(
        [
            sa.Column('score_units', sa.BigInteger(), nullable=False),
            sa.Column('square_units', sa.BigInteger(), nullable=False),
        ],
        [sa.Column('percent_units', sa.BigInteger(), nullable=False)],
    )
    _fill(
        ("score_units", "square_units"),
        f"sum({SCORE_UNITS}), sum({SCORE_UNITS} * {SCORE_UNITS})",
        "percent_units",
        f"sum({PERCENT_UNITS})",
    )


def downgrade():
    _drop_tables()
    _create_tables(
        [
            sa.Column('score_sum', sa.Numeric(precision=18, scale=4), nullable=False),
            sa.Column('score_squares', sa.Numeric(precision=22, scale=8), nullable=False),
        ],
        [sa.Column('percent_sum', sa.Numeric(precision=18, scale=4), nullable=False)],
    )
    _fill(
        ("score_sum", "score_squares"),
        "sum(v.score_percent), sum(v.score_percent * v.score_percent)",
        "percent_sum",
        "sum(s.percent)",
    )


def _drop_tables():
    with op.batch_alter_table('monthly_section_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_monthly_section_scores_branch_id_month')
    op.drop_table('monthly_section_scores')
    with op.batch_alter_table('monthly_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_monthly_scores_branch_id_month')
    op.drop_table('monthly_scores')


def _create_tables(score_columns, section_columns):
    op.create_table('monthly_scores',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('form_version_id', sa.Integer(), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    *score_columns,
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_monthly_scores_branch_id_branches')),
    sa.ForeignKeyConstraint(['form_version_id'], ['form_versions.id'], name=op.f('fk_monthly_scores_form_version_id_form_versions')),
    sa.PrimaryKeyConstraint('month', 'branch_id', 'form_version_id', name=op.f('pk_monthly_scores'))
    )
    with op.batch_alter_table('monthly_scores', schema=None) as batch_op:
        batch_op.create_index('ix_monthly_scores_branch_id_month', ['branch_id', 'month'], unique=False)

    op.create_table('monthly_section_scores',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('form_version_id', sa.Integer(), nullable=False),
    sa.Column('section_key', sa.String(length=100), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    *section_columns,
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_monthly_section_scores_branch_id_branches')),
    sa.ForeignKeyConstraint(['form_version_id'], ['form_versions.id'], name=op.f('fk_monthly_section_scores_form_version_id_form_versions')),
    sa.PrimaryKeyConstraint('month', 'branch_id', 'form_version_id', 'section_key', name=op.f('pk_monthly_section_scores'))
    )
    with op.batch_alter_table('monthly_section_scores', schema=None) as batch_op:
        batch_op.create_index('ix_monthly_section_scores_branch_id_month', ['branch_id', 'month'], unique=False)


def _fill(score_names, score_sums, section_name, section_sum):
    """The sums of the visits already stored, as the application keeps them."""
    if op.get_bind().dialect.name == "postgresql":
        month = "date_trunc('month', v.started_at)::date"
    else:
        month = "date(v.started_at, 'start of month')"
    op.execute(
        f"""
        INSERT INTO monthly_scores
            (month, branch_id, form_version_id, visits, {', '.join(score_names)})
        SELECT {month}, v.branch_id, v.form_version_id, count(*), {score_sums}
        FROM visits v
        WHERE {COUNTED}
        GROUP BY {month}, v.branch_id, v.form_version_id
        """
    )
    op.execute(
        f"""
        INSERT INTO monthly_section_scores
            (month, branch_id, form_version_id, section_key, visits, {section_name})
        SELECT {month}, v.branch_id, v.form_version_id, s.section_key, count(*), {section_sum}
        FROM visit_section_scores s JOIN visits v ON v.id = s.visit_id
        WHERE {COUNTED} AND s.percent IS NOT NULL
        GROUP BY {month}, v.branch_id, v.form_version_id, s.section_key
        """
    )
