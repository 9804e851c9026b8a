from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


def test_migrated_schema_matches_the_models(db):
    """The suite's schema is built by the migrations; the models must describe it exactly."""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []
