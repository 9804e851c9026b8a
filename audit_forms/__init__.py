"""Pure form model and scoring: no Flask, no SQLAlchemy, no boto3."""
