"""monthly score sums per branch, form version and month (server/models/rollup.py)

Revision ID: 0005_monthly_scores
Revises: 0004_review
Create Date: 2026-11-23 02:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_monthly_scores'
down_revision = '0004_review'
branch_labels = None
depends_on = None

COUNTED = (
    "v.status = 'approved' AND v.deleted_at IS NULL AND v.score_percent IS NOT NULL"
)


def upgrade():
    op.create_table('monthly_scores',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('form_version_id', sa.Integer(), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('score_squares', sa.Numeric(precision=22, scale=8), nullable=False),
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
    sa.Column('percent_sum', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['branches.id'], name=op.f('fk_monthly_section_scores_branch_id_branches')),
    sa.ForeignKeyConstraint(['form_version_id'], ['form_versions.id'], name=op.f('fk_monthly_section_scores_form_version_id_form_versions')),
    sa.PrimaryKeyConstraint('month', 'branch_id', 'form_version_id', 'section_key', name=op.f('pk_monthly_section_scores'))
    )
    with op.batch_alter_table('monthly_section_scores', schema=None) as batch_op:
        batch_op.create_index('ix_monthly_section_scores_branch_id_month', ['branch_id', 'month'], unique=False)

    _fill_from_visits()


def _fill_from_visits():
    """The sums of the visits already stored, as the application keeps them from now on."""
    if op.get_bind().dialect.name == "postgresql":
        month = "date_trunc('month', v.started_at)::date"
    else:
        month = "date(v.started_at, 'start of month')"
    op.execute(
        f"""
        INSERT INTO monthly_scores
            (month, branch_id, form_version_id, visits, score_sum, score_squares)
        SELECT {month}, v.branch_id, v.form_version_id, count(*), sum(v.score_percent),
               sum(v.score_percent * v.score_percent)
        FROM visits v
        WHERE {COUNTED}
        GROUP BY {month}, v.branch_id, v.form_version_id
        """
    )
    op.execute(
        f"""
        INSERT INTO monthly_section_scores
            (month, branch_id, form_version_id, section_key, visits, percent_sum)
        SELECT {month}, v.branch_id, v.form_version_id, s.section_key, count(*), sum(s.percent)
        FROM visit_section_scores s JOIN visits v ON v.id = s.visit_id
        WHERE {COUNTED} AND s.percent IS NOT NULL
        GROUP BY {month}, v.branch_id, v.form_version_id, s.section_key
        """
    )


def downgrade():
    with op.batch_alter_table('monthly_section_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_monthly_section_scores_branch_id_month')

    op.drop_table('monthly_section_scores')
    with op.batch_alter_table('monthly_scores', schema=None) as batch_op:
        batch_op.drop_index('ix_monthly_scores_branch_id_month')

    op.drop_table('monthly_scores')
